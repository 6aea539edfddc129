"""A scripted stand-in for aisexec's CLM side, for what a one-node executive cannot show.

It speaks the library protocol of libsa/ipc_wire.h (through aisexec.wire) on an abstract
socket and serves a fixed three-node view, so the library's handling of several members,
a too-small buffer (SA_AIS_ERR_NO_SPACE), membership changes (JOINED, LEFT), IPv6
addresses, full-length names and protocol violations can be checked from C
(abi_tests/clm/clm_fake_test.c, which knows the same table)."""

from __future__ import annotations

import ipaddress
import os
import secrets
import socket
import threading
from dataclasses import dataclass
from typing import Any

from aisexec import wire
from aisexec.wire import C, ffi

SA_AIS_OK, SA_AIS_ERR_NOT_EXIST, SA_AIS_ERR_NO_SPACE = 1, 12, 15
SA_TRACK_CURRENT, SA_TRACK_CHANGES, SA_TRACK_CHANGES_ONLY = 1, 2, 4
NO_CHANGE, JOINED, LEFT = 1, 2, 3
SA_CLM_LOCAL_NODE_ID = 0xFFFFFFFF

# Node ids that make the fake break the protocol (see clm_fake_test.c).
BAD_RESPONSE_ID = 0xBAD  # node get answered with another message id
BAD_LENGTHS = 0xB16  # node get answered with a record whose lengths are out of range
BAD_CALLBACK = 0xBADCB  # node get async followed by a callback of the wrong size
BAD_CALLBACK_ERROR = 0xBADE2  # node get async followed by a callback with error 99


@dataclass(frozen=True)
class Node:
    node_id: int
    address: str
    name: bytes
    boot: int
    initial_view: int


VIEW, NEXT_VIEW = 42, 43
NODES = [
    Node(0x0A000001, "10.0.0.1", b"node-a", 1_000_000_000_000_000_001, 7),
    Node(0x0A000002, "fd00::2", b"node-b", 1_000_000_000_000_000_002, 40),
    Node(0x0A000003, "10.0.0.3", b"c" * 256, 1_000_000_000_000_000_003, 42),
]
JOINING = Node(0x0A000004, "10.0.0.4", b"node-d", 1_000_000_000_000_000_004, 43)
LOCAL = NODES[0]


def fill_node(rec: Any, node: Node, member: bool = True) -> None:
    addr = ipaddress.ip_address(node.address)
    rec.node_id = node.node_id
    rec.addr_family = 1 if addr.version == 4 else 2
    rec.addr_length = len(addr.packed)
    ffi.memmove(rec.addr_value, addr.packed, len(addr.packed))
    rec.node_name.length = len(node.name)
    ffi.memmove(rec.node_name.value, node.name, len(node.name))
    rec.member = 1 if member else 0
    rec.boot_timestamp = node.boot
    rec.initial_view_number = node.initial_view


def view_msg(number: int, items: list[tuple[Node, int, bool]], members: int) -> Any:
    msg = wire.new("struct ais_clm_track_view", len(items))
    msg.view_number = number
    msg.number_of_items = len(items)
    msg.number_of_members = members
    for i, (node, change, member) in enumerate(items):
        fill_node(msg.items[i].node, node, member)
        msg.items[i].cluster_change = change
    return msg


def current_view() -> Any:
    return view_msg(VIEW, [(n, NO_CHANGE, True) for n in NODES], len(NODES))


def changed_view(flags: int) -> Any:
    """NODES[2] left and JOINING joined: the callback a tracker would get."""
    if flags & SA_TRACK_CHANGES:
        items = [(n, NO_CHANGE, True) for n in NODES[:2]] + [(JOINING, JOINED, True)]
    else:
        items = [(JOINING, JOINED, True)]
    return view_msg(NEXT_VIEW, [*items, (NODES[2], LEFT, False)], 3)


def recv_exact(s: socket.socket, n: int) -> bytes | None:
    out = b""
    while len(out) < n:
        try:
            chunk = s.recv(n - len(out))
        except OSError:
            return None
        if not chunk:
            return None
        out += chunk
    return out


def recv_frame(s: socket.socket) -> bytes | None:
    head = recv_exact(s, wire.HEADER_SIZE)
    if head is None:
        return None
    size = ffi.from_buffer("struct ais_ipc_header *", head).size
    body = recv_exact(s, size - wire.HEADER_SIZE)
    return None if body is None else head + body


class FakeClmExecutive:
    def __init__(self) -> None:
        self.name = f"@clm-fake-{os.getpid()}-{secrets.token_hex(4)}"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(b"\0" + self.name[1:].encode())
        self.sock.listen(64)
        self.dispatch: dict[int, socket.socket] = {}  # conn_id -> dispatch connection
        self.lock = threading.Lock()
        self.conns: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(5)
        with self.lock:
            for c in self.conns:
                c.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, s: socket.socket) -> None:
        frame = recv_frame(s)
        if frame is None:
            return
        req = ffi.from_buffer("struct ais_req_connect *", frame)
        res = wire.new("struct ais_res_connect")
        res.header.id = C.AIS_MSG_CONNECT | C.AIS_MSG_RESPONSE
        res.header.context = req.header.context
        res.header.error = SA_AIS_OK
        if req.conn_type == C.AIS_CONN_DISPATCH:
            with self.lock:
                self.dispatch[req.conn_id] = s
            res.conn_id = req.conn_id
            s.sendall(wire.to_bytes(res))
            return  # callbacks are written by the request side
        conn_id = secrets.randbits(62) | 1
        res.conn_id, res.secret = conn_id, secrets.randbits(64)
        s.sendall(wire.to_bytes(res))
        while (frame := recv_frame(s)) is not None:
            self._request(s, conn_id, frame)

    def _callback(self, conn_id: int, msg: Any, error: int = SA_AIS_OK, size: int | None = None) -> None:
        msg.header.error = error
        msg.header.context = 0
        if size is not None:  # a well-framed callback of the wrong size for its id
            msg.header.size = size
        data = wire.to_bytes(msg)
        with self.lock:
            d = self.dispatch.get(conn_id)
        if d is not None:
            d.sendall(data)

    def _request(self, s: socket.socket, conn_id: int, frame: bytes) -> None:
        hdr = ffi.from_buffer("struct ais_ipc_header *", frame)

        def respond(error: int, msg: Any = None, msg_id: int | None = None) -> None:
            if msg is None:
                msg = ffi.new("struct ais_ipc_header *")
                msg.size = wire.HEADER_SIZE
                h = msg
            else:
                h = msg.header
            h.id = (hdr.id | C.AIS_MSG_RESPONSE) if msg_id is None else msg_id
            h.error = error
            h.context = hdr.context
            s.sendall(ffi.buffer(msg, h.size)[:])

        if hdr.id == C.AIS_CLM_NODE_GET:
            node_id = ffi.from_buffer("struct ais_req_clm_node_get *", frame).node_id
            res = wire.new("struct ais_res_clm_node_get")
            if node_id == BAD_RESPONSE_ID:
                return respond(SA_AIS_OK, res, msg_id=C.AIS_CLM_TRACK | C.AIS_MSG_RESPONSE)
            if node_id == BAD_LENGTHS:
                fill_node(res.node, LOCAL)
                res.node.addr_length = 200
                res.node.node_name.length = 300
                return respond(SA_AIS_OK, res)
            node = self._find(node_id)
            if node is None:
                return respond(SA_AIS_ERR_NOT_EXIST)
            fill_node(res.node, node)
            return respond(SA_AIS_OK, res)
        if hdr.id == C.AIS_CLM_NODE_GET_ASYNC:
            req = ffi.from_buffer("struct ais_req_clm_node_get_async *", frame)
            respond(SA_AIS_OK)
            cb = wire.new("struct ais_cb_clm_node_get")
            cb.header.id = C.AIS_CLM_CB_NODE_GET
            cb.invocation = req.invocation
            if req.node_id == BAD_CALLBACK:
                return self._callback(conn_id, cb, size=wire.sizeof("struct ais_cb_clm_node_get") - 8)
            if req.node_id == BAD_CALLBACK_ERROR:
                return self._callback(conn_id, cb, error=99)
            node = self._find(req.node_id)
            if node is None:
                return self._callback(conn_id, cb, SA_AIS_ERR_NOT_EXIST)
            fill_node(cb.node, node)
            return self._callback(conn_id, cb)
        if hdr.id == C.AIS_CLM_TRACK:
            req = ffi.from_buffer("struct ais_req_clm_track *", frame)
            sync = req.track_flags & SA_TRACK_CURRENT and req.options & C.AIS_CLM_TRACK_SYNC_CURRENT
            if sync and 0 < req.max_items < len(NODES):
                return respond(SA_AIS_ERR_NO_SPACE, view_msg(VIEW, [], len(NODES)))
            if sync:
                respond(SA_AIS_OK, current_view())
            else:
                respond(SA_AIS_OK)
                if req.track_flags & SA_TRACK_CURRENT:
                    msg = current_view()
                    msg.header.id = C.AIS_CLM_CB_TRACK
                    self._callback(conn_id, msg)
            changes = req.track_flags & (SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY)
            if changes:  # as if the membership changed right away
                msg = changed_view(changes)
                msg.header.id = C.AIS_CLM_CB_TRACK
                self._callback(conn_id, msg)
            return None
        if hdr.id == C.AIS_CLM_TRACK_STOP:
            return respond(SA_AIS_OK)
        s.close()  # anything else: not for this fake
        return None

    @staticmethod
    def _find(node_id: int) -> Node | None:
        if node_id == SA_CLM_LOCAL_NODE_ID:
            return LOCAL
        return next((n for n in NODES if n.node_id == node_id), None)
