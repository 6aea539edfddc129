"""Cluster Membership service (SAI-AIS-CLM-B.01.01).

Replicated state: the table of member nodes and the view number, changed only on
delivery.  After every REGULAR configuration each node multicasts its own node record
(struct ais_clm_node of libsa/ipc_wire.h, which is also the cluster message); the view
is complete once the records of all joined members have been delivered, at the same
point of the agreed order on every member.  Then trackers are notified.

Local state: which library connections track, and how (CHANGES / CHANGES_ONLY).
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from typing import Any

from .. import wire
from ..cluster import Cluster, ConfChg
from ..ipc import SA_AIS_OK, Handler, LibConnection, Service
from ..logsys import get_logger
from ..wire import C, ffi

log = get_logger("CLM")

SA_AIS_ERR_TRY_AGAIN = 6
SA_AIS_ERR_INVALID_PARAM = 7
SA_AIS_ERR_NOT_EXIST = 12
SA_AIS_ERR_NO_SPACE = 15
SA_AIS_ERR_BAD_FLAGS = 25
SA_CLM_LOCAL_NODE_ID = 0xFFFFFFFF
SA_CLM_AF_INET, SA_CLM_AF_INET6 = 1, 2
SA_CLM_NODE_NO_CHANGE, SA_CLM_NODE_JOINED, SA_CLM_NODE_LEFT = 1, 2, 3
SA_TRACK_CURRENT, SA_TRACK_CHANGES, SA_TRACK_CHANGES_ONLY = 0x01, 0x02, 0x04
_NODE_SIZE = wire.sizeof("struct ais_clm_node")


@dataclass
class View:
    number: int
    members: tuple[int, ...]  # ascending node ids


class ClmService(Service):
    service_id = C.AIS_SERVICE_CLM
    name = "CLM"

    def __init__(self, cluster: Cluster, node_name: str | None = None) -> None:
        self.cluster = cluster
        self.node_name = (node_name or socket.gethostname()).encode()[:255]
        self.boot_timestamp = time.time_ns()
        self.records: dict[int, bytes] = {}  # nodeid -> packed struct ais_clm_node
        # The view in which this node joined the cluster: the first view it completed
        # after it started.  Every node announces its own in its record, so all members
        # report the same initialViewNumber for it (in a merge of partitions each side
        # sees the other as joining, so no cluster-wide "joined" event could define it).
        self.my_initial_view: int | None = None
        self.view: View | None = None  # the last complete view
        self._pending: tuple[int, tuple[int, ...]] | None = None  # (view number, members)
        self._waiting: set[int] = set()  # members whose record has not arrived yet
        self.trackers: dict[int, LibConnection] = {}
        self.ready_callbacks: list[Any] = []
        cluster.subscribe(self.service_id, self)

    # -- library requests ---------------------------------------------------
    def handlers(self) -> dict[int, Handler]:
        return {
            C.AIS_CLM_NODE_GET: Handler("struct ais_req_clm_node_get", self._node_get),
            C.AIS_CLM_NODE_GET_ASYNC: Handler("struct ais_req_clm_node_get_async", self._node_get_async),
            C.AIS_CLM_TRACK: Handler("struct ais_req_clm_track", self._track),
            C.AIS_CLM_TRACK_STOP: Handler("struct ais_ipc_header", self._track_stop),
        }

    def lib_exit(self, conn: LibConnection) -> None:
        self.trackers.pop(conn.conn_id, None)

    def _lookup(self, nodeid: int) -> bytes | None:
        if nodeid == SA_CLM_LOCAL_NODE_ID:
            nodeid = self.cluster.local_nodeid
        if self.view is None or nodeid not in self.view.members:
            return None
        return self.records.get(nodeid)

    def _node_get(self, conn: LibConnection, req: Any, _frame: bytes) -> None:
        rec = self._lookup(req.node_id)
        if rec is None:
            return conn.respond(req.header, SA_AIS_ERR_NOT_EXIST)
        res = wire.new("struct ais_res_clm_node_get")
        ffi.memmove(ffi.addressof(res.node), rec, _NODE_SIZE)
        conn.respond(req.header, SA_AIS_OK, res)

    def _node_get_async(self, conn: LibConnection, req: Any, _frame: bytes) -> None:
        rec = self._lookup(req.node_id)
        conn.respond(req.header, SA_AIS_OK)
        cb = wire.new("struct ais_cb_clm_node_get")
        cb.header.id = C.AIS_CLM_CB_NODE_GET
        cb.invocation = req.invocation
        if rec is None:
            return conn.callback(cb, SA_AIS_ERR_NOT_EXIST)
        ffi.memmove(ffi.addressof(cb.node), rec, _NODE_SIZE)
        conn.callback(cb)

    def _track(self, conn: LibConnection, req: Any, _frame: bytes) -> None:
        flags = req.track_flags
        changes = flags & (SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY)
        if (flags & ~(SA_TRACK_CURRENT | SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY) or flags == 0
                or changes == SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY):
            return conn.respond(req.header, SA_AIS_ERR_BAD_FLAGS)
        if self.view is None:
            return conn.respond(req.header, SA_AIS_ERR_TRY_AGAIN)
        sync = flags & SA_TRACK_CURRENT and req.options & C.AIS_CLM_TRACK_SYNC_CURRENT
        if sync and 0 < req.max_items < len(self.view.members):
            short = self._view_msg([])  # no items: number_of_members is the count needed
            return conn.respond(req.header, SA_AIS_ERR_NO_SPACE, short)
        if changes:
            conn.state["track"] = changes
            self.trackers[conn.conn_id] = conn
        if flags & SA_TRACK_CURRENT:
            msg = self._current_view_msg()
            if sync:
                return conn.respond(req.header, SA_AIS_OK, msg)
            conn.respond(req.header, SA_AIS_OK)
            msg.header.id = C.AIS_CLM_CB_TRACK
            return conn.callback(msg)
        conn.respond(req.header, SA_AIS_OK)

    def _track_stop(self, conn: LibConnection, req: Any, _frame: bytes) -> None:
        if self.trackers.pop(conn.conn_id, None) is None:
            return conn.respond(req, SA_AIS_ERR_NOT_EXIST)
        conn.state.pop("track", None)
        conn.respond(req, SA_AIS_OK)

    # -- notification buffers ----------------------------------------------
    def _view_msg(self, items: list[tuple[bytes, int]]) -> Any:
        assert self.view is not None
        msg = wire.new("struct ais_clm_track_view", len(items))
        msg.view_number = self.view.number
        msg.number_of_items = len(items)
        msg.number_of_members = len(self.view.members)
        for i, (rec, change) in enumerate(items):
            ffi.memmove(ffi.addressof(msg.items[i].node), rec, _NODE_SIZE)
            msg.items[i].cluster_change = change
        return msg

    def _current_view_msg(self) -> Any:
        assert self.view is not None
        return self._view_msg([(self.records[n], SA_CLM_NODE_NO_CHANGE) for n in self.view.members])

    # -- replicated state: configuration changes and deliveries ------------
    def confchg(self, change: ConfChg) -> None:
        if change.transitional:
            return
        self._pending = (change.ring_id.seq, change.members)
        self._waiting = set(change.members)
        # Every node announces itself in every new configuration: a node that joins
        # learns the records of those already there, in agreed order.
        self.cluster.mcast(self.service_id, self._own_record())

    def _own_record(self) -> bytes:
        rec = ffi.new("struct ais_clm_node *")
        rec.node_id = self.cluster.local_nodeid
        addr = self.cluster.local_address
        rec.addr_family = SA_CLM_AF_INET if addr.version == 4 else SA_CLM_AF_INET6
        rec.addr_length = len(addr.packed)
        ffi.memmove(rec.addr_value, addr.packed, len(addr.packed))
        rec.node_name.length = len(self.node_name)
        ffi.memmove(rec.node_name.value, self.node_name, len(self.node_name))
        rec.member = 1
        rec.boot_timestamp = self.boot_timestamp
        if self.my_initial_view is not None:
            rec.initial_view_number = self.my_initial_view
        elif self._pending is not None:  # the view this record is sent for
            rec.initial_view_number = self._pending[0]
        return ffi.buffer(rec)[:]

    def deliver(self, origin: int, payload: bytes) -> None:
        if len(payload) != _NODE_SIZE:
            log.warning("dropping CLM message of %d bytes from node %d", len(payload), origin)
            return
        rec = ffi.from_buffer("struct ais_clm_node *", payload)
        if rec.node_id != origin:
            log.warning("dropping CLM record for node %d sent by node %d", rec.node_id, origin)
            return
        if self._pending is None or origin not in self._waiting:
            return  # a record for a configuration already complete or superseded
        self.records[origin] = payload
        self._waiting.discard(origin)
        if not self._waiting:
            self._complete_view()

    def _complete_view(self) -> None:
        assert self._pending is not None
        number, members = self._pending
        self._pending = None
        old = self.view
        old_members = set(old.members) if old is not None else set()
        joined = [n for n in members if n not in old_members]
        left = sorted(old_members - set(members))
        if self.my_initial_view is None:
            self.my_initial_view = number
        self.view = View(number, members)
        left_records = {n: self._as_left(self.records.pop(n)) for n in left if n in self.records}
        log.info("view %d: members %s, joined %s, left %s", number, list(members), joined, left)
        if old is not None and (joined or left):
            self._notify(members, set(joined), left_records)
        for cb in self.ready_callbacks:
            cb()
        self.ready_callbacks.clear()

    @staticmethod
    def _as_left(payload: bytes) -> bytes:
        rec = ffi.from_buffer("struct ais_clm_node *", bytearray(payload))
        rec.member = 0
        return ffi.buffer(rec)[:]

    def _notify(self, members: tuple[int, ...], joined: set[int], left: dict[int, bytes]) -> None:
        full: list[tuple[bytes, int]] = [
            (self.records[n], SA_CLM_NODE_JOINED if n in joined else SA_CLM_NODE_NO_CHANGE)
            for n in members]
        only: list[tuple[bytes, int]] = [
            (self.records[n], SA_CLM_NODE_JOINED) for n in members if n in joined]
        gone = [(rec, SA_CLM_NODE_LEFT) for rec in left.values()]
        msgs: dict[int, Any] = {}
        for conn in list(self.trackers.values()):
            mode = conn.state.get("track", 0)
            msg = msgs.get(mode)
            if msg is None:
                msg = self._view_msg((full if mode == SA_TRACK_CHANGES else only) + gone)
                msg.header.id = C.AIS_CLM_CB_TRACK
                msgs[mode] = msg
            conn.callback(msg)
