"""Test helpers for libtotemnet: the cffi binding (ABI mode, the header read
verbatim, as the executive's driver does), network namespaces, frame capture
and replay, and an independent Python implementation of the wire format and
key derivation (README.md of executive/totemnet) built on `cryptography`."""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cffi
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hmac import HMAC
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

TOP = Path(__file__).resolve().parents[2]
HEADER = TOP / "executive" / "totemnet" / "totemnet.h"


def build_dir() -> Path:
    return TOP / os.environ.get("BUILD", "build")


def library_path(build: Path | None = None) -> Path:
    return (build or build_dir()) / "executive" / "totemnet" / "libtotemnet.so"


def load() -> tuple[Any, Any]:
    """(ffi, lib), or an AssertionError that says how to build."""
    so = library_path()
    if not so.exists():
        raise AssertionError(
            f"{so} is missing: build it first (cd {TOP} && meson setup build && meson compile -C build)")
    ffi = cffi.FFI()
    ffi.cdef(HEADER.read_text())
    return ffi, ffi.dlopen(str(so))


# ----------------------------------------------------------------- namespaces

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL("libc.so.6", use_errno=True)


def sh(*args: str) -> str:
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


@contextlib.contextmanager
def netns(name: str) -> Iterator[None]:
    """Run the body in network namespace `name` (sockets made there stay there)."""
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        _setns(target)
        try:
            yield
        finally:
            _setns(home)
    finally:
        os.close(target)
        os.close(home)


@dataclass
class Net:
    """Two namespaces joined by a veth pair: node side A (two addresses per
    family: the node and a forger) and side B."""

    ns_a: str
    ns_b: str
    if_a: str = "tna"
    if_b: str = "tnb"
    v4: tuple[str, str, str] = ("10.201.0.1", "10.201.0.2", "10.201.0.3")
    v6: tuple[str, str, str] = ("fd20::1", "fd20::2", "fd20::3")
    v4_net: str = "10.201.0.0"
    v6_net: str = "fd20::"
    mcast4: str = "239.192.77.1"
    mcast6: str = "ff15::7701"

    def addrs(self, family: int) -> tuple[str, str, str]:
        return self.v4 if family == 4 else self.v6

    def mcast(self, family: int) -> str:
        return self.mcast4 if family == 4 else self.mcast6

    def ifindex(self, ns: str, ifname: str) -> int:
        with netns(ns):
            return socket.if_nametoindex(ifname)

    @classmethod
    def create(cls, tag: str) -> Net:
        net = cls(f"tn-{tag}-a", f"tn-{tag}-b")
        sh("ip", "netns", "add", net.ns_a)
        try:
            sh("ip", "netns", "add", net.ns_b)
            sh("ip", "-n", net.ns_a, "link", "add", net.if_a, "type", "veth", "peer", "name", net.if_b,
               "netns", net.ns_b)
            for ns, ifname, mine in ((net.ns_a, net.if_a, (0, 2)), (net.ns_b, net.if_b, (1,))):
                sh("ip", "-n", ns, "link", "set", "lo", "up")
                for i in mine:
                    sh("ip", "-n", ns, "addr", "add", f"{net.v4[i]}/24", "dev", ifname)
                    sh("ip", "-n", ns, "addr", "add", f"{net.v6[i]}/64", "dev", ifname, "nodad")
                sh("ip", "-n", ns, "link", "set", ifname, "up")
            net.wait_ipv6_ready()
        except Exception:
            net.destroy()
            raise
        return net

    def wait_ipv6_ready(self, timeout: float = 10.0) -> None:
        """IPv6 drops what arrives on an interface until its link-local address
        has passed duplicate address detection: wait for that on both sides."""
        deadline = time.monotonic() + timeout
        for ns, ifname in ((self.ns_a, self.if_a), (self.ns_b, self.if_b)):
            while True:
                out = sh("ip", "-n", ns, "-6", "addr", "show", "dev", ifname, "scope", "link")
                if "fe80::" in out and "tentative" not in out:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{ns}/{ifname}: IPv6 not ready: {out}")
                time.sleep(0.05)

    def destroy(self) -> None:
        for ns in (self.ns_a, self.ns_b):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


# ------------------------------------------------------------------ transport

MakeTransport = Any  # the `make` fixture: Callable[..., Transport] with keyword options

@dataclass
class Rx:
    nodeid: int
    data: bytes
    flags: int


@dataclass
class Transport:
    """One libtotemnet instance, created inside a namespace."""

    ffi: Any
    lib: Any
    handle: Any = None
    keep: list[Any] = field(default_factory=list)
    rxbuf: Any = None

    @classmethod
    def create(cls, ffi: Any, lib: Any, ns: str | None, **cfg: Any) -> Transport:
        t = cls(ffi, lib)
        rc, err = t._create(ns, cfg)
        if rc != 0:
            raise OSError(-rc, f"tn_create: {err}")
        return t

    @classmethod
    def try_create(cls, ffi: Any, lib: Any, ns: str | None, **cfg: Any) -> tuple[int, str]:
        t = cls(ffi, lib)
        rc, err = t._create(ns, cfg)
        if rc == 0:
            t.close()
        return rc, err

    def _create(self, ns: str | None, cfg: dict[str, Any]) -> tuple[int, str]:
        ffi = self.ffi
        c = ffi.new("struct tn_config *")
        self.keep.append(c)
        members = cfg.pop("members", None)
        for k, v in cfg.items():
            if isinstance(v, str):
                v = ffi.new("char[]", v.encode())
                self.keep.append(v)
            elif isinstance(v, bytes):
                v = ffi.new("uint8_t[]", v)
                self.keep.append(v)
            setattr(c, k, v)
        if "key" in cfg:
            c.key_len = len(cfg["key"])
        if members:
            arr = ffi.new("struct tn_member[]", len(members))
            for i, (nodeid, addr) in enumerate(members):
                arr[i].nodeid = nodeid
                arr[i].addr = addr.encode()
            self.keep.append(arr)
            c.members = arr
            c.n_members = len(members)
        out = ffi.new("struct tn **")
        err = ffi.new("char[256]")
        with netns(ns) if ns else contextlib.nullcontext():
            rc = self.lib.tn_create(c, out, err, 256)
        self.handle = out[0] if rc == 0 else None
        self.rxbuf = ffi.new("struct tn_rx[1024]")
        return rc, ffi.string(err).decode()

    def close(self) -> None:
        if self.handle is not None:
            self.lib.tn_destroy(self.handle)
            self.handle = None

    def fds(self) -> list[int]:
        fds = self.ffi.new("int[4]")
        n = self.lib.tn_fds(self.handle, fds, 4)
        return [fds[i] for i in range(n)]

    def mcast(self, data: bytes, flags: int = 0) -> int:
        return int(self.lib.tn_mcast(self.handle, data, len(data), flags))

    def unicast(self, nodeid: int, data: bytes) -> int:
        return int(self.lib.tn_send_unicast(self.handle, nodeid, data, len(data)))

    def recv_once(self, max_entries: int = 1024) -> list[Rx]:
        n = self.lib.tn_recv(self.handle, self.rxbuf, max_entries)
        return [Rx(self.rxbuf[i].nodeid, bytes(self.ffi.buffer(self.rxbuf[i].data, self.rxbuf[i].len)),
                   self.rxbuf[i].flags) for i in range(n)]

    def recv(self, want: int, timeout: float = 2.0, quiet: float | None = None) -> list[Rx]:
        """Receive until `want` packets arrived, or nothing came for `quiet`
        seconds (default: until `timeout`)."""
        got: list[Rx] = []
        deadline = time.monotonic() + timeout
        while len(got) < want or want < 0:
            wait = deadline - time.monotonic()
            if quiet is not None:
                wait = min(wait, quiet)
            if wait <= 0:
                break
            if not self.lib.tn_rx_pending(self.handle):
                ready, _, _ = select.select(self.fds(), [], [], wait)
                if not ready:
                    break
            got += self.recv_once()
        return got

    def settle(self, quiet: float = 0.3) -> list[Rx]:
        """Everything that arrives until the wire has been quiet for `quiet` s."""
        return self.recv(-1, timeout=10.0, quiet=quiet)

    def stats(self) -> dict[str, Any]:
        s = self.ffi.new("struct tn_stats *")
        self.lib.tn_get_stats(self.handle, s)
        out: dict[str, Any] = {}
        for name, _ in self.ffi.typeof("struct tn_stats").fields:
            v = getattr(s, name)
            out[name] = self.ffi.string(v).decode() if name == "last_drop_source" else int(v)
        return out

    def info(self) -> dict[str, Any]:
        i = self.ffi.new("struct tn_info *")
        self.lib.tn_get_info(self.handle, i)
        out: dict[str, Any] = {}
        for name, f in self.ffi.typeof("struct tn_info").fields:
            v = getattr(i, name)
            out[name] = self.ffi.string(v).decode() if f.type.kind == "array" else int(v)
        return out

    def peer_addr(self, nodeid: int) -> str | None:
        buf = self.ffi.new("char[64]")
        rc = self.lib.tn_peer_addr(self.handle, nodeid, buf, 64)
        return self.ffi.string(buf).decode() if rc == 0 else None


# ------------------------------------------------- reference wire format / KDF

MAGIC, VERSION, HDR, TAG = 0x544E, 1, 24, 16
HDR_FMT = ">HBBIQQ"


def hkdf_extract(salt: bytes, ikm: bytes) -> bytes:
    h = HMAC(salt, hashes.SHA256())
    h.update(ikm)
    return h.finalize()


def packet_key(authkey: bytes, nodeid: int, epoch: int, cluster_name: str = "") -> bytes:
    """K = HKDF-Expand(PRK, "data" || be32 node || be64 epoch, 32) with
    PRK = HKDF-Extract(salt "totem-v1" || cluster name, authkey)."""
    prk = hkdf_extract(b"totem-v1" + cluster_name.encode(), authkey)
    info = b"data" + struct.pack(">IQ", nodeid, epoch)
    return HKDFExpand(hashes.SHA256(), 32, info).derive(prk)


def header(sender: int, epoch: int, counter: int, sealed: bool = True, key_id: int = 0) -> bytes:
    return struct.pack(HDR_FMT, MAGIC, VERSION, (1 if sealed else 0) | key_id << 4, sender, epoch, counter)


def nonce(counter: int) -> bytes:
    return b"\0\0\0\0" + struct.pack(">Q", counter)


def seal(authkey: bytes, sender: int, epoch: int, counter: int, payload: bytes, key_id: int = 0,
         cluster_name: str = "") -> bytes:
    h = header(sender, epoch, counter, True, key_id)
    key = packet_key(authkey, sender, epoch, cluster_name)
    return h + AESGCM(key).encrypt(nonce(counter), payload, h)


def open_sealed(authkey: bytes, datagram: bytes, cluster_name: str = "") -> tuple[int, int, int, bytes]:
    """(sender, epoch, counter, payload) of a sealed datagram; raises if it does not verify."""
    magic, version, flags, sender, epoch, counter = struct.unpack(HDR_FMT, datagram[:HDR])
    assert (magic, version, flags & 0x0F) == (MAGIC, VERSION, 1)
    key = packet_key(authkey, sender, epoch, cluster_name)
    return sender, epoch, counter, AESGCM(key).decrypt(nonce(counter), datagram[HDR:], datagram[:HDR])


def write_key(path: Path, data: bytes, mode: int = 0o400) -> Path:
    path.write_bytes(data)
    path.chmod(mode)
    return path


# ------------------------------------------------------ capture and replay

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def _csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f">{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def fix_udp_checksum(frame: bytes) -> bytes:
    """Recompute the UDP checksum of an Ethernet frame (veth hands captured
    frames over with an offloaded, partial checksum)."""
    f = bytearray(frame)
    ethertype = struct.unpack(">H", f[12:14])[0]
    if ethertype == 0x0800:
        ihl = (f[14] & 0x0F) * 4
        src, dst = f[26:30], f[30:34]
        udp = 14 + ihl
        length = struct.unpack(">H", f[udp + 4:udp + 6])[0]
        pseudo = bytes(src + dst) + struct.pack(">BBH", 0, 17, length)
    else:
        src, dst = f[22:38], f[38:54]
        udp = 54
        length = struct.unpack(">H", f[udp + 4:udp + 6])[0]
        pseudo = bytes(src + dst) + struct.pack(">IxxxB", length, 17)
    f[udp + 6:udp + 8] = b"\0\0"
    c = _csum(pseudo + bytes(f[udp:udp + length])) or 0xFFFF
    f[udp + 6:udp + 8] = struct.pack(">H", c)
    return bytes(f)


def udp_payload(frame: bytes) -> tuple[int, bytes] | None:
    """(destination port, UDP payload) of an Ethernet frame carrying UDP, else None."""
    ethertype = struct.unpack(">H", frame[12:14])[0]
    if ethertype == 0x0800 and frame[23] == 17:
        udp = 14 + (frame[14] & 0x0F) * 4
    elif ethertype == 0x86DD and frame[20] == 17:
        udp = 54
    else:
        return None
    port, length = struct.unpack(">H2xH", frame[udp + 2:udp + 8])
    return port, frame[udp + 8:udp + length]


class Capture:
    """Frames arriving on one interface of one namespace (AF_PACKET)."""

    def __init__(self, ns: str, ifname: str) -> None:
        with netns(ns):
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            self.sock.bind((ifname, 0))
        self.sock.setblocking(False)

    def frames(self, port: int, timeout: float = 1.0, want: int = 0) -> list[bytes]:
        """Incoming frames of ours (magic "TN") to `port` until `want` of them
        came (0: no limit) or none for `timeout` seconds."""
        out: list[bytes] = []
        while (not want or len(out) < want) and select.select([self.sock], [], [], timeout)[0]:
            frame, addr = self.sock.recvfrom(65536)
            if addr[2] == PACKET_OUTGOING:
                continue
            u = udp_payload(frame)
            if u is not None and u[0] == port and u[1][:2] == b"TN":
                out.append(frame)
        return out

    def close(self) -> None:
        self.sock.close()


def inject(ns: str, ifname: str, frame: bytes) -> None:
    """Put an Ethernet frame on the wire from namespace ns, as it was captured
    (same addresses, same ports, same bytes; UDP checksum made valid)."""
    with netns(ns):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    try:
        s.bind((ifname, 0))
        s.send(fix_udp_checksum(frame))
    finally:
        s.close()


def udp_sender(ns: str, addr: str) -> socket.socket:
    """A UDP socket in namespace ns bound to addr (ephemeral port)."""
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with netns(ns):
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.bind((addr, 0))
    return s
