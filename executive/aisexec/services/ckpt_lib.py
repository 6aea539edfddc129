"""CKPT library requests: what the executive does when a libSaCkpt request arrives.

A handler checks what only this node can know (the open id belongs to this
connection, the open mode allows the operation, the arguments are well formed) and
answers those errors at once.  Every change of the replicated state is multicast
(the request frame as it came, after a struct ais_ckpt_x_header that carries this
connection, a fresh id where one is needed and the time) and answered when it is
delivered here (ckpt_apply.py).  Reads, status and section iteration only look at
the local replica, which holds every delivered update.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import wire
from ..ipc import Handler, LibConnection
from ..wire import C, ffi
from . import ckpt_codec as codec
from .ckpt_state import (
    ERR_ACCESS,
    ERR_BAD_FLAGS,
    ERR_BAD_HANDLE,
    ERR_INVALID_PARAM,
    ERR_NO_RESOURCES,
    ERR_NOT_EXIST,
    ERR_TRY_AGAIN,
    OK,
    OPEN_ALL,
    OPEN_CREATE,
    OPEN_READ,
    OPEN_WRITE,
    SECTIONS_ANY,
    SECTIONS_FOREVER,
    Checkpoint,
    CkptState,
)

if TYPE_CHECKING:
    from .ckpt import CkptService

Fn = Callable[[LibConnection, Any, bytes], None]

_SIZES = {name: ffi.sizeof(name) for name in (
    "struct ais_req_ckpt_section_create", "struct ais_req_ckpt_section", "struct ais_req_ckpt_io",
    "struct ais_req_ckpt_overwrite", "struct ais_res_ckpt_io", "struct ais_res_ckpt_iter",
    "struct ais_res_ckpt_section_create")}


def new_id() -> int:
    return secrets.randbits(63) | 1


class CkptLib:
    def __init__(self, svc: CkptService) -> None:
        self.svc = svc

    @property
    def state(self) -> CkptState:
        return self.svc.state

    def handlers(self) -> dict[int, Handler]:
        g = self.svc.gated
        return {
            C.AIS_CKPT_OPEN: Handler("struct ais_req_ckpt_open", g(self.open)),
            C.AIS_CKPT_CLOSE: Handler("struct ais_req_ckpt_opened", g(self.close)),
            C.AIS_CKPT_UNLINK: Handler("struct ais_req_ckpt_unlink", g(self.unlink)),
            C.AIS_CKPT_RETENTION_SET: Handler("struct ais_req_ckpt_retention_set", g(self.retention_set)),
            C.AIS_CKPT_ACTIVE_REPLICA_SET: Handler("struct ais_req_ckpt_opened", g(self.active_replica_set)),
            C.AIS_CKPT_STATUS_GET: Handler("struct ais_req_ckpt_opened", g(self.status_get)),
            C.AIS_CKPT_SECTION_CREATE: Handler("struct ais_req_ckpt_section_create",
                                               g(self.section_create), variable=True),
            C.AIS_CKPT_SECTION_DELETE: Handler("struct ais_req_ckpt_section", g(self.section_id_op),
                                               variable=True),
            C.AIS_CKPT_EXPIRATION_SET: Handler("struct ais_req_ckpt_section", g(self.section_id_op),
                                               variable=True),
            C.AIS_CKPT_ITER_INIT: Handler("struct ais_req_ckpt_iter", g(self.iter_init)),
            C.AIS_CKPT_WRITE: Handler("struct ais_req_ckpt_io", g(self.write), variable=True),
            C.AIS_CKPT_OVERWRITE: Handler("struct ais_req_ckpt_overwrite", g(self.overwrite), variable=True),
            C.AIS_CKPT_READ: Handler("struct ais_req_ckpt_io", g(self.read), variable=True),
            C.AIS_CKPT_SYNCHRONIZE: Handler("struct ais_req_ckpt_synchronize", g(self.synchronize)),
        }

    # -- helpers ------------------------------------------------------------
    def _forward(self, conn: LibConnection, req: Any, frame: bytes, fresh: int = 0,
                 answer_now: bool = False) -> None:
        """Multicast the request; answered on delivery (or now, for async calls)."""
        payload = codec.x_header(C.AIS_CKPT_X_REQUEST, conn.conn_id, fresh, self.svc.clock.now()) + frame
        if not self.svc.send(payload):
            return conn.respond(req.header, ERR_TRY_AGAIN)
        if answer_now:
            conn.respond(req.header, OK)

    def _opened(self, conn: LibConnection, open_id: int, need: int = 0) -> tuple[int, Checkpoint | None]:
        found = self.state.opener(self.svc.local, conn.conn_id, open_id)
        if found is None:
            return ERR_BAD_HANDLE, None
        ckpt, op = found
        if need and not op.flags & need:
            return ERR_ACCESS, None
        return OK, ckpt

    def _check_opened(self, conn: LibConnection, req: Any, need: int = 0) -> bool:
        err, _ = self._opened(conn, req.open_id, need)
        if err != OK:
            conn.respond(req.header, err)
            return False
        return True

    # -- checkpoints ---------------------------------------------------------
    def open(self, conn: LibConnection, req: Any, frame: bytes) -> None:
        flags = req.open_flags
        if req.name.length > 256:
            return conn.respond(req.header, ERR_INVALID_PARAM)
        if flags & ~OPEN_ALL:
            return conn.respond(req.header, ERR_BAD_FLAGS)
        if bool(flags & OPEN_CREATE) != bool(req.attrs_set):
            return conn.respond(req.header, ERR_INVALID_PARAM)
        if req.attrs_set:
            err = codec.attrs_of(req.attrs).error()
            if err != OK:
                return conn.respond(req.header, err)
        conn.state["ckpt_opened"] = True  # from now on its exit must close what it opened
        self._forward(conn, req, frame, new_id(), answer_now=bool(req.options & C.AIS_CKPT_OPEN_ASYNC))

    def close(self, conn: LibConnection, req: Any, frame: bytes) -> None:
        if self._check_opened(conn, req):
            self._forward(conn, req, frame)

    def unlink(self, conn: LibConnection, req: Any, frame: bytes) -> None:
        if req.name.length > 256:
            return conn.respond(req.header, ERR_INVALID_PARAM)
        self._forward(conn, req, frame)

    def retention_set(self, conn: LibConnection, req: Any, frame: bytes) -> None:
        if req.retention_duration < 0:
            return conn.respond(req.header, ERR_INVALID_PARAM)
        if self._check_opened(conn, req):
            self._forward(conn, req, frame)

    def active_replica_set(self, conn: LibConnection, req: Any, frame: bytes) -> None:
        if self._check_opened(conn, req, OPEN_WRITE):
            self._forward(conn, req, frame)

    def synchronize(self, conn: LibConnection, req: Any, frame: bytes) -> None:
        if self._check_opened(conn, req, OPEN_WRITE):
            self._forward(conn, req, frame, answer_now=bool(req.options & C.AIS_CKPT_SYNC_ASYNC))

    def status_get(self, conn: LibConnection, req: Any, frame: bytes) -> None:
        err, ckpt = self._opened(conn, req.open_id)
        if ckpt is None:
            return conn.respond(req.header, err)
        res = wire.new("struct ais_res_ckpt_status")
        codec.set_attrs(res.attrs, ckpt.attrs)
        res.number_of_sections = len(ckpt.sections)
        res.memory_used = min(ckpt.used, 0xFFFFFFFF)
        conn.respond(req.header, OK, res)

    # -- sections ------------------------------------------------------------
    def section_create(self, conn: LibConnection, req: Any, frame: bytes) -> None:
        mv = memoryview(frame)
        fixed = _SIZES["struct ais_req_ckpt_section_create"]
        _, off = codec.take(mv, fixed, req.id_len)
        _, off = codec.take(mv, off, req.data_size)
        codec.expect_end(mv, off)
        if self._check_opened(conn, req, OPEN_WRITE):
            self._forward(conn, req, frame)

    def section_id_op(self, conn: LibConnection, req: Any, frame: bytes) -> None:
        mv = memoryview(frame)
        _, off = codec.take(mv, _SIZES["struct ais_req_ckpt_section"], req.id_len)
        codec.expect_end(mv, off)
        if self._check_opened(conn, req, OPEN_WRITE):
            self._forward(conn, req, frame)

    def iter_init(self, conn: LibConnection, req: Any, frame: bytes) -> None:
        if not SECTIONS_FOREVER <= req.sections_chosen <= SECTIONS_ANY:
            return conn.respond(req.header, ERR_INVALID_PARAM)
        err, ckpt = self._opened(conn, req.open_id)
        if ckpt is None:
            return conn.respond(req.header, err)
        chosen = list(self.state.chosen(ckpt, req.sections_chosen, req.expiration_time))
        fixed = _SIZES["struct ais_res_ckpt_iter"]
        dsize = codec.DESC_SIZE
        buf = bytearray(fixed + sum(dsize + codec.padded(len(s.id)) for s in chosen))
        off = fixed
        for sec in chosen:
            d = ffi.from_buffer("struct ais_ckpt_section_desc *", memoryview(buf)[off:off + dsize])
            d.expiration_time = sec.expiration
            d.last_update = sec.last_update
            d.section_size = len(sec.data)
            d.section_state = 1
            d.id_len = len(sec.id)
            off += dsize
            buf[off:off + len(sec.id)] = sec.id
            off += codec.padded(len(sec.id))
        res = ffi.from_buffer("struct ais_res_ckpt_iter *", buf)
        res.header.size = len(buf)
        res.count = len(chosen)
        conn.respond(req.header, OK, res)

    # -- data ----------------------------------------------------------------
    def write(self, conn: LibConnection, req: Any, frame: bytes) -> None:
        codec.write_elements(memoryview(frame), _SIZES["struct ais_req_ckpt_io"], req.count)
        if req.count == 0:
            return conn.respond(req.header, ERR_INVALID_PARAM)
        if self._check_opened(conn, req, OPEN_WRITE):
            self._forward(conn, req, frame)

    def overwrite(self, conn: LibConnection, req: Any, frame: bytes) -> None:
        mv = memoryview(frame)
        _, off = codec.take(mv, _SIZES["struct ais_req_ckpt_overwrite"], req.id_len)
        _, off = codec.take(mv, off, req.data_size)
        codec.expect_end(mv, off)
        if self._check_opened(conn, req, OPEN_WRITE):
            self._forward(conn, req, frame)

    def read(self, conn: LibConnection, req: Any, frame: bytes) -> None:
        elements = codec.read_elements(memoryview(frame), _SIZES["struct ais_req_ckpt_io"], req.count)
        err, ckpt = self._opened(conn, req.open_id, OPEN_READ)
        if ckpt is None:
            return conn.respond(req.header, err)
        if not elements:
            return conn.respond(req.header, ERR_INVALID_PARAM)
        if not ckpt.has_active_replica():
            return conn.respond(req.header, ERR_NOT_EXIST)
        parts = []
        err, index = OK, 0
        for i, (sid, offset, size) in enumerate(elements):
            e, data = self.state.read(ckpt, sid, offset, size)
            if e != OK:
                err, index = e, i
                break
            parts.append(data)
        fixed = _SIZES["struct ais_res_ckpt_io"]
        n = len(parts)
        size = fixed + 8 * n + sum(codec.padded(len(p)) for p in parts)
        if size > wire.MAX_FRAME:
            return conn.respond(req.header, ERR_NO_RESOURCES)  # more than one answer can carry
        buf = bytearray(size)
        res = ffi.from_buffer("struct ais_res_ckpt_io *", buf)
        res.header.size = len(buf)
        res.error_index = index
        res.count = n
        if n:
            sizes = ffi.from_buffer("uint64_t[]", memoryview(buf)[fixed:fixed + 8 * n])
            off = fixed + 8 * n
            for i, p in enumerate(parts):
                sizes[i] = len(p)
                buf[off:off + len(p)] = p
                off += codec.padded(len(p))
        conn.respond(req.header, err, res)

