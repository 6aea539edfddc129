"""A raw library-protocol client for tests, built on the one wire definition."""

from __future__ import annotations

import socket
from typing import Any

from aisexec import wire
from aisexec.wire import C, ffi


def connect_socket(name: str) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(b"\0" + name[1:].encode() if name.startswith("@") else name)
    return s


def recv_frame(s: socket.socket) -> bytes:
    """One whole frame, or b"" on EOF."""
    head = _recv_exact(s, wire.HEADER_SIZE)
    if not head:
        return b""
    size = ffi.from_buffer("struct ais_ipc_header *", head).size
    return head + _recv_exact(s, size - wire.HEADER_SIZE)


def _recv_exact(s: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            return b""
        out += chunk
    return out


def header(frame: bytes) -> Any:
    return ffi.from_buffer("struct ais_ipc_header *", frame)


class RawClient:
    """One library handle: request and dispatch connection."""

    def __init__(self, name: str, service: int = C.AIS_SERVICE_CLM, dispatch: bool = True) -> None:
        self.req = connect_socket(name)
        res = self.connect(self.req, service, C.AIS_CONN_REQUEST)
        self.error = res.header.error
        self.conn_id, self.secret = res.conn_id, res.secret
        self.disp: socket.socket | None = None
        if dispatch and self.error == 1:
            self.disp = connect_socket(name)
            self.connect(self.disp, service, C.AIS_CONN_DISPATCH, self.conn_id, self.secret)
        self.context = 0

    @staticmethod
    def connect(s: socket.socket, service: int, conn_type: int, conn_id: int = 0, secret: int = 0) -> Any:
        req = wire.new("struct ais_req_connect")
        req.header.id = C.AIS_MSG_CONNECT
        req.ipc_version = C.AIS_IPC_VERSION
        req.service = service
        req.conn_type = conn_type
        req.conn_id = conn_id
        req.secret = secret
        s.sendall(wire.to_bytes(req))
        frame = recv_frame(s)
        return ffi.from_buffer("struct ais_res_connect *", frame)

    def call(self, msg: Any) -> bytes:
        self.context += 1
        msg.header.context = self.context
        self.req.sendall(wire.to_bytes(msg))
        frame = recv_frame(self.req)
        assert frame, "executive closed the request connection"
        assert header(frame).context == self.context
        return frame

    def node_get(self, node_id: int = 0xFFFFFFFF) -> tuple[int, Any]:
        req = wire.new("struct ais_req_clm_node_get")
        req.header.id = C.AIS_CLM_NODE_GET
        req.node_id = node_id
        frame = self.call(req)
        res = None
        if len(frame) > wire.HEADER_SIZE:
            res = ffi.from_buffer("struct ais_res_clm_node_get *", frame)
        return header(frame).error, res

    def close(self) -> None:
        for s in (self.req, self.disp):
            if s is not None:
                s.close()
