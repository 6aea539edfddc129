"""Sending CKPT cluster messages: in order, in pieces, and patiently.

The ring carries messages of bounded size and has a bounded send queue
(Cluster.mcast answers False when it is full).  Sender cuts a message longer than
AIS_CKPT_X_FRAGMENT_SIZE into AIS_CKPT_X_FRAGMENT pieces and keeps whatever the
ring refuses in a local queue, offering it again shortly; order is kept.  Only when
that local queue is itself full does send() say no (the library then gets
SA_AIS_ERR_TRY_AGAIN).

Reassembler puts the pieces together on delivery.  The pieces of one sender are
delivered in its sending order, so each sender has at most one message in pieces
at a time; a piece 0 starts a new one (dropping a predecessor whose tail never
came, e.g. lost with a crashed sender)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from ..wire import C, ffi
from . import ckpt_codec as codec

FRAG_SIZE = C.AIS_CKPT_X_FRAGMENT_SIZE
_FRAG_HDR = ffi.sizeof("struct ais_ckpt_x_fragment")
RETRY_NS = 2_000_000


class Sender:
    def __init__(self, mcast: Callable[[bytes], bool], clock: Any, limit: int = 256 << 20) -> None:
        self._mcast = mcast
        self.clock = clock
        self.limit = limit
        self._queue: deque[bytes] = deque()
        self._queued_bytes = 0
        self._retry: Any = None

    def send(self, payload: bytes) -> bool:
        if self._queued_bytes + len(payload) > self.limit:
            return False
        pieces = [payload] if len(payload) <= FRAG_SIZE else self._fragments(payload)
        for piece in pieces:
            self._queue.append(piece)
            self._queued_bytes += len(piece)
        self._pump()
        return True

    @staticmethod
    def _fragments(payload: bytes) -> list[bytes]:
        count = (len(payload) + FRAG_SIZE - 1) // FRAG_SIZE
        head = codec.x_header(C.AIS_CKPT_X_FRAGMENT)
        frag = ffi.new("struct ais_ckpt_x_fragment *", {"count": count, "total": len(payload)})
        mv = memoryview(payload)
        out = []
        for i in range(count):
            frag.index = i
            out.append(b"".join((head, ffi.buffer(frag)[:], mv[i * FRAG_SIZE:(i + 1) * FRAG_SIZE])))
        return out

    def _pump(self) -> None:
        q = self._queue
        while q:
            if not self._mcast(q[0]):
                if self._retry is None:
                    self._retry = self.clock.call_at(self.clock.now() + RETRY_NS, self._again)
                return
            self._queued_bytes -= len(q.popleft())

    def _again(self) -> None:
        self._retry = None
        self._pump()

    @property
    def backlog(self) -> int:
        return len(self._queue)


class Reassembler:
    def __init__(self) -> None:
        self._parts: dict[int, tuple[int, list[bytes]]] = {}  # origin -> (total, pieces)

    def add(self, origin: int, body: memoryview) -> bytes | None:
        """The whole message once its last piece is here."""
        if len(body) < _FRAG_HDR:
            raise ValueError("short fragment")
        f = ffi.from_buffer("struct ais_ckpt_x_fragment *", body)
        index, count, total = f.index, f.count, f.total
        piece = bytes(body[_FRAG_HDR:])
        if index == 0:
            self._parts[origin] = (total, [])
        cur = self._parts.get(origin)
        if cur is None or len(cur[1]) != index or cur[0] != total:
            self._parts.pop(origin, None)  # a piece without its predecessors: the message is lost
            return None
        cur[1].append(piece)
        if index + 1 < count:
            return None
        del self._parts[origin]
        whole = b"".join(cur[1])
        return whole if len(whole) == total else None

    def forget(self, keep: set[int]) -> None:
        """Drop the pieces of senders that left."""
        for origin in [o for o in self._parts if o not in keep]:
            del self._parts[origin]
