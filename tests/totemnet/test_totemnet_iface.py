"""Choosing the interface from bindnetaddr, node ids, isolation and the
interface coming back, socket buffers, port conflicts."""

from __future__ import annotations

import errno
from typing import Any

import pytest
import tnet
from tnet import MakeTransport


@pytest.mark.parametrize("family,bind,expect", [
    (4, "10.201.0.0", {"10.201.0.1", "10.201.0.3"}),   # the network: an address in it
    (4, "10.201.0.3", {"10.201.0.3"}),                  # a host address: exactly it
    (4, "10.201.0.77", {"10.201.0.1", "10.201.0.3"}),   # any host address of the network
    (6, "fd20::", {"fd20::1", "fd20::3"}),
    (6, "fd20::3", {"fd20::3"}),
])
def test_bindnetaddr_selects_interface(make: MakeTransport, family: int, bind: str, expect: set[str]) -> None:
    a = make(1, family=family, bindnetaddr=bind)
    info = a.info()
    assert info["local_addr"] in expect
    assert info["ifname"] == "tna" and info["isolated"] == 0
    assert info["family"] == (2 if family == 4 else 10)


def test_nodeid_from_ipv4_address(make: MakeTransport) -> None:
    a = make(1, nodeid=0, bindnetaddr="10.201.0.3")
    assert a.info()["nodeid"] == 0x0AC90003  # corosync's rule: the address as a host-order number


def test_ipv6_needs_a_nodeid(tn: tuple[Any, Any], net: tnet.Net, port: int) -> None:
    ffi, lib = tn
    rc, err = tnet.Transport.try_create(ffi, lib, net.ns_a, transport=0, nodeid=0, bindnetaddr="fd20::1",
                                        mcastaddr=net.mcast6, mcastport=port, secauth=0)
    assert rc == -errno.EINVAL and "node id" in err


def test_no_interface_isolated(make: MakeTransport, tn: tuple[Any, Any], net: tnet.Net, port: int) -> None:
    ffi, lib = tn
    a = make(1, bindnetaddr="198.51.100.0")
    info = a.info()
    assert info["isolated"] == 1 and info["local_addr"] == ""
    assert a.fds() == []
    assert a.mcast(b"x") == -errno.ENETDOWN
    assert a.recv_once() == []
    with tnet.netns(net.ns_a):
        assert lib.tn_iface_check(a.handle) == lib.TN_IFACE_UNCHANGED
    rc, err = tnet.Transport.try_create(ffi, lib, net.ns_a, transport=0, nodeid=0, bindnetaddr="198.51.100.0",
                                        mcastaddr=net.mcast4, mcastport=port, secauth=0)
    assert rc == -errno.ENODEV and "node id" in err


def test_interface_goes_away_and_comes_back(make: MakeTransport, tn: tuple[Any, Any], net: tnet.Net) -> None:
    _, lib = tn

    def ip(ns: str, *args: str) -> None:
        tnet.sh("ip", "-n", ns, "addr", *args)

    ip(net.ns_a, "add", "10.202.0.5/24", "dev", net.if_a)
    ip(net.ns_b, "add", "10.202.0.6/24", "dev", net.if_b)
    try:
        a = make(1, bindnetaddr="10.202.0.0")
        b = make(2, bindnetaddr="10.202.0.0")
        assert a.mcast(b"up") == 0
        assert [r.data for r in b.recv(1)] == [b"up"]

        def check() -> int:
            with tnet.netns(net.ns_a):
                return int(lib.tn_iface_check(a.handle))

        assert check() == lib.TN_IFACE_UNCHANGED
        ip(net.ns_a, "del", "10.202.0.5/24", "dev", net.if_a)
        assert check() == lib.TN_IFACE_CHANGED
        assert a.info()["isolated"] == 1 and a.fds() == []
        assert a.mcast(b"down") == -errno.ENETDOWN
        assert check() == lib.TN_IFACE_UNCHANGED

        ip(net.ns_a, "add", "10.202.0.7/24", "dev", net.if_a)  # back, with another address
        assert check() == lib.TN_IFACE_CHANGED
        info = a.info()
        assert info["isolated"] == 0 and info["local_addr"] == "10.202.0.7" and info["nodeid"] == 1
        assert len(a.fds()) == 2
        assert a.mcast(b"back") == 0
        assert [r.data for r in b.recv(1)] == [b"back"]
        assert b.peer_addr(1) == "10.202.0.7" and b.stats()["addr_changes"] == 1
        assert b.unicast(1, b"token") == 0
        assert [r.data for r in a.recv(1)] == [b"token"]
    finally:
        for ns, addr, dev in ((net.ns_a, "10.202.0.5/24", net.if_a), (net.ns_a, "10.202.0.7/24", net.if_a),
                              (net.ns_b, "10.202.0.6/24", net.if_b)):
            tnet.subprocess.run(["ip", "-n", ns, "addr", "del", addr, "dev", dev], capture_output=True)


def test_socket_buffers(make: MakeTransport) -> None:
    want = 4 * 1024 * 1024
    a = make(1, rcvbuf=want, sndbuf=want)
    info = a.info()
    print(f"\nasked SO_RCVBUF/SO_SNDBUF {want}, kernel granted {info['rcvbuf']}/{info['sndbuf']} "
          "(the kernel doubles the request for its bookkeeping)")
    assert info["rcvbuf"] >= want and info["sndbuf"] >= want
    default = make(3).info()
    print(f"default request {8 << 20}: granted {default['rcvbuf']}/{default['sndbuf']}")
    assert default["rcvbuf"] >= 8 << 20


def test_descriptors(make: MakeTransport) -> None:
    assert len(make(1, mode="udp").fds()) == 2      # group socket, unicast socket
    assert len(make(3, mode="udpu").fds()) == 1     # one unicast socket


def test_port_in_use_is_an_error(make: MakeTransport) -> None:
    make(1)
    with pytest.raises(OSError) as e:
        make(1)
    assert e.value.errno == errno.EADDRINUSE and "bind" in str(e.value)
