"""The EVS service at the wire: malformed library frames close only that connection, a
handle that stops dispatching is cut off, and the cluster messages are checked on
delivery (a bad one is dropped, never forwarded)."""

from __future__ import annotations

import re
import socket
import struct
import time
from pathlib import Path
from typing import Any

import pytest
from aisexec import wire
from aisexec.ipc import LibConnection
from aisexec.services import evs as evs_service
from aisexec.wire import C, ffi
from rawclient import RawClient, header, recv_frame

SA_AIS_OK, SA_AIS_ERR_INVALID_PARAM = 1, 7
NODE = 0x7F000001


def group(name: str) -> bytes:
    return name.encode().ljust(C.AIS_EVS_GROUP_LEN, b"\0")


def groups_req(msg_id: int, keys: list[bytes], count: int | None = None) -> Any:
    req = wire.new("struct ais_req_evs_groups", len(keys), tail="groups")
    req.header.id = msg_id
    req.group_entries = len(keys) if count is None else count
    for i, key in enumerate(keys):
        ffi.memmove(req.groups[i].key, key, len(key))
    return req


def mcast_joined_req(msg: bytes, msg_len: int | None = None) -> Any:
    req = wire.new("struct ais_req_evs_mcast_joined", len(msg), tail="msg")
    req.header.id = C.AIS_EVS_MCAST_JOINED
    req.guarantee = 2
    req.msg_len = len(msg) if msg_len is None else msg_len
    ffi.memmove(req.msg, msg, len(msg))
    return req


class EvsClient(RawClient):
    """One EVS handle over the raw protocol."""

    def __init__(self, name: str) -> None:
        super().__init__(name, service=C.AIS_SERVICE_EVS)
        assert self.error == SA_AIS_OK
        cb = self.callback()
        assert header(cb).id == C.AIS_EVS_CB_CONFCHG  # the current configuration

    def error_of(self, msg: Any) -> int:
        return int(header(self.call(msg)).error)

    def join(self, *names: str) -> int:
        return self.error_of(groups_req(C.AIS_EVS_JOIN, [group(n) for n in names]))

    def send(self, msg: bytes) -> int:
        return self.error_of(mcast_joined_req(msg))

    def callback(self) -> bytes:
        assert self.disp is not None
        frame = recv_frame(self.disp)
        assert frame, "executive closed the dispatch connection"
        return frame

    def delivered(self) -> tuple[int, bytes]:
        frame = self.callback()
        cb = ffi.from_buffer("struct ais_cb_evs_deliver *", frame)
        assert cb.header.id == C.AIS_EVS_CB_DELIVER and cb.header.error == SA_AIS_OK
        start = wire.sizeof("struct ais_cb_evs_deliver")
        assert cb.msg_len == len(frame) - start
        return int(cb.nodeid), frame[start:]


def closed_by_peer(s: socket.socket) -> bool:
    s.settimeout(5)
    try:
        while True:
            if s.recv(65536) == b"":
                return True
    except ConnectionResetError:
        return True


def raw(msg_id: int, body: bytes) -> bytes:
    hdr = ffi.new("struct ais_ipc_header *")
    hdr.size = wire.HEADER_SIZE + len(body)
    hdr.id = msg_id
    return bytes(ffi.buffer(hdr)) + body


MALFORMED = {
    "join_count_too_big": wire.to_bytes(groups_req(C.AIS_EVS_JOIN, [group("a")], count=2)),
    "leave_count_too_small": wire.to_bytes(groups_req(C.AIS_EVS_LEAVE, [group("a")], count=0)),
    "join_partial_group": wire.to_bytes(groups_req(C.AIS_EVS_JOIN, [group("a")]))[:-1],
    "join_short": raw(C.AIS_EVS_JOIN, b"\0" * 4),
    "mcast_len_too_big": wire.to_bytes(mcast_joined_req(b"abc", msg_len=4)),
    "mcast_len_too_small": wire.to_bytes(mcast_joined_req(b"abc", msg_len=2)),
    "mcast_groups_inconsistent": raw(C.AIS_EVS_MCAST_GROUPS, struct.pack("=IIII", 2, 1, 1, 0) + group("a")),
    "membership_get_with_body": raw(C.AIS_EVS_MEMBERSHIP_GET, b"\0" * 8),
    "unknown_id": raw(C.AIS_EVS_MEMBERSHIP_GET + 1, b""),
}


def fix_size(frame: bytes) -> bytes:
    """The header's size made to match the bytes (the frames above lie in their body)."""
    return struct.pack("=I", len(frame)) + frame[4:]


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_frame_closes_only_that_connection(executive, case: str) -> None:  # type: ignore[no-untyped-def]
    bystander = EvsClient(executive.socket)
    assert bystander.join("g") == SA_AIS_OK
    victim = EvsClient(executive.socket)
    assert victim.join("g") == SA_AIS_OK
    victim.req.sendall(fix_size(MALFORMED[case]))
    assert closed_by_peer(victim.req)
    assert victim.disp is not None and closed_by_peer(victim.disp)
    victim.close()
    # the bystander still sends and receives, and new handles are served
    assert bystander.send(b"still here") == SA_AIS_OK
    assert bystander.delivered() == (NODE, b"still here")
    newcomer = EvsClient(executive.socket)
    assert newcomer.join("g") == SA_AIS_OK
    assert newcomer.send(b"hello") == SA_AIS_OK
    assert newcomer.delivered() == (NODE, b"hello")
    assert bystander.delivered() == (NODE, b"hello")
    newcomer.close()
    bystander.close()
    assert executive.proc.poll() is None


def test_oversized_message_is_refused(executive) -> None:  # type: ignore[no-untyped-def]
    """A consistent frame over AIS_EVS_MAX_MSG (the library never sends one) is an error
    for that request, not for the connection."""
    c = EvsClient(executive.socket)
    assert c.join("g") == SA_AIS_OK
    assert c.send(b"\0" * (C.AIS_EVS_MAX_MSG + 1)) == SA_AIS_ERR_INVALID_PARAM
    assert c.send(b"x" * C.AIS_EVS_MAX_MSG) == SA_AIS_OK
    assert c.delivered() == (NODE, b"x" * C.AIS_EVS_MAX_MSG)
    c.close()


def test_largest_message_fits_the_ring() -> None:
    """An EVS cluster message of the largest size to the most groups is no larger than
    the largest application message the totem core accepts."""
    core_h = (Path(__file__).resolve().parent.parent / "executive" / "totem" / "totem_core.h").read_text()
    m = re.search(r"^#define TC_MSG_SIZE_MAX (\d+)", core_h, re.M)
    assert m is not None
    largest = (wire.sizeof("struct ais_evs_x_mcast") + C.AIS_EVS_MAX_GROUPS * C.AIS_EVS_GROUP_LEN
               + wire.sizeof("struct ais_cb_evs_deliver") + C.AIS_EVS_MAX_MSG)
    assert largest <= int(m.group(1))
    assert C.AIS_EVS_MAX_MSG >= 1_000_000


def test_handle_that_does_not_dispatch_is_disconnected(executive) -> None:  # type: ignore[no-untyped-def]
    sleeper = EvsClient(executive.socket)
    assert sleeper.join("g") == SA_AIS_OK
    sender = EvsClient(executive.socket)
    assert sender.join("other") == SA_AIS_OK
    assert sleeper.disp is not None
    sleeper.disp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    size = C.AIS_EVS_MAX_MSG
    body = struct.pack("=IIII", 2, size, 1, 0) + group("g") + b"m" * size
    frame = raw(C.AIS_EVS_MCAST_GROUPS, body)
    limit = evs_service.DISPATCH_BACKLOG_LIMIT // size + 8
    for _ in range(limit):
        sender.req.sendall(frame)
        assert header(recv_frame(sender.req)).error == SA_AIS_OK
    assert closed_by_peer(sleeper.req)
    sleeper.close()
    assert "does not dispatch: disconnecting it" in executive.log_text()
    assert sender.send(b"ok") == SA_AIS_OK  # to nobody, but served
    sender.close()


# -- cluster messages checked on delivery (no executive needed) -----------------------

class _Stream:
    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.transport = None

    def write(self, data: bytes | memoryview) -> None:
        self.frames.append(bytes(data))


class _Cluster:
    local_nodeid = NODE

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def subscribe(self, service_id: int, listener: object) -> None:
        pass

    def mcast(self, service_id: int, payload: bytes) -> bool:
        self.sent.append(payload)
        return True


def _service_with_handle(*names: str) -> tuple[Any, LibConnection, _Stream, _Cluster]:
    cluster = _Cluster()
    svc = evs_service.EvsService(cluster)  # type: ignore[arg-type]
    disp = _Stream()
    conn = LibConnection(conn_id=7, secret=1, service=svc, pid=1, uid=0, gid=0,
                         request=_Stream(), dispatch=disp)  # type: ignore[arg-type]
    svc.lib_init(conn)
    frame = wire.to_bytes(groups_req(C.AIS_EVS_JOIN, [group(n) for n in names]))
    svc._join(conn, ffi.from_buffer("struct ais_req_evs_groups *", frame), frame)
    return svc, conn, disp, cluster


def x_mcast(keys: list[bytes], msg: bytes, nodeid: int = NODE, **cb_fields: int) -> bytes:
    cb = wire.new("struct ais_cb_evs_deliver", len(msg), tail="msg")
    cb.header.id = C.AIS_EVS_CB_DELIVER
    cb.header.error = SA_AIS_OK
    cb.nodeid = nodeid
    cb.msg_len = len(msg)
    ffi.memmove(cb.msg, msg, len(msg))
    for name, value in cb_fields.items():
        setattr(cb.header if name in ("size", "id", "error", "flags", "context") else cb, name, value)
    return struct.pack("=II", C.AIS_EVS_X_MCAST, len(keys)) + b"".join(keys) + wire.to_bytes(cb)


def test_delivery_forwards_the_frame_once_per_handle() -> None:
    svc, _conn, disp, cluster = _service_with_handle("a", "b")
    svc.deliver(NODE, x_mcast([group("b"), group("a"), group("z")], b"payload"))
    assert len(disp.frames) == 1
    cb = ffi.from_buffer("struct ais_cb_evs_deliver *", disp.frames[0])
    assert (cb.nodeid, bytes(disp.frames[0][wire.sizeof("struct ais_cb_evs_deliver"):])) == (NODE, b"payload")
    svc.deliver(NODE, x_mcast([group("z")], b"not for us"))
    assert len(disp.frames) == 1


BAD_CLUSTER_MESSAGES = {
    "empty": b"",
    "unknown_type": struct.pack("=II", 2, 1) + group("a"),
    "no_groups": struct.pack("=II", 1, 0),
    "too_many_groups": struct.pack("=II", 1, 51) + group("a") * 51,
    "groups_cut_short": struct.pack("=II", 1, 2) + group("a"),
    "message_cut_short": x_mcast([group("a")], b"msg")[:-1],
    "trailing_byte": x_mcast([group("a")], b"msg") + b"!",
    "not_the_originator": x_mcast([group("a")], b"msg", nodeid=NODE + 1),
    "wrong_callback_id": x_mcast([group("a")], b"msg", id=C.AIS_EVS_CB_CONFCHG),
    "error_set": x_mcast([group("a")], b"msg", error=2),
    "context_set": x_mcast([group("a")], b"msg", context=5),
    "msg_len_wrong": x_mcast([group("a")], b"msg", msg_len=2),
}


@pytest.mark.parametrize("case", sorted(BAD_CLUSTER_MESSAGES))
def test_inconsistent_cluster_message_is_dropped(case: str) -> None:
    svc, _conn, disp, _cluster = _service_with_handle("a")
    svc.deliver(NODE, BAD_CLUSTER_MESSAGES[case])
    assert disp.frames == []


def test_multicast_carries_the_deliver_frame() -> None:
    svc, conn, disp, cluster = _service_with_handle("a")
    frame = wire.to_bytes(mcast_joined_req(b"hello"))
    svc._mcast_joined(conn, None, frame)
    assert len(cluster.sent) == 1
    assert cluster.sent[0] == x_mcast([group("a")], b"hello")
    svc.deliver(NODE, cluster.sent[0])
    assert disp.frames[-1].endswith(b"hello")


def test_pipelined_multicasts_survive_the_dispatch_socket_closing_first(executive) -> None:  # type: ignore[no-untyped-def]
    """A library that sent multicasts without waiting (AIS_IPC_FLAG_NOREPLY) and went
    away, the end of its dispatch socket seen before the rest of its requests: every
    multicast it was told was sent is still multicast (the request stream is read to
    its end before the handle is torn down)."""
    name = executive.env["AIS_IPC_SOCKET"]
    receiver = EvsClient(name)
    assert receiver.join("pipe") == SA_AIS_OK
    sender = EvsClient(name)
    assert sender.join("pipe") == SA_AIS_OK
    assert sender.disp is not None
    sender.disp.close()  # its end reaches the executive first ...
    sender.disp = None
    time.sleep(0.3)
    count = 50
    for i in range(count):  # ... then these, still on the open request socket
        req = mcast_joined_req(struct.pack("=I", i) + bytes(4000))
        req.header.flags = C.AIS_IPC_FLAG_NOREPLY
        sender.req.sendall(wire.to_bytes(req))
    sender.req.close()
    got = [receiver.delivered() for _ in range(count)]
    assert [struct.unpack_from("=I", data)[0] for _, data in got] == list(range(count))
    receiver.close()
