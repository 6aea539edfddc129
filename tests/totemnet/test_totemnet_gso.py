"""UDP GSO (executive/totemnet/tn_gso.c): a batch of multicasts leaves as few
coalesced messages, yet the receiver gets exactly the datagrams, in order;
where the kernel cannot segment, the transport falls back for good and loses
nothing; udpu and no_gso never coalesce."""

from __future__ import annotations

import errno
from typing import Any

import pytest
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
    assert b.stats()["rx_packets"] == len(data)


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
