"""Two transports in two network namespaces exchange packets both ways: udp
(multicast) and udpu (unicast member list), IPv4 and IPv6, secauth on and off."""

from __future__ import annotations

import errno
import time
from typing import Any

import pytest
import tnet
from tnet import MakeTransport

MODES = [(mode, family, secauth)
         for mode in ("udp", "udpu") for family in (4, 6) for secauth in (True, False)]


def payload(i: int, size: int = 300) -> bytes:
    return bytes((i * 7 + k) & 0xFF for k in range(size))


@pytest.mark.parametrize("mode,family,secauth", MODES,
                         ids=[f"{m}-ipv{f}-{'secauth' if s else 'clear'}" for m, f, s in MODES])
def test_exchange_both_ways(make: MakeTransport, tn: tuple[Any, Any], net: tnet.Net, mode: str, family: int,
                            secauth: bool) -> None:
    _, lib = tn
    a = make(1, mode=mode, family=family, secauth=secauth)
    b = make(2, mode=mode, family=family, secauth=secauth)
    addrs = net.addrs(family)

    for i in range(100):
        assert a.mcast(payload(i)) == 0
    got = b.recv(100)
    assert [(r.nodeid, r.data) for r in got] == [(1, payload(i)) for i in range(100)]
    assert all(r.flags == 0 for r in got)

    # b knows where node 1 is: learned from its packets (udp) or the member list (udpu)
    assert b.peer_addr(1) == addrs[0]
    for i in range(50):
        assert b.unicast(1, payload(i, 50)) == 0
        assert b.mcast(payload(i + 500, 20)) == 0
    got = a.recv(100)
    assert len(got) == 100 and {r.nodeid for r in got} == {2}
    unicasts = [r.data for r in got if len(r.data) == 50]
    assert unicasts == [payload(i, 50) for i in range(50)]
    if mode == "udp":
        # tokens arrive on the unicast socket and say so
        assert all(r.flags == lib.TN_RX_UNICAST for r in got if len(r.data) == 50)
        assert all(r.flags == 0 for r in got if len(r.data) == 20)
    assert a.unicast(2, b"token") == 0
    assert [r.data for r in b.recv(1)] == [b"token"]

    sa, sb = a.stats(), b.stats()
    assert sa["tx_packets"] == 101 if mode == "udp" else 100 * 2 + 1  # udpu: node 2 and 3 per mcast
    assert sb["rx_packets"] == 101 and sb["rx_datagrams"] == 101
    overhead = tnet.HDR + (tnet.TAG if secauth else 0)
    assert sb["rx_bytes"] == 100 * (300 + overhead) + 5 + overhead
    for s in (sa, sb):
        for counter in ("malformed", "truncated", "auth_failures", "replays", "secauth_mismatch",
                        "own_packets", "unlisted", "tx_errors", "rx_errors"):
            assert s[counter] == 0, counter


@pytest.mark.parametrize("family", [4, 6])
def test_sizes_from_empty_to_max_payload(make: MakeTransport, family: int) -> None:
    a = make(1, family=family)
    b = make(2, family=family)
    top = a.info()["max_payload"]
    assert top == (1500 - (28 if family == 4 else 48) - 24 - 16)
    sizes = [0, 1, 2, 15, 16, 17, 1000, top - 1, top]
    for n in sizes:
        assert a.mcast(bytes([n & 0xFF]) * n) == 0
    assert [len(r.data) for r in b.recv(len(sizes))] == sizes
    assert a.mcast(b"x" * (top + 1)) == -errno.EMSGSIZE
    assert a.stats()["tx_rejected"] == 1


def test_batch_send_reports_per_entry(make: MakeTransport, tn: tuple[Any, Any]) -> None:
    ffi, lib = tn
    a = make(1)
    b = make(2)
    assert a.mcast(b"hello") == 0
    b.recv(1)  # b learns node 1's address
    data = [b"m0", b"u1", b"u-unknown", b"m3", b"self", b"x" * 5000, b"u6"]
    dests = [0, 1, 77, 0, 2, 0, 1]
    tx = ffi.new("struct tn_tx[]", len(data))
    bufs = [ffi.from_buffer(d) for d in data]
    for i, (d, dest) in enumerate(zip(bufs, dests, strict=True)):
        tx[i].data, tx[i].len, tx[i].dest = d, len(data[i]), dest
    results = ffi.new("int[]", len(data))
    assert lib.tn_send_batch(b.handle, tx, len(data), results) == 4
    e = errno
    assert list(results) == [0, 0, -e.EHOSTUNREACH, 0, -e.EINVAL, -e.EMSGSIZE, 0]
    # sent in order; received multicast socket first (docs/totem.md 5.4: the
    # multicasts sent before a token are seen before it), each socket in order
    time.sleep(0.2)
    assert [r.data for r in a.recv_once()] == [b"m0", b"m3", b"u1", b"u6"]
    s = b.stats()
    assert s["tx_unknown_node"] == 1 and s["tx_rejected"] == 2
    assert b.info()["tx_counter"] == 4  # one counter per packet sent


def test_unicast_to_unknown_node(make: MakeTransport) -> None:
    a = make(1)
    assert a.unicast(42, b"x") == -errno.EHOSTUNREACH
    assert a.stats()["tx_unknown_node"] == 1
    assert a.unicast(1, b"x") == -errno.EINVAL  # self: the driver loops it back in memory


def test_udpu_inactive_members_get_only_flush(make: MakeTransport, tn: tuple[Any, Any]) -> None:
    _, lib = tn
    a = make(1, mode="udpu")
    b = make(2, mode="udpu")
    assert lib.tn_member_set_active(a.handle, 2, 0) == 0
    assert a.mcast(b"plain") == 0
    assert a.mcast(b"flush", lib.TN_TX_FLUSH) == 0
    assert [r.data for r in b.recv(1)] + [r.data for r in b.settle()] == [b"flush"]
    assert lib.tn_member_set_active(a.handle, 2, 1) == 0
    assert a.mcast(b"plain again") == 0
    assert [r.data for r in b.recv(1)] == [b"plain again"]
    assert lib.tn_member_set_active(a.handle, 99, 1) == -errno.ENOENT


def test_udpu_learns_node_ids_of_anonymous_members(make: MakeTransport, net: tnet.Net) -> None:
    members = [(0, net.v4[0]), (0, net.v4[1])]
    a = make(1, mode="udpu", members=members)
    b = make(2, mode="udpu", members=members)
    assert b.unicast(1, b"x") == -errno.EHOSTUNREACH
    assert a.mcast(b"I am 1") == 0
    assert [(r.nodeid, r.data) for r in b.recv(1)] == [(1, b"I am 1")]
    assert b.unicast(1, b"hello 1") == 0
    assert [(r.nodeid, r.data) for r in a.recv(1)] == [(2, b"hello 1")]


def test_ipv6_link_local_scope_group(make: MakeTransport) -> None:
    a = make(1, family=6, mcastaddr="ff12::7702")
    b = make(2, family=6, mcastaddr="ff12::7702")
    assert a.mcast(b"scoped") == 0
    assert [r.data for r in b.recv(1)] == [b"scoped"]


def test_multicast_loop_own_packets_dropped(make: MakeTransport) -> None:
    a = make(1, multicast_loop=1)
    b = make(2)
    assert a.mcast(b"x") == 0
    assert [r.data for r in b.recv(1)] == [b"x"]
    assert a.settle() == []
    assert a.stats()["own_packets"] == 1
