"""Generic pieces of the sync protocol that every service runs at a configuration
change (ARCHITECTURE.md rule 3): a gate that holds library requests and a service's
own multicasts while the service synchronizes, and lets them through, in order,
once it is done."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from .logsys import get_logger

log = get_logger("SYNC")

SA_AIS_ERR_TRY_AGAIN = 6

RequestFn = Callable[[Any, Any, bytes], None]


class SyncGate:
    """Closed while a sync runs: library requests queue (up to `limit`, then
    SA_AIS_ERR_TRY_AGAIN, which the specification allows for every call) and
    multicasts wait in an outbox.  open() sends the outbox, then serves the queue."""

    def __init__(self, mcast: Callable[[bytes], bool], limit: int = 10000) -> None:
        self._mcast = mcast
        self.limit = limit
        self.closed = True
        self._requests: deque[tuple[RequestFn, Any, Any, bytes]] = deque()
        self._outbox: deque[bytes] = deque()

    def close(self) -> None:
        self.closed = True

    def wrap(self, fn: RequestFn) -> RequestFn:
        def gated(conn: Any, req: Any, frame: bytes) -> None:
            if not self.closed:
                return fn(conn, req, frame)
            if len(self._requests) >= self.limit:
                return conn.respond(req.header, SA_AIS_ERR_TRY_AGAIN)
            self._requests.append((fn, conn, req, frame))
        return gated

    def send(self, payload: bytes) -> bool:
        """Multicast now, or once the gate opens."""
        if self.closed:
            self._outbox.append(payload)
            return True
        return self._mcast(payload)

    def hold(self, payload: bytes) -> None:
        """Send again once open (a message of ours that a sync refused)."""
        self._outbox.append(payload)

    def open(self) -> None:
        self.closed = False
        while self._outbox and not self.closed:
            payload = self._outbox.popleft()
            if not self._mcast(payload):
                log.warning("multicast refused after sync: message dropped")
        while self._requests and not self.closed:
            fn, conn, req, frame = self._requests.popleft()
            if getattr(conn, "closed", False):
                continue
            try:
                fn(conn, req, frame)
            except Exception:  # as the IPC server does: the request costs its connection only
                log.exception("closing a library connection after a failed queued request")
                conn.close()
