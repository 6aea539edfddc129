"""Local timers for the deadlines of the replicated CKPT state: checkpoint retention
and section expiration (absolute times, ns since the epoch).

A timer never changes the replica: when one fires and its deadline still holds in
the replica, the service multicasts an expire message, and the deletion happens on
its delivery, on every member (ckpt_state.retention_expire / section_expire ignore
stale and repeated ones).  Every member arms the same timers; the first expire
message delivered wins."""

from __future__ import annotations

import asyncio
import heapq
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol


class Clock(Protocol):
    def now(self) -> int:
        """Wall-clock time, ns since the epoch (SaTimeT)."""

    def call_at(self, when: int, fn: Callable[[], None]) -> Any:
        """Run fn once the wall clock reaches `when`; the result has cancel()."""


class LoopClock:
    """The real clock, on the running asyncio loop."""

    def now(self) -> int:
        return time.time_ns()

    def call_at(self, when: int, fn: Callable[[], None]) -> Any:
        delay = max(0.0, (when - time.time_ns()) / 1e9)
        return asyncio.get_running_loop().call_later(min(delay, 86400.0 * 365), fn)


Deadline = tuple[str, int, bytes, int]  # (kind, ckpt_id, section id, deadline)


class DeadlineTimers:
    def __init__(self, clock: Clock, fire: Callable[[Deadline], None]) -> None:
        self.clock = clock
        self.fire = fire
        self._heap: list[tuple[int, str, int, bytes]] = []
        self._armed: Any = None
        self._armed_at = 0

    def reset(self, deadlines: Iterable[Deadline]) -> None:
        self._heap = [(d, k, c, s) for k, c, s, d in deadlines]
        heapq.heapify(self._heap)
        self._rearm()

    def add(self, deadlines: Iterable[Deadline]) -> None:
        for k, c, s, d in deadlines:
            heapq.heappush(self._heap, (d, k, c, s))
        self._rearm()

    def _rearm(self) -> None:
        if not self._heap:
            return
        first = self._heap[0][0]
        if self._armed is not None:
            if self._armed_at <= first:
                return
            self._armed.cancel()
        self._armed_at = first
        self._armed = self.clock.call_at(first, self._run)

    def _run(self) -> None:
        self._armed = None
        now = self.clock.now()
        while self._heap and self._heap[0][0] <= now:
            d, k, c, s = heapq.heappop(self._heap)
            self.fire((k, c, s, d))
        self._rearm()
