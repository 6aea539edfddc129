"""The CKPT sync protocol, run at every REGULAR configuration (ARCHITECTURE.md rule 3).

1. Stop: from the configuration change on, the service queues library requests and
   holds back its own multicasts; operations delivered during the sync are not
   applied (on every member alike) and their originator sends them again afterwards.
2. Hello: every member multicasts the digest of its replica.  Members with the same
   digest hold the same replica (they come from the same partition).
3. Exchange: once every member's hello is delivered, the lowest node id of each
   digest sends its whole replica, one AIS_CKPT_X_SYNC_CKPT per checkpoint and then
   AIS_CKPT_X_SYNC_DONE.  With a single digest (a node left, nobody new) nothing is
   sent.  Every member then builds the same merged replica from the delivered
   records alone, in sender order (merge()).
4. Release: openers on nodes that left are closed (retention starts), active
   replicas on them are forgotten; the time used is the latest hello's stamp.
5. Resume.
A configuration change during a sync starts it again: messages carry the ring
sequence number and those of an older ring are ignored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from ..cluster import ConfChg
from ..logsys import get_logger
from ..wire import C, ffi
from . import ckpt_codec as codec
from .ckpt_state import Checkpoint, CkptState

log = get_logger("CKPT")

Mcast = Callable[[bytes], bool]


def digest(state: CkptState) -> bytes:
    h = hashlib.sha256()
    for ckpt_id in sorted(state.ckpts):
        rec = codec.record(state.ckpts[ckpt_id], 0)
        h.update(len(rec).to_bytes(8, "little"))
        h.update(rec)
    return h.digest()


def merge(replicas: list[list[Checkpoint]]) -> list[Checkpoint]:
    """One replica from the replicas of the partitions, deterministically.

    A checkpoint known to several partitions keeps the contents of the first (the
    lowest sender) and the openers of all.  Two different checkpoints linked under
    one name (each partition created its own): the first keeps the name, the others
    become unlinked, so their openers keep using them until they close."""
    merged: dict[int, Checkpoint] = {}
    for replica in replicas:
        for ckpt in replica:
            have = merged.get(ckpt.ckpt_id)
            if have is None:
                merged[ckpt.ckpt_id] = ckpt
            else:
                for oid, op in ckpt.openers.items():
                    have.openers.setdefault(oid, op)
                have.unlinked = have.unlinked and ckpt.unlinked
    names: dict[bytes, Checkpoint] = {}
    for ckpt in merged.values():
        if ckpt.unlinked:
            continue
        if ckpt.name in names:
            ckpt.unlinked = True
        else:
            names[ckpt.name] = ckpt
    seen: set[int] = set()
    out: list[Checkpoint] = []
    for ckpt in merged.values():
        # an open id belongs to one checkpoint (ids are random 63-bit numbers)
        for oid in [o for o in ckpt.openers if o in seen]:
            del ckpt.openers[oid]
        seen.update(ckpt.openers)
        if ckpt.unlinked and not ckpt.openers:
            continue
        out.append(ckpt)
    return out


class CkptSync:
    def __init__(self, state: CkptState, local_nodeid: int, mcast: Mcast, now: Callable[[], int],
                 on_done: Callable[[], None]) -> None:
        self.state = state
        self.local = local_nodeid
        self.mcast = mcast
        self.now = now
        self.on_done = on_done
        self.active = True  # no configuration yet: nothing is served
        self.ring_seq = -1
        self.members: tuple[int, ...] = ()
        self.hellos: dict[int, tuple[bytes, int]] = {}
        self.senders: list[int] = []
        self.staged: dict[int, list[Checkpoint]] = {}
        self.done: set[int] = set()
        self.syncs = 0  # completed syncs (for tests and logs)

    def confchg(self, change: ConfChg) -> None:
        if change.transitional:
            return
        self.active = True
        self.ring_seq = change.ring_id.seq
        self.members = change.members
        self.hellos.clear()
        self.senders = []
        self.staged.clear()
        self.done.clear()
        hello = ffi.new("struct ais_ckpt_x_sync_hello *")
        hello.ring_seq = self.ring_seq
        ffi.memmove(hello.digest, digest(self.state), 32)
        hello.ckpt_count = len(self.state.ckpts)
        self._send(C.AIS_CKPT_X_SYNC_HELLO, ffi.buffer(hello)[:])

    def _send(self, msg_type: int, body: bytes) -> None:
        if not self.mcast(codec.x_header(msg_type, now=self.now()) + body):
            log.error("sync message could not be queued: the sync waits for the next configuration")

    def deliver(self, origin: int, xh: Any, body: memoryview) -> None:
        t = xh.type
        if t == C.AIS_CKPT_X_SYNC_HELLO:
            hello = ffi.from_buffer("struct ais_ckpt_x_sync_hello *", body)
            if hello.ring_seq != self.ring_seq or not self.active or origin not in self.members:
                return
            self.hellos[origin] = (bytes(ffi.buffer(hello.digest)), xh.now)
            if len(self.hellos) == len(self.members):
                self._exchange()
        elif t == C.AIS_CKPT_X_SYNC_CKPT:
            ring, ckpt = codec.parse_record(body)
            if ring == self.ring_seq and self.active and origin in self.staged:
                self.staged[origin].append(ckpt)
        elif t == C.AIS_CKPT_X_SYNC_DONE:
            done = ffi.from_buffer("struct ais_ckpt_x_sync_done *", body)
            if done.ring_seq != self.ring_seq or not self.active or origin not in self.staged:
                return
            if len(self.staged[origin]) != done.ckpt_count:
                log.error("sync from node %d: %d of %d checkpoints arrived", origin,
                          len(self.staged[origin]), done.ckpt_count)
            self.done.add(origin)
            if self.done == set(self.senders):
                self.state.adopt(merge([self.staged[s] for s in self.senders]))
                self._finish()

    def _exchange(self) -> None:
        groups: dict[bytes, list[int]] = {}
        for node, (dig, _) in sorted(self.hellos.items()):
            groups.setdefault(dig, []).append(node)
        if len(groups) == 1:
            self._finish()
            return
        self.senders = sorted(nodes[0] for nodes in groups.values())
        self.staged = {s: [] for s in self.senders}
        if self.local in self.senders:
            ckpts = list(self.state.ckpts.values())
            for ckpt in ckpts:
                self._send(C.AIS_CKPT_X_SYNC_CKPT, codec.record(ckpt, self.ring_seq))
            done = ffi.new("struct ais_ckpt_x_sync_done *")
            done.ring_seq = self.ring_seq
            done.ckpt_count = len(ckpts)
            self._send(C.AIS_CKPT_X_SYNC_DONE, ffi.buffer(done)[:])

    def _finish(self) -> None:
        sync_time = max(t for _, t in self.hellos.values())
        self.state.release_departed(self.members, sync_time)
        self.active = False
        self.syncs += 1
        log.debug("sync of ring %d done: %d checkpoints", self.ring_seq, len(self.state.ckpts))
        self.on_done()
