"""An in-process cluster of N nodes for testing services without a network.

SimNet holds the nodes and the partitions; each SimNode is a Cluster (the interface
of executive/aisexec/cluster.py) that a service subscribes to.  Within a partition
there is one agreed order: mcast() appends to the partition's queue and run()
delivers each message to every member of that partition, in queue order.  Handlers
may multicast while being delivered to.

Configuration changes follow extended virtual synchrony as the services see it:
messages already queued in a partition are delivered to its members first (a crashed
node's undelivered messages are lost), then every member of each new partition gets
a TRANSITIONAL and a REGULAR configuration with a new ring id.

A SimClock gives services a manual clock (ns since the epoch) with timers.
"""

from __future__ import annotations

import heapq
import ipaddress
import itertools
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from aisexec.cluster import Cluster, ConfChg, RingId


class SimClock:
    def __init__(self, start: int = 1_700_000_000 * 10**9) -> None:
        self.t = start
        self._timers: list[tuple[int, int, _Timer]] = []
        self._seq = itertools.count()

    def now(self) -> int:
        return self.t

    def call_at(self, when: int, fn: Callable[[], None]) -> _Timer:
        timer = _Timer(fn)
        heapq.heappush(self._timers, (when, next(self._seq), timer))
        return timer

    def advance(self, ns: int, net: SimNet | None = None) -> None:
        """Move time forward, running due timers (and the network after each)."""
        end = self.t + ns
        while self._timers and self._timers[0][0] <= end:
            when, _, timer = heapq.heappop(self._timers)
            self.t = max(self.t, when)
            if not timer.cancelled:
                timer.fn()
                if net is not None:
                    net.run()
        self.t = end


class _Timer:
    def __init__(self, fn: Callable[[], None]) -> None:
        self.fn = fn
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class SimNode(Cluster):
    def __init__(self, net: SimNet, nodeid: int) -> None:
        super().__init__()
        self.net = net
        self.local_nodeid = nodeid
        self.local_address = ipaddress.IPv4Address(0x0A000000 + nodeid)
        self.up = False
        self.sent = 0
        self.refuse = 0  # refuse this many multicasts (a full send queue)

    def mcast(self, service_id: int, payload: bytes) -> bool:
        if not self.up:
            return False
        if self.refuse > 0:
            self.refuse -= 1
            return False
        self.sent += 1
        self.net.queue_of(self.local_nodeid).append((self.local_nodeid, service_id, bytes(payload)))
        return True

    async def start(self) -> None:  # the network decides when configurations form
        pass

    async def stop(self) -> None:
        self.net.crash(self.local_nodeid)


class SimNet:
    def __init__(self) -> None:
        self.nodes: dict[int, SimNode] = {}
        self.partitions: list[tuple[int, ...]] = []
        self.queues: dict[tuple[int, ...], deque[tuple[int, int, bytes]]] = {}
        self.ring_seq = 0
        self.delivered = 0

    def node(self, nodeid: int) -> SimNode:
        n = self.nodes.get(nodeid)
        if n is None:
            n = self.nodes[nodeid] = SimNode(self, nodeid)
        return n

    def partition_of(self, nodeid: int) -> tuple[int, ...]:
        for p in self.partitions:
            if nodeid in p:
                return p
        raise KeyError(f"node {nodeid} is not up")

    def queue_of(self, nodeid: int) -> deque[tuple[int, int, bytes]]:
        return self.queues[self.partition_of(nodeid)]

    # -- configuration changes ------------------------------------------------
    def configure(self, partitions: Iterable[Iterable[int]], lost: Iterable[int] = ()) -> None:
        """Install new partitions.  Messages queued by `lost` nodes are dropped;
        every other queued message is delivered in its old partition first."""
        lost = set(lost)
        for p, q in self.queues.items():
            self.queues[p] = deque(m for m in q if m[0] not in lost)
        self.run()
        new = [tuple(sorted(p)) for p in partitions if p]
        old_of = {n: p for p in self.partitions for n in p}
        up = {n for p in new for n in p}
        for n, node in self.nodes.items():
            node.up = n in up
        self.partitions = new
        self.queues = {p: deque() for p in new}
        for p in new:
            self.ring_seq += 4
            ring = RingId(self.ring_seq, p[0])
            for n in p:
                before = set(old_of.get(n, ()))
                trans = tuple(sorted(before & set(p)))
                left = tuple(sorted(before - set(p)))
                joined = tuple(sorted(set(p) - before))
                node = self.nodes[n]
                node._emit_confchg(ConfChg(True, trans, left, (), ring))
                node._emit_confchg(ConfChg(False, p, left, joined, ring))

    def start(self, *nodeids: int) -> None:
        """Form one partition of these nodes (creating them as needed)."""
        for n in nodeids:
            self.node(n)
        self.configure([nodeids])

    def crash(self, nodeid: int) -> None:
        self.configure([tuple(n for n in p if n != nodeid) for p in self.partitions], lost=[nodeid])

    def join(self, nodeid: int, into: int | None = None) -> None:
        """Node `nodeid` (new or restarted) joins the partition of node `into`
        (default: the first partition)."""
        self.node(nodeid)
        if into is not None:
            target = self.partition_of(into)
        else:
            target = self.partitions[0] if self.partitions else ()
        parts = [p for p in self.partitions if p != target] + [tuple(target) + (nodeid,)]
        self.configure(parts)

    def split(self, *groups: Iterable[int]) -> None:
        self.configure(groups)

    def merge(self) -> None:
        self.configure([tuple(n for p in self.partitions for n in p)])

    # -- delivery -------------------------------------------------------------
    def step(self) -> bool:
        """Deliver one message in each partition; False when nothing was queued."""
        any_sent = False
        for p in list(self.partitions):
            q = self.queues.get(p)
            if not q:
                continue
            origin, service_id, payload = q.popleft()
            any_sent = True
            self.delivered += 1
            for n in p:
                self.nodes[n]._emit_deliver(origin, service_id, payload)
        return any_sent

    def run(self, limit: int = 10_000_000) -> int:
        n = 0
        while n < limit and self.step():
            n += 1
        return n

    def members(self) -> list[int]:
        return [n for p in self.partitions for n in p]

    def services(self, registry: dict[int, Any]) -> list[Any]:
        return [registry[n] for n in self.members()]
