"""UDP GSO (executive/totemnet/tn_gso.c): a batch of multicasts leaves as few
coalesced messages, yet the receiver gets exactly the datagrams, in order;
where the kernel cannot segment, the transport falls back for good and loses
nothing; udpu and no_gso never coalesce.  UDP GRO (tn_recv.c): the receiver
takes such a run as one message and cuts it itself, into the same datagrams,
each checked on its own, handed out across calls when it is longer than one
call takes; no_gro leaves the cutting to the kernel."""

from __future__ import annotations

import errno
import select
import socket
import struct
from typing import Any

import pytest
import tnet
from tnet import MakeTransport

CASES = [(family, secauth) for family in (4, 6) for secauth in (True, False)]


def send_batch(tn: tuple[Any, Any], t: Any, datas: list[bytes]) -> list[int]:
    ffi, lib = tn
    tx = ffi.new("struct tn_tx[]", len(datas))
    bufs = [ffi.from_buffer(d) for d in datas]
    for i, b in enumerate(bufs):
        tx[i].data, tx[i].len, tx[i].dest = b, len(datas[i]), lib.TN_DEST_MCAST
    results = ffi.new("int[]", len(datas))
    sent = lib.tn_send_batch(t.handle, tx, len(datas), results)
    assert sent == len(datas), (list(results), t.stats())
    return list(results)


def frames(sizes: list[int], base: int = 0) -> list[bytes]:
    return [bytes(((base + i) * 31 + k) & 0xFF for k in range(n)) for i, n in enumerate(sizes)]


@pytest.mark.parametrize("family,secauth", CASES,
                         ids=[f"ipv{f}-{'secauth' if s else 'clear'}" for f, s in CASES])
def test_runs_are_coalesced_and_arrive_as_datagrams(make: MakeTransport, tn: tuple[Any, Any], family: int,
                                                    secauth: bool) -> None:
    a = make(1, family=family, secauth=secauth)
    b = make(2, family=family, secauth=secauth)
    top = a.info()["max_payload"]
    # runs: 70 full frames and a short one (two messages: at most 64 segments
    # each), then sizes that only partly line up, then a lone frame
    sizes = [top] * 70 + [100] + [500, 500, 499, 500, 500, 600] + [7]
    data = frames(sizes)
    assert send_batch(tn, a, data) == [0] * len(data)
    got = b.recv(len(data))
    assert [(r.nodeid, r.data) for r in got] == [(1, d) for d in data]
    s = a.stats()
    assert s["tx_packets"] == len(data)
    assert s["tx_gso"] >= 3 and s["gso_off_errno"] == 0
    assert s["tx_errors"] == 0
    r = b.stats()
    assert r["rx_packets"] == r["rx_datagrams"] == len(data)
    # the receiving socket took the runs whole (this kernel has UDP GRO)
    assert b.info()["gro"] == 1 and r["rx_gro"] >= 3


def test_fallback_when_the_kernel_cannot_segment(make: MakeTransport, tn: tuple[Any, Any]) -> None:
    # a netmtu beyond the link's 1500: a segment cannot fit the path MTU, so the
    # kernel refuses GSO; unsegmented, the datagrams are fragmented by IP
    a = make(1, netmtu=4000, secauth=False)
    b = make(2, netmtu=4000, secauth=False)
    top = a.info()["max_payload"]
    data = frames([top] * 5 + [10] + [top] * 3)
    assert send_batch(tn, a, data) == [0] * len(data)
    assert [r.data for r in b.recv(len(data))] == data
    s = a.stats()
    assert s["gso_off_errno"] in (errno.EINVAL, errno.EMSGSIZE) and s["tx_gso"] == 0
    assert s["tx_packets"] == len(data) and s["tx_errors"] == 0
    # and it stays off
    assert send_batch(tn, a, data) == [0] * len(data)
    assert [r.data for r in b.recv(len(data))] == data
    assert a.stats()["tx_gso"] == 0


@pytest.mark.parametrize("how", ["udpu", "no_gso"])
def test_never_coalesced(make: MakeTransport, tn: tuple[Any, Any], how: str) -> None:
    kw: dict[str, Any] = {"mode": "udpu"} if how == "udpu" else {"no_gso": 1}
    a = make(1, **kw)
    b = make(2, **kw)
    top = a.info()["max_payload"]
    data = frames([top] * 10)
    assert send_batch(tn, a, data) == [0] * len(data)
    assert [r.data for r in b.recv(len(data))] == data
    s = a.stats()
    assert s["tx_gso"] == 0 and s["gso_off_errno"] == 0


def test_long_run_is_handed_out_across_calls(make: MakeTransport, tn: tuple[Any, Any]) -> None:
    ffi, lib = tn
    a = make(1, secauth=False)
    b = make(2, secauth=False)
    top = a.info()["max_payload"]
    data = frames([top] * 20, base=5)
    assert send_batch(tn, a, data) == [0] * len(data)
    select.select(b.fds(), [], [], 2.0)
    got: list[bytes] = []
    while len(got) < len(data):
        part = b.recv_once(3)
        assert 0 < len(part) <= 3
        got += [r.data for r in part]
        if len(got) < len(data):
            # the rest waits in the transport, not in a socket
            assert lib.tn_rx_pending(b.handle) == 1
            assert select.select(b.fds(), [], [], 0)[0] == []
    assert got == data
    assert lib.tn_rx_pending(b.handle) == 0 and b.recv_once() == []
    assert b.stats()["rx_gro"] == 1


def test_no_gro_gets_the_same_datagrams(make: MakeTransport, tn: tuple[Any, Any]) -> None:
    a = make(1)
    b = make(2, no_gro=1)
    top = a.info()["max_payload"]
    data = frames([top] * 30 + [9])
    assert send_batch(tn, a, data) == [0] * len(data)
    assert [r.data for r in b.recv(len(data))] == data
    assert b.info()["gro"] == 0 and b.stats()["rx_gro"] == 0
    assert a.stats()["tx_gso"] >= 1


def test_bad_datagram_inside_a_run_is_dropped_alone(make: MakeTransport, net: tnet.Net, port: int) -> None:
    """A forger's run of three datagrams in one GSO message: the middle one is
    garbage; the other two arrive, the garbage is counted, nothing else is lost."""
    a = make(1, secauth=False)
    b = make(2, secauth=False)
    size = 300
    good = [tnet.header(7, 77, k, sealed=False) + bytes([k]) * (size - tnet.HDR) for k in (1, 2)]
    run = good[0] + b"\xff" * size + good[1]
    s = tnet.udp_sender(net.ns_a, net.v4[2])
    try:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(net.v4[2]))
        s.sendmsg([run], [(socket.SOL_UDP, 103, struct.pack("H", size))], 0, (net.mcast4, port))
    finally:
        s.close()
    got = b.recv(2)
    assert [(r.nodeid, r.data) for r in got] == [(7, g[tnet.HDR:]) for g in good]
    r = b.stats()
    assert r["malformed"] == 1 and r["rx_datagrams"] == 3 and r["rx_gro"] == 1
    assert a.mcast(b"still here") == 0
    assert [x.data for x in b.recv(1)] == [b"still here"]
