"""Checkpoint service (SAI-AIS-CKPT-B.01.01): the service object the executive runs.

Pieces, one job each:
  ckpt_state.py   the replicated state machine (deterministic)
  ckpt_lib.py     library requests: local checks, multicast, local reads
  ckpt_apply.py   delivery: apply to the replica, answer the originating library
  ckpt_sync.py    the sync protocol at every configuration change
  ckpt_timers.py  retention / expiration timers, which only multicast "expire"
  ckpt_codec.py   the variable parts of the messages of libsa/ipc_wire.h
  ckpt_send.py    ordered, fragmenting, flow-controlled sending
Local state (rule 4): the library connections of this node (self.conns).
"""

from __future__ import annotations

from typing import Any

from ..cluster import Cluster, ConfChg
from ..ipc import Handler, LibConnection, Service
from ..logsys import get_logger
from ..sync import SyncGate
from ..wire import C, ffi
from . import ckpt_codec as codec
from .ckpt_apply import CkptApply
from .ckpt_lib import CkptLib
from .ckpt_send import Reassembler, Sender
from .ckpt_state import CkptState
from .ckpt_sync import CkptSync
from .ckpt_timers import Clock, Deadline, DeadlineTimers, LoopClock

log = get_logger("CKPT")

_SYNC_TYPES = (C.AIS_CKPT_X_SYNC_HELLO, C.AIS_CKPT_X_SYNC_CKPT, C.AIS_CKPT_X_SYNC_DONE)


class CkptService(Service):
    service_id = C.AIS_SERVICE_CKPT
    name = "CKPT"

    def __init__(self, cluster: Cluster, clock: Clock | None = None) -> None:
        self.cluster = cluster
        self.clock: Clock = clock or LoopClock()
        self.state = CkptState()
        self.conns: dict[int, LibConnection] = {}
        self.sender = Sender(self._mcast, self.clock)
        self.reassembler = Reassembler()
        self.gate = SyncGate(self.sender.send)
        self.sync = CkptSync(self.state, cluster.local_nodeid, self.sender.send, self.clock.now,
                             self._sync_done)
        self.lib = CkptLib(self)
        self.apply = CkptApply(self)
        self.timers = DeadlineTimers(self.clock, self._deadline)
        cluster.subscribe(self.service_id, self)

    @property
    def local(self) -> int:
        return self.cluster.local_nodeid

    def _mcast(self, payload: bytes) -> bool:
        return self.cluster.mcast(self.service_id, payload)

    def send(self, payload: bytes) -> bool:
        return self.gate.send(payload)

    def gated(self, fn: Any) -> Any:
        return self.gate.wrap(fn)

    # -- library connections --------------------------------------------------
    def handlers(self) -> dict[int, Handler]:
        return self.lib.handlers()

    def lib_init(self, conn: LibConnection) -> None:
        self.conns[conn.conn_id] = conn

    def lib_exit(self, conn: LibConnection) -> None:
        self.conns.pop(conn.conn_id, None)
        if conn.state.get("ckpt_opened"):
            # close whatever it still has open, on every member (rule 4)
            self.send(codec.x_header(C.AIS_CKPT_X_CONN_EXIT, conn.conn_id, 0, self.clock.now()))

    # -- the ring -------------------------------------------------------------
    def confchg(self, change: ConfChg) -> None:
        if change.transitional:
            return
        self.gate.close()
        self.reassembler.forget(set(change.members))
        self.sync.confchg(change)

    def deliver(self, origin: int, payload: bytes) -> None:
        mv = memoryview(payload)
        if len(mv) < codec.XHDR_SIZE:
            log.warning("dropping a CKPT message of %d bytes from node %d", len(mv), origin)
            return
        xh = ffi.from_buffer(codec.XHDR_P, mv)
        body = mv[codec.XHDR_SIZE:]
        try:
            if xh.type == C.AIS_CKPT_X_FRAGMENT:
                whole = self.reassembler.add(origin, body)
                if whole is not None:
                    self.deliver(origin, whole)
                return
            if xh.type in _SYNC_TYPES:
                self.sync.deliver(origin, xh, body)
            elif self.sync.active:
                # not applied by any member; its sender sends it again after the sync
                if origin == self.local:
                    self.gate.hold(payload)
            else:
                self.apply.deliver(origin, xh, body)
                if self.state.new_deadlines:
                    self.timers.add(self.state.new_deadlines)
                    self.state.new_deadlines.clear()
        except Exception:  # every member fails alike on the same message: log, drop
            log.exception("dropping a CKPT message of type %d from node %d", xh.type, origin)

    def _sync_done(self) -> None:
        self.timers.reset(self.state.all_deadlines())
        self.state.new_deadlines.clear()
        self.gate.open()
        # Openers the replica holds for connections of this node that no longer
        # exist (say, of an earlier run of this executive that the others never saw
        # go): close them like any connection that went away.
        stale = sorted({op.conn_id for ckpt in self.state.ckpts.values() for op in ckpt.openers.values()
                        if op.node == self.local and op.conn_id not in self.conns})
        for conn_id in stale:
            self.send(codec.x_header(C.AIS_CKPT_X_CONN_EXIT, conn_id, 0, self.clock.now()))

    def _deadline(self, d: Deadline) -> None:
        kind, ckpt_id, sid, deadline = d
        ckpt = self.state.ckpts.get(ckpt_id)
        if ckpt is None:
            return
        now = self.clock.now()
        if kind == "retention":
            if ckpt.openers or ckpt.retention_deadline != deadline:
                return
            m = ffi.new("struct ais_ckpt_x_retention_expire *", {"ckpt_id": ckpt_id, "deadline": deadline})
            self.send(codec.x_header(C.AIS_CKPT_X_RETENTION_EXPIRE, now=now) + ffi.buffer(m)[:])
        else:
            sec = ckpt.sections.get(sid)
            if sec is None or sec.expiration != deadline:
                return
            m = ffi.new("struct ais_ckpt_x_section_expire *",
                        {"ckpt_id": ckpt_id, "expiration_time": deadline, "id_len": len(sid)})
            self.send(codec.x_header(C.AIS_CKPT_X_SECTION_EXPIRE, now=now) + ffi.buffer(m)[:]
                      + sid + bytes(codec.padded(len(sid)) - len(sid)))
