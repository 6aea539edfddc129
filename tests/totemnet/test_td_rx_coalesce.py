"""Receive coalescing of libtotemdrv's thread (executive/totemdrv/README.md,
"Receive coalescing"), on this directory's namespaces and transports.

After a multicast wakes the thread it leaves the multicast socket unpolled for
the set time: a stream of multicasts costs one receive batch per interval
instead of one per packet, and loses nothing.  The token's socket stays polled:
a unicast during the quiet time is read at once, with the multicasts waiting."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from aisexec.totem_binding import Bindings, bindings
from tnet import MakeTransport, Transport

N = 300             # multicasts in the stream
SPACING = 200e-6    # s between two of them


class Receiver:
    """td in threaded mode, its core idle (never started: it drops what it is
    fed), on transport t: what the thread reads shows in td's stats."""

    def __init__(self, b: Bindings, t: Transport, coalesce_us: int) -> None:
        self.b = b
        cfg = b.ffi.new("struct tc_config *")
        b.core.tc_config_defaults(cfg)
        cfg.frame_size = b.net.tn_max_payload(1500, 2, 0)
        self.core = b.core.tc_create(cfg, 2, 0, 42)
        assert self.core != b.ffi.NULL
        tn = b.ffi.cast("struct tn *", int(t.ffi.cast("uintptr_t", t.handle)))
        self.td = b.drv.td_create(self.core, tn, 2)
        assert self.td != b.ffi.NULL
        b.drv.td_set_rx_coalesce_us(self.td, coalesce_us)
        assert b.drv.td_thread_start(self.td) == 0

    def stats(self) -> dict[str, int]:
        s = self.b.ffi.new("struct td_stats *")
        self.b.drv.td_get_stats(self.td, s)
        return {name: int(getattr(s, name)) for name, _ in self.b.ffi.typeof("struct td_stats").fields}

    def wait_packets(self, want: int, timeout: float) -> dict[str, int]:
        end = time.monotonic() + timeout
        while self.stats()["rx_packets"] < want and time.monotonic() < end:
            time.sleep(0.001)
        return self.stats()

    def close(self) -> None:
        if self.td is not None:
            self.b.drv.td_destroy(self.td)     # stops the thread first
            self.b.core.tc_destroy(self.core)
            self.td = self.core = None


@pytest.fixture
def receiver(make: MakeTransport) -> Iterator[tuple[Transport, Transport, Any]]:
    """(sender, receiver's transport, start(coalesce_us) -> Receiver)."""
    a = make(1, secauth=False)
    b = make(2, secauth=False)
    made: list[Receiver] = []

    def start(coalesce_us: int) -> Receiver:
        r = Receiver(bindings(), b, coalesce_us)
        made.append(r)
        return r

    yield a, b, start
    for r in made:
        r.close()


def stream(sender: Transport, n: int) -> None:
    """n multicasts on a fixed schedule, SPACING apart on average."""
    due = time.monotonic()
    for i in range(n):
        while time.monotonic() < due:
            pass
        assert sender.mcast(i.to_bytes(4, "big") * 64) == 0
        due += SPACING


def test_a_stream_is_read_in_batches_and_nothing_is_lost(receiver: Any) -> None:
    sender, _, start = receiver
    polls = {}
    for coalesce_us in (0, 1000):
        r = start(coalesce_us)
        stream(sender, N)
        s = r.wait_packets(N, timeout=5)
        r.close()
        assert s["rx_packets"] == N, (coalesce_us, s)
        polls[coalesce_us] = s["polls"]
    # one receive batch per millisecond, about 5 packets each, instead of one
    # per packet
    assert polls[1000] <= N // 2, polls
    assert polls[0] >= 2 * polls[1000], polls


def test_a_unicast_is_read_at_once_with_the_multicasts_waiting(receiver: Any) -> None:
    sender, b, start = receiver
    # the sender learns the receiver's address from a packet of it
    assert b.mcast(b"hello") == 0
    assert [p.data for p in sender.recv(1)] == [b"hello"]
    r = start(5_000_000)             # 5 s of quiet after a multicast
    assert sender.mcast(b"first") == 0
    assert r.wait_packets(1, timeout=2)["rx_packets"] == 1
    assert sender.mcast(b"second") == 0
    time.sleep(0.1)
    assert r.stats()["rx_packets"] == 1     # it waits in the unpolled socket
    assert sender.unicast(2, b"token") == 0
    # well before the 5 s are up: the token woke the thread, and it read the
    # multicast that waited too
    s = r.wait_packets(3, timeout=2)
    assert s["rx_packets"] == 3, s
