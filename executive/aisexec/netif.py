"""Local interface addresses (getifaddrs through cffi), and picking the one that
matches a configured bindnetaddr the way openais does (address & netmask)."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any

import cffi

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_ffi = cffi.FFI()
_ffi.cdef("""
struct sockaddr { unsigned short sa_family; char sa_data[14]; };
struct ifaddrs {
    struct ifaddrs *ifa_next;
    char *ifa_name;
    unsigned int ifa_flags;
    struct sockaddr *ifa_addr;
    struct sockaddr *ifa_netmask;
    struct sockaddr *ifa_ifu;
    void *ifa_data;
};
int getifaddrs(struct ifaddrs **ifap);
void freeifaddrs(struct ifaddrs *ifa);
""")
_libc: Any = _ffi.dlopen(None)

# offsets of the address bytes inside sockaddr_in / sockaddr_in6 (Linux ABI)
_IN_ADDR_OFFSET, _IN6_ADDR_OFFSET = 4, 8
IFF_UP, IFF_LOOPBACK = 0x1, 0x8


@dataclass(frozen=True)
class Interface:
    name: str
    address: IPAddress
    netmask: IPAddress
    up: bool
    loopback: bool


def _addr(sa: Any) -> IPAddress | None:
    if sa == _ffi.NULL:
        return None
    raw = _ffi.cast("unsigned char *", sa)
    if sa.sa_family == socket.AF_INET:
        return ipaddress.IPv4Address(bytes(_ffi.buffer(raw + _IN_ADDR_OFFSET, 4)))
    if sa.sa_family == socket.AF_INET6:
        return ipaddress.IPv6Address(bytes(_ffi.buffer(raw + _IN6_ADDR_OFFSET, 16)))
    return None


def interfaces() -> list[Interface]:
    head = _ffi.new("struct ifaddrs **")
    if _libc.getifaddrs(head) != 0:
        raise OSError(_ffi.errno, "getifaddrs failed")
    out: list[Interface] = []
    try:
        p = head[0]
        while p != _ffi.NULL:
            addr, mask = _addr(p.ifa_addr), _addr(p.ifa_netmask)
            if addr is not None and mask is not None:
                out.append(Interface(_ffi.string(p.ifa_name).decode(), addr, mask,
                                     bool(p.ifa_flags & IFF_UP), bool(p.ifa_flags & IFF_LOOPBACK)))
            p = p.ifa_next
    finally:
        _libc.freeifaddrs(head[0])
    return out


def match_bindnetaddr(bindnetaddr: IPAddress, ifaces: list[Interface] | None = None) -> Interface | None:
    """The up interface whose network (address & netmask) contains bindnetaddr & netmask.

    As in openais, bindnetaddr may be the network or any host address in it."""
    for i in ifaces if ifaces is not None else interfaces():
        if not i.up or i.address.version != bindnetaddr.version:
            continue
        m = int(i.netmask)
        if int(i.address) & m == int(bindnetaddr) & m:
            return i
    return None


def nodeid_from_address(addr: IPAddress) -> int:
    """openais's automatic node id: the IPv4 address as a 32-bit number."""
    if addr.version != 4:
        raise ValueError("a node id must be configured for IPv6")
    return int(addr)
