"""IPC framing and access control against a real executive.

A malformed, truncated or oversized frame closes that connection only: the executive
keeps serving every other client.  Peer credentials decide who may connect."""

from __future__ import annotations

import grp
import os
import socket
import struct
import time

import pytest
from aisexec import wire
from aisexec.wire import C, ffi
from rawclient import RawClient, connect_socket, header, recv_frame

SA_AIS_OK, SA_AIS_ERR_ACCESS, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_NOT_EXIST = 1, 11, 9, 12


def closed_by_peer(s: socket.socket) -> bool:
    s.settimeout(5)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True


def assert_still_serving(executive) -> None:  # type: ignore[no-untyped-def]
    c = RawClient(executive.socket)
    try:
        err, res = c.node_get()
        assert err == SA_AIS_OK
        assert res.node.member == 1
    finally:
        c.close()


def test_node_get_roundtrip(executive) -> None:  # type: ignore[no-untyped-def]
    c = RawClient(executive.socket)
    err, res = c.node_get()
    assert err == SA_AIS_OK
    assert res.node.node_id == 0x7F000001  # 127.0.0.1: node id from the IPv4 address
    assert res.node.addr_family == 1 and res.node.addr_length == 4
    assert bytes(res.node.addr_value[0:4]) == bytes([127, 0, 0, 1])
    assert res.node.node_name.length == len(socket.gethostname())
    err2, res2 = c.node_get(res.node.node_id)
    assert err2 == SA_AIS_OK and res2.node.boot_timestamp == res.node.boot_timestamp
    assert c.node_get(12345)[0] == SA_AIS_ERR_NOT_EXIST
    c.close()


def raw_frame(msg_id: int, size: int, body_len: int | None = None) -> bytes:
    hdr = ffi.new("struct ais_ipc_header *")
    hdr.size = size
    hdr.id = msg_id
    data = ffi.buffer(hdr)[:]
    return data + b"\0" * (size - wire.HEADER_SIZE if body_len is None else body_len)


@pytest.mark.parametrize("case", ["short_size", "oversized", "unknown_id", "wrong_size",
                                  "noreply_not_allowed", "request_before_connect", "request_on_dispatch",
                                  "truncated"])
def test_malformed_frame_closes_only_that_connection(executive, case: str) -> None:  # type: ignore[no-untyped-def]
    bystander = RawClient(executive.socket)
    assert bystander.node_get()[0] == SA_AIS_OK
    if case == "request_before_connect":
        s = connect_socket(executive.socket)
        s.sendall(raw_frame(C.AIS_CLM_NODE_GET, wire.sizeof("struct ais_req_clm_node_get")))
        assert closed_by_peer(s)
        s.close()
    else:
        victim = RawClient(executive.socket)
        sock = victim.req
        if case == "short_size":
            sock.sendall(raw_frame(C.AIS_CLM_NODE_GET, 8, body_len=0))
        elif case == "oversized":
            sock.sendall(raw_frame(C.AIS_CLM_NODE_GET, C.AIS_IPC_MAX_FRAME + 1, body_len=0))
        elif case == "unknown_id":
            sock.sendall(raw_frame(C.AIS_CLM_NODE_GET + 1000, wire.HEADER_SIZE))
        elif case == "noreply_not_allowed":  # CLM requests always want their answer
            frame = bytearray(raw_frame(C.AIS_CLM_NODE_GET, wire.sizeof("struct ais_req_clm_node_get")))
            ffi.from_buffer("struct ais_ipc_header *", frame).flags = C.AIS_IPC_FLAG_NOREPLY
            sock.sendall(bytes(frame))
        elif case == "wrong_size":
            sock.sendall(raw_frame(C.AIS_CLM_NODE_GET, wire.sizeof("struct ais_req_clm_node_get") + 4))
        elif case == "request_on_dispatch":
            assert victim.disp is not None
            sock = victim.disp
            sock.sendall(raw_frame(C.AIS_CLM_NODE_GET, wire.sizeof("struct ais_req_clm_node_get")))
        elif case == "truncated":
            # half a frame, then the client goes away
            sock.sendall(raw_frame(C.AIS_CLM_NODE_GET, wire.sizeof("struct ais_req_clm_node_get"))[:20])
            sock.shutdown(socket.SHUT_WR)
        if case != "truncated":
            assert closed_by_peer(sock)
            # the pair is torn down together
            other = victim.disp if sock is victim.req else victim.req
            assert other is not None and closed_by_peer(other)
        victim.close()
    # the bystander's handle still works, and new clients are served
    assert bystander.node_get()[0] == SA_AIS_OK
    bystander.close()
    assert_still_serving(executive)
    assert executive.proc.poll() is None


def test_garbage_stream(executive) -> None:  # type: ignore[no-untyped-def]
    # random bytes whose size field says "all of me": a random size would be, 1 time
    # in 64, a frame of up to 64 MiB still arriving, which the executive rightly waits for
    noise = bytearray(os.urandom(4096))
    struct.pack_into("=I", noise, ffi.offsetof("struct ais_ipc_header", "size"), len(noise))
    for blob in (bytes(noise), b"\xff" * 64, struct.pack("=I", 24) * 40):
        s = connect_socket(executive.socket)
        s.sendall(blob)
        assert closed_by_peer(s)
        s.close()
    assert_still_serving(executive)


def test_dispatch_with_wrong_secret_is_refused(executive) -> None:  # type: ignore[no-untyped-def]
    c = RawClient(executive.socket, dispatch=False)
    s = connect_socket(executive.socket)
    res = RawClient.connect(s, C.AIS_SERVICE_CLM, C.AIS_CONN_DISPATCH, c.conn_id, c.secret ^ 1)
    assert res.header.error == SA_AIS_ERR_BAD_HANDLE
    assert closed_by_peer(s)
    s.close()
    c.close()
    assert_still_serving(executive)


def test_unknown_service_is_refused(executive) -> None:  # type: ignore[no-untyped-def]
    s = connect_socket(executive.socket)
    res = RawClient.connect(s, 99, C.AIS_CONN_REQUEST)
    assert res.header.error != SA_AIS_OK
    assert closed_by_peer(s)
    s.close()


def run_as(executive, uid: int, gid: int, groups: list[int]) -> int:  # type: ignore[no-untyped-def]
    """Connect from a forked child with other credentials; the CONNECT answer's error."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns into pytest
        code = 255
        try:
            os.setgroups(groups)
            os.setgid(gid)
            os.setuid(uid)
            c = RawClient(executive.socket, dispatch=False)
            os.write(wfd, str(c.error).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(wfd)
    with os.fdopen(rfd) as r:
        out = r.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return int(out)


def test_access_by_credentials(executive) -> None:  # type: ignore[no-untyped-def]
    nobody = 65534
    assert run_as(executive, nobody, nobody, []) == SA_AIS_ERR_ACCESS
    ais_gid = grp.getgrnam("ais").gr_gid
    assert run_as(executive, nobody, nobody, [ais_gid]) == SA_AIS_OK  # supplementary group
    assert run_as(executive, nobody, ais_gid, []) == SA_AIS_OK  # primary group
    assert "refusing library connection" in executive.log_text()
    assert_still_serving(executive)


def test_response_context_is_echoed(executive) -> None:  # type: ignore[no-untyped-def]
    c = RawClient(executive.socket)
    req = wire.new("struct ais_req_clm_node_get")
    req.header.id = C.AIS_CLM_NODE_GET
    req.node_id = 0xFFFFFFFF
    # two requests in one write: two responses, in order, contexts echoed
    req.header.context = 7
    a = wire.to_bytes(req)
    req.header.context = 8
    c.req.sendall(a + wire.to_bytes(req))
    assert header(recv_frame(c.req)).context == 7
    assert header(recv_frame(c.req)).context == 8
    c.close()


def test_frames_split_across_writes(executive) -> None:  # type: ignore[no-untyped-def]
    """A frame that arrives in pieces, and a write that ends inside the next
    frame: every request is answered once, in order, with its context."""
    c = RawClient(executive.socket)
    req = wire.new("struct ais_req_clm_node_get")
    req.header.id = C.AIS_CLM_NODE_GET
    req.node_id = 0xFFFFFFFF
    frames = []
    for ctx in (21, 22, 23):
        req.header.context = ctx
        frames.append(wire.to_bytes(req))
    stream = b"".join(frames)
    # byte by byte through the first frame, then the rest of it with half the
    # second, then the remainder
    cut = len(frames[0]) + len(frames[1]) // 2
    for i in range(8):
        c.req.sendall(stream[i:i + 1])
        time.sleep(0.01)
    c.req.sendall(stream[8:cut])
    time.sleep(0.05)
    c.req.sendall(stream[cut:])
    got = [header(recv_frame(c.req)) for _ in frames]
    assert [(h.context, h.error) for h in got] == [(21, SA_AIS_OK), (22, SA_AIS_OK), (23, SA_AIS_OK)]
    c.close()
    assert_still_serving(executive)
