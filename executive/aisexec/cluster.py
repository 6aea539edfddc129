"""What the services see of the ring: agreed-order delivery and configuration changes.

Services subscribe with a service id and receive, in one total order:
  - deliver(origin_nodeid, payload) for every message multicast to that service;
  - confchg(ConfChg) for every TRANSITIONAL and REGULAR configuration (extended
    virtual synchrony, shared/docs/totem.md §1.1).
They send with mcast(service_id, payload); state changes happen only on delivery
(ARCHITECTURE.md rule 1), the originator included.

LocalCluster is the one-node ring: it never talks to a network, delivers every
message back in send order on the next loop iteration, and installs exactly one
configuration (itself) at start.  The Totem-backed cluster offers the same interface.
"""

from __future__ import annotations

import abc
import asyncio
import ipaddress
import os
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from .logsys import get_logger
from .netif import IPAddress

log = get_logger("TOTEM")


@dataclass(frozen=True, order=True)
class RingId:
    seq: int
    rep: int


@dataclass(frozen=True)
class ConfChg:
    transitional: bool
    members: tuple[int, ...]
    left: tuple[int, ...]
    joined: tuple[int, ...]
    ring_id: RingId


class ClusterListener(Protocol):
    def deliver(self, origin: int, payload: bytes) -> None: ...

    def confchg(self, change: ConfChg) -> None: ...


class Cluster(abc.ABC):
    """Interface shared by LocalCluster and the Totem-backed cluster."""

    local_nodeid: int
    local_address: IPAddress

    def __init__(self) -> None:
        self._listeners: dict[int, ClusterListener] = {}

    def subscribe(self, service_id: int, listener: ClusterListener) -> None:
        self._listeners[service_id] = listener

    @abc.abstractmethod
    def mcast(self, service_id: int, payload: bytes) -> bool:
        """Queue a message for agreed delivery; False means "try again later"."""

    @abc.abstractmethod
    async def start(self) -> None:
        """Join (form) the ring; the first configuration is delivered from here."""

    @abc.abstractmethod
    async def stop(self) -> None:
        """Leave the ring."""

    def _emit_confchg(self, change: ConfChg) -> None:
        for listener in self._listeners.values():
            listener.confchg(change)

    def _emit_deliver(self, origin: int, service_id: int, payload: bytes) -> None:
        listener = self._listeners.get(service_id)
        if listener is not None:
            listener.deliver(origin, payload)


def load_ring_seq(run_dir: str, nodeid: int) -> int:
    """The last ring sequence this node installed (0 if none): ring ids survive restarts."""
    try:
        with open(os.path.join(run_dir, f"ringid_{nodeid}")) as f:
            return int(f.read().strip() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def store_ring_seq(run_dir: str, nodeid: int, seq: int, durable: bool = False) -> None:
    """Atomically replace the stored ring sequence; `durable` also fsyncs (call it off
    the event loop then)."""
    path = os.path.join(run_dir, f"ringid_{nodeid}")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{seq}\n")
        if durable:
            f.flush()
            os.fsync(f.fileno())
    os.replace(tmp, path)
    if durable:
        dfd = os.open(run_dir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


class LocalCluster(Cluster):
    """A ring of one node."""

    def __init__(self, nodeid: int, address: IPAddress, run_dir: str) -> None:
        super().__init__()
        self.local_nodeid = nodeid
        self.local_address = address
        self.run_dir = run_dir
        self._queue: deque[tuple[int, bytes]] = deque()
        self._scheduled = False
        self._running = False
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        seq = load_ring_seq(self.run_dir, self.local_nodeid) + 1
        store_ring_seq(self.run_dir, self.local_nodeid, seq)
        ring = RingId(seq=seq, rep=self.local_nodeid)
        self._running = True
        me = (self.local_nodeid,)
        log.info("one-node ring %d.%d formed", ring.rep, ring.seq)
        self._emit_confchg(ConfChg(True, (), (), (), ring))
        self._emit_confchg(ConfChg(False, me, (), me, ring))

    async def stop(self) -> None:
        self._running = False
        self._queue.clear()

    def mcast(self, service_id: int, payload: bytes) -> bool:
        if not self._running:
            return False
        self._queue.append((service_id, payload))
        if not self._scheduled and self._loop is not None:
            self._scheduled = True
            self._loop.call_soon(self._flush)
        return True

    def _flush(self) -> None:
        self._scheduled = False
        q = self._queue
        while q and self._running:
            service_id, payload = q.popleft()
            self._emit_deliver(self.local_nodeid, service_id, payload)


def local_identity(bindnetaddr: IPAddress | None, nodeid: int | None) -> tuple[int, IPAddress, bool]:
    """This node's (node id, address, isolated) from the totem interface configuration.

    As openais does, a bindnetaddr that matches no interface that is up falls back to
    the loopback address: the node is isolated and forms a cluster of itself."""
    from . import netif

    address: IPAddress = ipaddress.IPv4Address("127.0.0.1")
    isolated = bindnetaddr is None
    if bindnetaddr is not None:
        iface = netif.match_bindnetaddr(bindnetaddr)
        if iface is not None:
            address = iface.address
        else:
            isolated = True
            if bindnetaddr.version == 6:
                address = ipaddress.IPv6Address("::1")
            log.warning("no interface is up in the network of bindnetaddr %s: using %s",
                        bindnetaddr, address)
    if nodeid is None:
        nodeid = netif.nodeid_from_address(address)
    return nodeid, address, isolated
