"""secauth: what is dropped and counted (flipped bytes, replayed frames, other
keys, stale epochs, garbage), what still passes, and the wire format checked
against an independent implementation (tnet.seal / tnet.open_sealed)."""

from __future__ import annotations

import errno
import os
import secrets
import socket
from pathlib import Path
from typing import Any

import pytest
import tnet
from tnet import MakeTransport

BOTH = [("udp", 4), ("udp", 6), ("udpu", 4), ("udpu", 6)]
BOTH_IDS = [f"{m}-ipv{f}" for m, f in BOTH]


def sendto(net: tnet.Net, family: int, port: int, datagram: bytes, src: int = 0) -> None:
    """Send a datagram to node 2's unicast port from namespace A's address
    number `src` (0: node 1's address, 2: the forger's), ephemeral port."""
    addrs = net.addrs(family)
    s = tnet.udp_sender(net.ns_a, addrs[src])
    try:
        s.sendto(datagram, (addrs[1], port))
    finally:
        s.close()


def captured_datagram(cap: tnet.Capture, port: int) -> tuple[bytes, bytes]:
    """(frame, UDP payload) of the one datagram of ours that reached port."""
    frames = cap.frames(port, timeout=1.0, want=1) + cap.frames(port, timeout=0.05)
    assert len(frames) == 1, f"captured {len(frames)} frames"
    u = tnet.udp_payload(frames[0])
    assert u is not None
    return frames[0], u[1]


@pytest.mark.parametrize("mode,family", BOTH, ids=BOTH_IDS)
def test_replayed_frame_is_dropped(make: MakeTransport, net: tnet.Net, port: int, mode: str,
                                   family: int) -> None:
    a = make(1, mode=mode, family=family)
    b = make(2, mode=mode, family=family)
    cap = tnet.Capture(net.ns_b, net.if_b)
    try:
        assert a.mcast(b"pay me once") == 0
        assert [r.data for r in b.recv(1)] == [b"pay me once"]
        frame, _ = captured_datagram(cap, port)
        # the same frame again, from the same addresses and ports, twice
        tnet.inject(net.ns_a, net.if_a, frame)
        tnet.inject(net.ns_a, net.if_a, frame)
        assert b.settle() == []
        assert len(cap.frames(port, timeout=1.0, want=2)) == 2  # they did arrive
    finally:
        cap.close()
    s = b.stats()
    assert s["replays"] == 2 and s["rx_packets"] == 1 and s["rx_datagrams"] == 3
    assert s["last_drop_reason"] == 5  # TN_DROP_REPLAY
    assert s["last_drop_source"].startswith(net.addrs(family)[0] + " ")
    # the token path too: b -> a unicast, replayed
    cap = tnet.Capture(net.ns_a, net.if_a)
    try:
        assert b.unicast(1, b"token") == 0
        assert [r.data for r in a.recv(1)] == [b"token"]
        frame, _ = captured_datagram(cap, port)
        tnet.inject(net.ns_b, net.if_b, frame)
        assert a.settle() == []
    finally:
        cap.close()
    assert a.stats()["replays"] == 1


def test_secauth_off_delivers_duplicates(make: MakeTransport, net: tnet.Net, port: int) -> None:
    """Duplicates are legal in totem; without secauth there is no replay check."""
    a = make(1, secauth=False)
    b = make(2, secauth=False)
    cap = tnet.Capture(net.ns_b, net.if_b)
    try:
        assert a.mcast(b"twice") == 0
        assert [r.data for r in b.recv(1)] == [b"twice"]
        frame, datagram = captured_datagram(cap, port)
        assert datagram[tnet.HDR:] == b"twice"  # cleartext after the outer header
        tnet.inject(net.ns_a, net.if_a, frame)
        assert [r.data for r in b.recv(1)] == [b"twice"]
    finally:
        cap.close()
    assert b.stats()["replays"] == 0


def first_datagram(make: MakeTransport, net: tnet.Net, port: int, mode: str) -> tuple[Any, bytes]:
    """Node 1 and one sealed datagram of it that nobody has received yet
    (captured on the wire before node 2 exists): a counter still unseen, so
    what is done to it meets the authentication, not the replay window."""
    a = make(1, mode=mode)
    cap = tnet.Capture(net.ns_b, net.if_b)
    try:
        assert a.mcast(b"x" * 100) == 0
        _, datagram = captured_datagram(cap, port)
    finally:
        cap.close()
    return a, datagram


@pytest.mark.parametrize("where", [tnet.HDR, -1, 8, 4], ids=["ciphertext", "tag", "epoch", "sender"])
@pytest.mark.parametrize("mode", ["udp", "udpu"])
def test_flipped_byte_is_auth_failure(make: MakeTransport, net: tnet.Net, port: int, mode: str,
                                      where: int) -> None:
    _, datagram = first_datagram(make, net, port, mode)
    b = make(2, mode=mode)
    bad = bytearray(datagram)
    bad[where] ^= 0x01 if where != 4 else 0x80  # sender 1 -> 0x80000001: a node nobody has seen
    sendto(net, 4, port, bytes(bad))
    assert b.settle() == []
    s = b.stats()
    if mode == "udpu" and where == 4:
        assert s["unlisted"] == 1  # node 1's address speaking for another node
    else:
        assert s["auth_failures"] == 1
        assert s["last_drop_reason"] == 4  # TN_DROP_AUTH
    # the forgery moved nothing: the intact datagram still gets in, once
    sendto(net, 4, port, datagram)
    sendto(net, 4, port, datagram)
    assert [(r.nodeid, r.data) for r in b.settle()] == [(1, b"x" * 100)]
    assert b.stats()["replays"] == 1


@pytest.mark.parametrize("mode,family", BOTH, ids=BOTH_IDS)
def test_peer_with_another_key_is_dropped(make: MakeTransport, mode: str, family: int) -> None:
    a = make(1, mode=mode, family=family)
    b = make(2, mode=mode, family=family)
    c = make(3, mode=mode, family=family, key=secrets.token_bytes(128))
    assert c.mcast(b"let me in") == 0
    assert a.mcast(b"member") == 0
    assert [(r.nodeid, r.data) for r in b.recv(1)] + [(r.nodeid, r.data) for r in b.settle()] == \
        [(1, b"member")]
    assert b.stats()["auth_failures"] == 1
    assert b.unicast(1, b"to a") == 0
    assert b.mcast(b"to all") == 0
    assert len(a.recv(2)) == 2
    assert c.settle() == []
    # b's multicast; with udpu a's too (with udp, a and c share a namespace and
    # multicast loopback is off, so a's multicast never reaches c)
    assert c.stats()["auth_failures"] == (2 if mode == "udpu" else 1)


def test_secauth_must_match(make: MakeTransport) -> None:
    a = make(1, secauth=False)
    b = make(2, secauth=True)
    assert a.mcast(b"clear") == 0
    assert b.mcast(b"sealed") == 0
    assert b.settle() == [] and a.settle() == []
    assert a.stats()["secauth_mismatch"] == 1
    assert b.stats()["secauth_mismatch"] == 1


@pytest.mark.parametrize("mode", ["udp", "udpu"])
def test_garbage_and_truncation_dropped_and_counted(make: MakeTransport, net: tnet.Net, port: int,
                                                    mode: str) -> None:
    a, good = first_datagram(make, net, port, mode)
    b = make(2, mode=mode)
    h = tnet.header
    malformed = [
        b"",
        b"\x00",
        b"\xff" * 500,
        good[:23],
        b"TN\x02\x01" + good[4:],                      # version 2
        good[:3] + bytes([good[3] | 0x02]) + good[4:],  # reserved flag bit
        h(0, 5, 1) + b"\0" * 40,                        # sender 0
        h(1, 1001, 0) + b"\0" * 40,                     # counter 0
        h(1, 1001, 99),                                 # sealed but no tag
        h(1, 1001, 99) + b"\0" * 15,                    # shorter than a tag
    ]
    truncations = [good[:n] for n in range(tnet.HDR + tnet.TAG, len(good))]
    for d in malformed + truncations:
        sendto(net, 4, port, d)
    sendto(net, 4, port, good[:tnet.HDR] + b"\0" * (b.info()["max_datagram"] + 1 - tnet.HDR))
    assert b.settle() == []
    s = b.stats()
    assert s["malformed"] == len(malformed)
    assert s["auth_failures"] == len(truncations)
    assert s["truncated"] == 1
    assert s["rx_packets"] == 0
    # after all that, node 1 still gets through
    assert a.mcast(b"still here") == 0
    assert [r.data for r in b.recv(1)] == [b"still here"]


@pytest.mark.parametrize("family", [4, 6])
def test_reference_implementation_interoperates(make: MakeTransport, net: tnet.Net, port: int,
                                                authkey: bytes, family: int) -> None:
    """Packets sealed by tnet.seal (HKDF + AES-GCM from `cryptography`) are
    accepted, and libtotemnet's packets open with tnet.open_sealed."""
    b = make(2, family=family, cluster_name="alpha")
    for counter in (1, 2, 3):
        datagram = tnet.seal(authkey, 7, 555, counter, b"ref %d" % counter, cluster_name="alpha")
        sendto(net, family, port, datagram)
    got = b.recv(3)
    assert [(r.nodeid, r.data) for r in got] == [(7, b"ref 1"), (7, b"ref 2"), (7, b"ref 3")]
    # a wrong cluster name derives another key
    sendto(net, family, port, tnet.seal(authkey, 7, 555, 4, b"ref 4", cluster_name=""))
    assert b.settle() == [] and b.stats()["auth_failures"] == 1

    # b's own packets, caught on the group in namespace A, open with the reference
    fam = socket.AF_INET if family == 4 else socket.AF_INET6
    with tnet.netns(net.ns_a):
        sniff = socket.socket(fam, socket.SOCK_DGRAM)
        sniff.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sniff.bind((net.mcast(family), port))
        ifindex = socket.if_nametoindex(net.if_a)
        if family == 4:
            mreq = socket.inet_aton(net.mcast4) + socket.inet_aton(net.v4[0])
            sniff.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
        else:
            mreq = socket.inet_pton(socket.AF_INET6, net.mcast6) + ifindex.to_bytes(4, "little")
            sniff.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    sniff.settimeout(2)
    try:
        for i in range(3):
            assert b.mcast(b"from b %d" % i) == 0
        opened = [tnet.open_sealed(authkey, sniff.recv(2000), cluster_name="alpha") for _ in range(3)]
    finally:
        sniff.close()
    epoch = b.info()["epoch"]
    assert opened == [(2, epoch, i + 1, b"from b %d" % i) for i in range(3)]


def test_replay_window_edges(make: MakeTransport, net: tnet.Net, port: int, authkey: bytes) -> None:
    b = make(2)

    def send(counter: int, epoch: int = 100) -> None:
        sendto(net, 4, port, tnet.seal(authkey, 9, epoch, counter, b"%d/%d" % (epoch, counter)))

    plan = [  # (counter, delivered)
        (5, True), (3, True), (5, False), (4, True), (3, False),
        (1030, True), (5, False), (6, False),  # 1030 - 6 = 1024: just left of the window
        (7, True),                             # 1030 - 7 = 1023: inside, never seen
        (1029, True), (1031, True), (1030, False),
    ]
    for counter, _ in plan:
        send(counter)
    got = [r.data for r in b.recv(sum(ok for _, ok in plan))] + [r.data for r in b.settle()]
    assert got == [b"100/%d" % c for c, ok in plan if ok]
    assert b.stats()["replays"] == sum(not ok for _, ok in plan)

    # epochs: an older one is refused, a newer one (the sender restarted) starts afresh
    send(2000, epoch=99)
    send(1, epoch=101)
    send(2, epoch=101)
    send(2000, epoch=100)
    assert [r.data for r in b.recv(2)] + [r.data for r in b.settle()] == [b"101/1", b"101/2"]
    assert b.stats()["stale_epoch"] == 2


def test_restarted_sender_is_accepted(make: MakeTransport) -> None:
    """epoch 0 selects CLOCK_REALTIME nanoseconds: a restart gets a larger one."""
    b = make(2)
    for boot in range(3):
        a = make(1, epoch=0)
        assert a.mcast(b"boot %d" % boot) == 0
        assert [r.data for r in b.recv(1)] == [b"boot %d" % boot]
        a.close()
    assert b.stats()["stale_epoch"] == 0


def test_key_rotation(make: MakeTransport, tn: tuple[Any, Any]) -> None:
    _, lib = tn
    a = make(1)
    b = make(2)
    new = secrets.token_bytes(128)
    for t in (a, b):
        assert lib.tn_key_add(t.handle, 1, new, len(new)) == 0
    assert lib.tn_key_add(a.handle, 2, new, len(new)) == -errno.ENOSPC  # two keys at most
    assert lib.tn_key_use(a.handle, 5) == -errno.ENOKEY
    assert lib.tn_key_use(a.handle, 1) == 0
    assert a.info()["tx_key_id"] == 1
    assert a.mcast(b"new key") == 0
    assert [r.data for r in b.recv(1)] == [b"new key"]
    assert lib.tn_key_remove(b.handle, 0) == -errno.EBUSY  # b still sends with it
    assert lib.tn_key_use(b.handle, 1) == 0
    assert lib.tn_key_remove(b.handle, 0) == 0
    assert lib.tn_key_use(a.handle, 0) == 0
    assert a.mcast(b"old key") == 0
    assert b.settle() == []
    assert b.stats()["unknown_key"] == 1
    assert b.mcast(b"b on the new key") == 0
    assert [r.data for r in a.recv(1)] == [b"b on the new key"]


def test_udpu_drops_unlisted_sources(make: MakeTransport, net: tnet.Net, port: int, authkey: bytes) -> None:
    a4, b4, c4 = net.v4
    b = make(2, mode="udpu", members=[(1, a4), (2, b4)])
    c = make(3, mode="udpu", members=[(2, b4), (3, c4)])
    assert c.mcast(b"not a member") == 0
    # node 1's address speaking for node 3
    sendto(net, 4, port, tnet.seal(authkey, 3, 7, 1, b"spoof"))
    assert b.settle() == []
    assert b.stats()["unlisted"] == 2
    open_b = make(2, mode="udpu", members=[(1, a4), (2, b4)], allow_unlisted=1, mcastport=port + 2)
    c2 = make(3, mode="udpu", members=[(2, b4), (3, c4)], mcastport=port + 2)
    assert c2.mcast(b"let in") == 0
    assert [(r.nodeid, r.data) for r in open_b.recv(1)] == [(3, b"let in")]
    assert open_b.peer_addr(3) == c4


def test_authkey_file_checks(tn: tuple[Any, Any], net: tnet.Net, tmp_path: Path, port: int) -> None:
    ffi, lib = tn

    def create(**kw: Any) -> tuple[int, str]:
        cfg = {"transport": 0, "nodeid": 1, "bindnetaddr": net.v4[0], "mcastaddr": net.mcast4,
               "mcastport": port, "secauth": 1}
        cfg.update(kw)
        return tnet.Transport.try_create(ffi, lib, net.ns_a, **cfg)

    ok = tnet.write_key(tmp_path / "ok", os.urandom(128))
    assert create(keyfile=str(ok)) == (0, "")
    assert create(keyfile=str(tnet.write_key(tmp_path / "rw", os.urandom(128), 0o600)))[0] == 0
    rc, err = create(keyfile=str(tnet.write_key(tmp_path / "open", os.urandom(128), 0o644)))
    assert rc == -errno.EPERM and "0644" in err
    rc, err = create(keyfile=str(tnet.write_key(tmp_path / "short", os.urandom(16))))
    assert rc == -errno.EINVAL and "16 bytes" in err
    rc, err = create(keyfile=str(tnet.write_key(tmp_path / "long", os.urandom(4097))))
    assert rc == -errno.EINVAL
    rc, err = create(keyfile=str(tmp_path / "missing"))
    assert rc == -errno.ENOENT and "missing" in err
    rc, err = create(keyfile=str(tmp_path))
    assert rc == -errno.EINVAL and "regular file" in err
    rc, err = create(key=b"k" * 31)
    assert rc == -errno.EINVAL
    rc, err = create()
    assert rc == -errno.EINVAL and "keyfile" in err
    assert create(secauth=0)[0] == 0  # no key needed
