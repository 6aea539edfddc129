"""CKPT delivery: apply one delivered cluster message to the replica, on every member,
and answer the library on the member that sent it (its connection id and the
request's context travel in the message).  Deterministic: everything used comes from
the message and the replica."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import wire
from ..wire import C, ffi
from . import ckpt_codec as codec
from .ckpt_state import OK

if TYPE_CHECKING:
    from ..ipc import LibConnection
    from .ckpt import CkptService

_FIXED = {name: ffi.sizeof(name) for name in (
    "struct ais_req_ckpt_section_create", "struct ais_req_ckpt_section", "struct ais_req_ckpt_io",
    "struct ais_req_ckpt_overwrite", "struct ais_ckpt_x_section_expire")}
_REQ_IO_P = ffi.typeof("struct ais_req_ckpt_io *")  # parsed once: every write takes it


class CkptApply:
    def __init__(self, svc: CkptService) -> None:
        self.svc = svc
        self.requests = {
            C.AIS_CKPT_OPEN: self.open,
            C.AIS_CKPT_CLOSE: self.close,
            C.AIS_CKPT_UNLINK: self.unlink,
            C.AIS_CKPT_RETENTION_SET: self.retention_set,
            C.AIS_CKPT_ACTIVE_REPLICA_SET: self.active_replica_set,
            C.AIS_CKPT_SECTION_CREATE: self.section_create,
            C.AIS_CKPT_SECTION_DELETE: self.section_delete,
            C.AIS_CKPT_EXPIRATION_SET: self.expiration_set,
            C.AIS_CKPT_WRITE: self.write,
            C.AIS_CKPT_OVERWRITE: self.overwrite,
            C.AIS_CKPT_SYNCHRONIZE: self.synchronize,
        }

    def deliver(self, origin: int, xh: Any, body: memoryview) -> None:
        t = xh.type
        state = self.svc.state
        if t == C.AIS_CKPT_X_REQUEST:
            hdr = ffi.from_buffer(wire.HEADER_P, body)
            fn = self.requests.get(hdr.id)
            if fn is None:
                raise ValueError(f"request id {hdr.id:#x} in a cluster message")
            conn = self.svc.conns.get(xh.conn_id) if origin == self.svc.local else None
            fn(origin, xh, body, conn)
        elif t == C.AIS_CKPT_X_CONN_EXIT:
            state.conn_exit(origin, xh.conn_id, xh.now)
        elif t == C.AIS_CKPT_X_RETENTION_EXPIRE:
            m = ffi.from_buffer("struct ais_ckpt_x_retention_expire *", body)
            state.retention_expire(m.ckpt_id, m.deadline)
        elif t == C.AIS_CKPT_X_SECTION_EXPIRE:
            m = ffi.from_buffer("struct ais_ckpt_x_section_expire *", body)
            sid, off = codec.one_id(body, _FIXED["struct ais_ckpt_x_section_expire"], m.id_len)
            codec.expect_end(body, off)
            state.section_expire(m.ckpt_id, sid, m.expiration_time)
        else:
            raise ValueError(f"cluster message type {t}")

    # -- requests -------------------------------------------------------------
    @staticmethod
    def _answer(conn: LibConnection | None, req: Any, err: int, msg: Any = None) -> None:
        if conn is not None:
            conn.respond(req.header, err, msg if err == OK else None)

    def open(self, origin: int, xh: Any, body: memoryview, conn: LibConnection | None) -> None:
        req = ffi.from_buffer("struct ais_req_ckpt_open *", body)
        attrs = codec.attrs_of(req.attrs) if req.attrs_set else None
        err, ckpt = self.svc.state.open(origin, xh.conn_id, xh.new_id, xh.new_id, codec.name_of(req.name),
                                        req.open_flags, attrs, xh.now)
        if conn is None:
            if err == OK and origin == self.svc.local:
                # Our library connection closed before its open took effect (its
                # exit's cleanup went out before this open was delivered): close it.
                self.svc.send(codec.x_header(C.AIS_CKPT_X_CONN_EXIT, xh.conn_id, 0, self.svc.clock.now()))
            return
        ckpt_id = ckpt.ckpt_id if ckpt is not None else 0
        if req.options & C.AIS_CKPT_OPEN_ASYNC:
            cb = wire.new("struct ais_cb_ckpt_open")
            cb.header.id = C.AIS_CKPT_CB_OPEN
            cb.invocation = req.invocation
            cb.handle = req.handle
            if err == OK:
                cb.open_id = xh.new_id
                cb.ckpt_id = ckpt_id
            conn.callback(cb, err)
            return
        res = wire.new("struct ais_res_ckpt_open")
        res.open_id = xh.new_id
        res.ckpt_id = ckpt_id
        self._answer(conn, req, err, res)

    def close(self, origin: int, xh: Any, body: memoryview, conn: LibConnection | None) -> None:
        req = ffi.from_buffer("struct ais_req_ckpt_opened *", body)
        self._answer(conn, req, self.svc.state.close(origin, xh.conn_id, req.open_id, xh.now))

    def unlink(self, origin: int, xh: Any, body: memoryview, conn: LibConnection | None) -> None:
        req = ffi.from_buffer("struct ais_req_ckpt_unlink *", body)
        self._answer(conn, req, self.svc.state.unlink(codec.name_of(req.name)))

    def retention_set(self, origin: int, xh: Any, body: memoryview, conn: LibConnection | None) -> None:
        req = ffi.from_buffer("struct ais_req_ckpt_retention_set *", body)
        err = self.svc.state.retention_set(origin, xh.conn_id, req.open_id, req.retention_duration)
        self._answer(conn, req, err)

    def active_replica_set(self, origin: int, xh: Any, body: memoryview, conn: LibConnection | None) -> None:
        req = ffi.from_buffer("struct ais_req_ckpt_opened *", body)
        self._answer(conn, req, self.svc.state.active_replica_set(origin, xh.conn_id, req.open_id))

    def synchronize(self, origin: int, xh: Any, body: memoryview, conn: LibConnection | None) -> None:
        req = ffi.from_buffer("struct ais_req_ckpt_synchronize *", body)
        err = self.svc.state.synchronize(origin, xh.conn_id, req.open_id)
        if conn is None:
            return
        if req.options & C.AIS_CKPT_SYNC_ASYNC:
            cb = wire.new("struct ais_cb_ckpt_synchronize")
            cb.header.id = C.AIS_CKPT_CB_SYNCHRONIZE
            cb.invocation = req.invocation
            conn.callback(cb, err)
        else:
            self._answer(conn, req, err)

    def section_create(self, origin: int, xh: Any, body: memoryview, conn: LibConnection | None) -> None:
        req = ffi.from_buffer("struct ais_req_ckpt_section_create *", body)
        sid_view, off = codec.take(body, _FIXED["struct ais_req_ckpt_section_create"], req.id_len)
        data, off = codec.take(body, off, req.data_size)
        codec.expect_end(body, off)
        sid = None if req.options & C.AIS_CKPT_SECTION_GENERATED else bytes(sid_view)
        err, made = self.svc.state.section_create(origin, xh.conn_id, req.open_id, sid,
                                                  req.expiration_time, data, xh.now)
        if conn is None:
            return
        fixed = ffi.sizeof("struct ais_res_ckpt_section_create")
        buf = bytearray(fixed + codec.padded(len(made)))
        buf[fixed:fixed + len(made)] = made
        res = ffi.from_buffer("struct ais_res_ckpt_section_create *", buf)
        res.header.size = len(buf)
        res.id_len = len(made)
        self._answer(conn, req, err, res)

    def _section_req(self, body: memoryview) -> tuple[Any, bytes]:
        req = ffi.from_buffer("struct ais_req_ckpt_section *", body)
        sid, off = codec.one_id(body, _FIXED["struct ais_req_ckpt_section"], req.id_len)
        codec.expect_end(body, off)
        return req, sid

    def section_delete(self, origin: int, xh: Any, body: memoryview, conn: LibConnection | None) -> None:
        req, sid = self._section_req(body)
        self._answer(conn, req, self.svc.state.section_delete(origin, xh.conn_id, req.open_id, sid))

    def expiration_set(self, origin: int, xh: Any, body: memoryview, conn: LibConnection | None) -> None:
        req, sid = self._section_req(body)
        err = self.svc.state.expiration_set(origin, xh.conn_id, req.open_id, sid, req.expiration_time)
        self._answer(conn, req, err)

    def write(self, origin: int, xh: Any, body: memoryview, conn: LibConnection | None) -> None:
        req = ffi.from_buffer(_REQ_IO_P, body)
        elements = codec.write_elements(body, _FIXED["struct ais_req_ckpt_io"], req.count)
        err, index = self.svc.state.write(origin, xh.conn_id, req.open_id, elements, xh.now)
        if conn is None:
            return
        res = wire.new("struct ais_res_ckpt_io")
        res.error_index = index
        conn.respond(req.header, err, res)

    def overwrite(self, origin: int, xh: Any, body: memoryview, conn: LibConnection | None) -> None:
        req = ffi.from_buffer("struct ais_req_ckpt_overwrite *", body)
        sid, off = codec.one_id(body, _FIXED["struct ais_req_ckpt_overwrite"], req.id_len)
        data, off = codec.take(body, off, req.data_size)
        codec.expect_end(body, off)
        self._answer(conn, req, self.svc.state.overwrite(origin, xh.conn_id, req.open_id, sid, data, xh.now))
