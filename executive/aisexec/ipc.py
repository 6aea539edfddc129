"""Library connections: the listening socket, peer credentials, framing, routing.

Every library handle opens two stream connections (see libsa/ipc_wire.h): a request
connection that gets exactly one response per request, and a dispatch connection that
carries callbacks.  A LibConnection is that pair, as the services see it.

Rule 5 of ARCHITECTURE.md: a malformed frame (too short, too long, unknown id, wrong
size for its id, a request on the dispatch connection, anything before CONNECT) closes
that connection pair only; the executive and every other client carry on.
"""

from __future__ import annotations

import abc
import asyncio
import grp
import os
import secrets
import socket
import stat
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import wire
from .logsys import get_logger
from .wire import C, ffi

log = get_logger("IPC")

SO_PEERGROUPS = getattr(socket, "SO_PEERGROUPS", 59)
_UCRED = struct.Struct("3i")
# the frame length, read where the one definition puts it (a frame is delimited
# before it is copied out of the receive buffer)
_FRAME_SIZE = wire.packer("struct ais_ipc_header", "size")

SA_AIS_OK = 1
SA_AIS_ERR_LIBRARY = 2
SA_AIS_ERR_ACCESS = 11
SA_AIS_ERR_BAD_HANDLE = 9


class Malformed(Exception):
    """A frame broke the protocol; the connection that sent it is closed."""


RequestFn = Callable[["LibConnection", Any, bytes], None]


@dataclass(frozen=True)
class Handler:
    """How one request id is handled: its struct and the function that serves it.

    A fixed-size request must be exactly sizeof(ctype); with `variable` it may be longer
    (a flexible tail) and the handler checks the tail against what the struct says."""

    ctype: str
    fn: RequestFn
    variable: bool = False
    noreply: bool = False  # the request may carry AIS_IPC_FLAG_NOREPLY (see ipc_wire.h)
    size: int = field(init=False)  # sizeof(ctype)
    ptype: Any = field(init=False)  # the cffi type "ctype *", parsed once

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", ffi.sizeof(self.ctype))
        object.__setattr__(self, "ptype", ffi.typeof(self.ctype + " *"))


class Service(abc.ABC):
    """Base of the per-service library handlers (CLM, CKPT, ...)."""

    service_id: int = -1
    name: str = "?"

    @abc.abstractmethod
    def handlers(self) -> dict[int, Handler]:
        """Request id -> Handler for the requests of this service's library."""

    def lib_init(self, conn: LibConnection) -> None:  # noqa: B027 (optional hook)
        """A library handle of this service connected."""

    def lib_exit(self, conn: LibConnection) -> None:  # noqa: B027 (optional hook)
        """The library handle went away (finalize, exit or crash)."""


@dataclass(eq=False)
class LibConnection:
    """One library handle: its request and dispatch streams and per-service state."""

    conn_id: int
    secret: int
    service: Service
    pid: int
    uid: int
    gid: int
    request: _Stream
    dispatch: _Stream | None = None
    closed: bool = False
    state: dict[str, Any] = field(default_factory=dict)
    _pending_callbacks: list[bytes] = field(default_factory=list)

    def respond(self, request_header: Any, error: int, msg: Any = None) -> None:
        """Answer a request: `msg` is a response struct from wire.new (or None for a bare
        header carrying only the error)."""
        if self.closed:
            return
        if msg is None:
            msg = ffi.new(wire.HEADER_P)
            hdr = msg
            hdr.size = wire.HEADER_SIZE
        else:
            hdr = msg.header
        hdr.id = request_header.id | C.AIS_MSG_RESPONSE
        hdr.error = error
        hdr.context = request_header.context
        self.request.write(ffi.buffer(msg, hdr.size)[:])

    def callback(self, msg: Any, error: int = SA_AIS_OK) -> None:
        """Queue a callback frame on the dispatch connection."""
        if self.closed:
            return
        msg.header.error = error
        msg.header.context = 0
        data = ffi.buffer(msg, msg.header.size)[:]
        if self.dispatch is None:
            self._pending_callbacks.append(data)
        else:
            self.dispatch.write(data)

    def hold(self) -> None:
        """Read no further requests of this handle until release() (a request without
        reply the cluster could not take yet: the socket fills, the library waits)."""
        self.request.hold()

    def release(self) -> None:
        self.request.release()

    def attach_dispatch(self, stream: _Stream) -> None:
        self.dispatch = stream
        for data in self._pending_callbacks:
            stream.write(data)
        self._pending_callbacks.clear()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for s in (self.request, self.dispatch):
            if s is not None:
                s.close()


class _Stream(asyncio.Protocol):
    """One accepted socket: reads frames, checks them, routes them."""

    def __init__(self, server: IpcServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        # made by the server's loop; kept: get_running_loop() costs a getpid()
        # system call per use
        self._loop = asyncio.get_running_loop()
        self._out: list[bytes | memoryview] = []
        self._corked = False
        self._held = False
        self.buf = bytearray()
        self.conn: LibConnection | None = None
        self.is_dispatch = False
        self.pid = self.uid = self.gid = -1
        self.groups: tuple[int, ...] = ()

    # -- asyncio.Protocol ---------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  (a stream transport)
        sock = transport.get_extra_info("socket")
        try:
            self.pid, self.uid, self.gid = _UCRED.unpack(
                sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size))
            raw = sock.getsockopt(socket.SOL_SOCKET, SO_PEERGROUPS, 1024)  # up to 256 groups
            self.groups = struct.unpack(f"{len(raw) // 4}I", raw)
        except OSError as e:
            log.debug("peer credentials: %s", e)
        self.server.streams.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.streams.discard(self)
        self.transport = None
        if self.conn is not None:
            self.server.connection_closed(self.conn)

    def data_received(self, data: bytes) -> None:
        try:
            if self.buf or self._held:
                self.buf += data
                self._drain()
            else:
                # the usual case, whole frames: taken from data itself (a frame
                # that is all of data is not even copied); only a rest is kept
                off = self._frames(data)
                if off < len(data):
                    self.buf += memoryview(data)[off:]
        except Exception as e:
            if isinstance(e, Malformed):
                log.warning("closing library connection (pid %d): %s", self.pid, e)
            else:  # a bug serving this request: it costs this connection, nothing else
                log.exception("closing library connection (pid %d) after an internal error", self.pid)
            self.buf.clear()
            if self.conn is not None:
                self.server.connection_closed(self.conn, orderly=False)
            self.close()

    # -- framing ------------------------------------------------------------
    def _drain(self) -> None:
        off = self._frames(self.buf)  # on an error the caller drops the buffer
        if off:
            del self.buf[:off]

    def _frames(self, src: bytes | bytearray) -> int:
        """Handle the whole frames at the start of src; returns the bytes used."""
        off = 0
        hsize = wire.HEADER_SIZE
        n = len(src)
        while n - off >= hsize and not self._held and self.transport is not None:
            (size,) = _FRAME_SIZE.unpack_from(src, off)
            if size < hsize or size > wire.MAX_FRAME:
                raise Malformed(f"frame size {size} out of bounds")
            if n - off < size:
                break
            # a bytes object of its own: handlers may keep views of it
            frame = src[off:off + size] if type(src) is bytes else bytes(memoryview(src)[off:off + size])
            off += size
            self._frame(ffi.from_buffer(wire.HEADER_P, frame), frame)
        return off

    def _frame(self, hdr: Any, frame: bytes) -> None:
        if self.conn is None:
            if hdr.id != C.AIS_MSG_CONNECT or len(frame) != wire.sizeof("struct ais_req_connect"):
                raise Malformed(f"expected CONNECT, got id {hdr.id} size {len(frame)}")
            self.server.connect(self, hdr, ffi.cast("struct ais_req_connect *", hdr))
            return
        if self.is_dispatch:
            raise Malformed(f"frame id {hdr.id} on a dispatch connection")
        conn = self.conn
        handler = self.server.routes.get((conn.service.service_id, hdr.id))
        if handler is None:
            raise Malformed(f"unknown request id {hdr.id:#x} for {conn.service.name}")
        expect = handler.size
        if len(frame) != expect and not (handler.variable and len(frame) > expect):
            raise Malformed(f"request {hdr.id:#x} has size {len(frame)}, expected {expect}")
        if hdr.flags & ~C.AIS_IPC_FLAG_NOREPLY or (hdr.flags and not handler.noreply):
            raise Malformed(f"request {hdr.id:#x} with flags {hdr.flags:#x}")
        handler.fn(conn, ffi.cast(handler.ptype, hdr), frame)

    # -- holding back requests -----------------------------------------------
    @property
    def held(self) -> bool:
        return self._held

    def hold(self) -> None:
        self._held = True
        if self.transport is not None:
            self.transport.pause_reading()

    def release(self) -> None:
        if not self._held:
            return
        self._held = False
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()
            if self.buf:  # requests that arrived before the hold
                self._loop.call_soon(self.data_received, b"")

    # -- output -------------------------------------------------------------
    def write(self, data: bytes | memoryview) -> None:
        """Send a frame.  The first frame of a turn of the loop leaves at once (a lone
        response is not delayed); the frames that follow it in the same turn are
        coalesced into one write at the end of the turn (a stream of callbacks costs
        one system call per turn, not one each)."""
        if self.transport is None or self.transport.is_closing():
            return
        if self._corked:
            self._out.append(data)
            return
        self.transport.write(data)
        self._corked = True
        self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._corked = False
        out, self._out = self._out, []
        if self.transport is not None and not self.transport.is_closing() and out:
            self.transport.write(out[0] if len(out) == 1 else b"".join(out))

    def close(self) -> None:
        self._flush()
        if self.transport is not None:
            self.transport.close()


class IpcServer:
    """The executive's library socket."""

    def __init__(self, services: list[Service], socket_name: str | None, ipc_group: str) -> None:
        self.services = {s.service_id: s for s in services}
        self.routes: dict[tuple[int, int], Handler] = {}
        for s in services:
            for msg_id, h in s.handlers().items():
                self.routes[(s.service_id, msg_id)] = h
        self.socket_name = socket_name or wire.IPC_SOCKET_DEFAULT
        try:
            self.ipc_gid: int | None = grp.getgrnam(ipc_group).gr_gid
        except KeyError:
            self.ipc_gid = None
            log.info("group %r does not exist: only root may connect", ipc_group)
        self.conns: dict[int, LibConnection] = {}
        self.streams: set[_Stream] = set()
        self._server: asyncio.AbstractServer | None = None
        self._sock: socket.socket | None = None
        self._path: str | None = None

    def bind(self) -> None:
        """Take the socket name (refusing to start if another executive has it), without
        accepting yet: until start(), libraries get "connection refused" (TRY_AGAIN)."""
        if self._sock is None:
            self._sock = self._bind()

    async def start(self) -> None:
        self.bind()
        assert self._sock is not None
        self._sock.listen(128)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_unix_server(lambda: _Stream(self), sock=self._sock)
        log.info("listening for libraries on %s", self.socket_name)

    def _bind(self) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        name = self.socket_name
        try:
            if name.startswith("@"):
                addr: str | bytes = b"\0" + name[1:].encode()
            else:
                addr = name
                self._remove_stale_path(name)
            try:
                sock.bind(addr)
            except OSError as e:
                raise RuntimeError(
                    f"cannot listen on {name}: {e.strerror} (is another aisexec running here?)") from e
            if not name.startswith("@"):
                self._path = name
                os.chmod(name, 0o777)  # credentials, not file modes, decide who may connect
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        return sock

    @staticmethod
    def _remove_stale_path(path: str) -> None:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        if not stat.S_ISSOCK(st.st_mode):
            raise RuntimeError(f"cannot listen on {path}: exists and is not a socket")
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
        except OSError:
            os.unlink(path)  # nobody listens: left over from a crash
            return
        finally:
            probe.close()
        raise RuntimeError(f"cannot listen on {path}: another aisexec is running there")

    async def stop(self) -> None:
        for conn in list(self.conns.values()):
            self.connection_closed(conn, orderly=False)
        for s in list(self.streams):
            s.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        elif self._sock is not None:
            self._sock.close()
        self._sock = None
        if self._path is not None:
            try:
                os.unlink(self._path)
            except OSError:
                pass
            self._path = None

    # -- connection setup ---------------------------------------------------
    def _allowed(self, s: _Stream) -> bool:
        if s.uid == 0:
            return True
        return self.ipc_gid is not None and (s.gid == self.ipc_gid or self.ipc_gid in s.groups)

    def connect(self, s: _Stream, hdr: Any, req: Any) -> None:
        res = wire.new("struct ais_res_connect")
        res.header.id = C.AIS_MSG_CONNECT | C.AIS_MSG_RESPONSE
        res.header.context = hdr.context

        def refuse(error: int, why: str) -> None:
            log.warning("refusing library connection from pid %d uid %d: %s", s.pid, s.uid, why)
            res.header.error = error
            s.write(ffi.buffer(res)[:])
            s.close()

        if not self._allowed(s):
            return refuse(SA_AIS_ERR_ACCESS, "not root and not in the ipc group")
        if req.ipc_version != C.AIS_IPC_VERSION:
            return refuse(SA_AIS_ERR_LIBRARY, f"IPC version {req.ipc_version}")
        service = self.services.get(req.service)
        if service is None:
            return refuse(SA_AIS_ERR_LIBRARY, f"unknown service {req.service}")
        if req.conn_type == C.AIS_CONN_REQUEST:
            conn_id = secrets.randbits(63) | 1
            while conn_id in self.conns:
                conn_id = secrets.randbits(63) | 1
            conn = LibConnection(conn_id=conn_id, secret=secrets.randbits(64), service=service,
                                 pid=s.pid, uid=s.uid, gid=s.gid, request=s)
            s.conn = conn
            self.conns[conn_id] = conn
            res.conn_id, res.secret = conn.conn_id, conn.secret
            res.header.error = SA_AIS_OK
            s.write(ffi.buffer(res)[:])
            log.debug("library connection %x for %s from pid %d", conn_id, service.name, s.pid)
            service.lib_init(conn)
        elif req.conn_type == C.AIS_CONN_DISPATCH:
            conn = self.conns.get(req.conn_id)
            if (conn is None or conn.closed or conn.secret != req.secret or conn.dispatch is not None
                    or conn.service is not service or conn.uid != s.uid):
                return refuse(SA_AIS_ERR_BAD_HANDLE, "dispatch connection matches no request connection")
            s.conn = conn
            s.is_dispatch = True
            res.conn_id, res.secret = conn.conn_id, 0
            res.header.error = SA_AIS_OK
            s.write(ffi.buffer(res)[:])
            conn.attach_dispatch(s)
        else:
            refuse(SA_AIS_ERR_LIBRARY, f"unknown connection type {req.conn_type}")

    def connection_closed(self, conn: LibConnection, orderly: bool = True) -> None:
        req = conn.request
        if orderly and req.transport is not None and not req.transport.is_closing():
            # The dispatch socket ended first, the request socket is still open: the
            # library may have left requests it counts as sent (AIS_IPC_FLAG_NOREPLY) in
            # it, unread yet or held back while the cluster is busy.  They are read and
            # served first; the request stream's end finishes the teardown.
            if conn.dispatch is not None:
                conn.dispatch.close()
            return
        if self.conns.pop(conn.conn_id, None) is None:
            return
        conn.close()
        try:
            conn.service.lib_exit(conn)
        except Exception:  # a service bug must not take the executive down
            log.exception("%s: lib_exit failed", conn.service.name)
