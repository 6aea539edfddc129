"""Helpers for the simulated-cluster CKPT tests: a fake library connection and a
client that drives a CkptService through the same request frames libSaCkpt sends."""

from __future__ import annotations

import itertools
from typing import Any

from aisexec import wire
from aisexec.services import ckpt_codec as codec
from aisexec.services.ckpt import CkptService
from aisexec.services.ckpt_state import Attrs
from aisexec.wire import C, ffi
from simcluster import SimClock, SimNet

_conn_ids = itertools.count(1000)


class FakeConn:
    def __init__(self) -> None:
        self.conn_id = next(_conn_ids)
        self.state: dict[str, Any] = {}
        self.closed = False
        self.responses: list[tuple[int, int, bytes]] = []  # (context, error, frame)
        self.callbacks: list[tuple[int, int, bytes]] = []  # (id, error, frame)

    def respond(self, request_header: Any, error: int, msg: Any = None) -> None:
        data = b"" if msg is None else bytes(ffi.buffer(msg, msg.header.size))
        self.responses.append((request_header.context, error, data))

    def callback(self, msg: Any, error: int = 1) -> None:
        self.callbacks.append((msg.header.id, error, bytes(ffi.buffer(msg, msg.header.size))))

    def close(self) -> None:
        self.closed = True


def attrs(flags: int = 1, size: int | None = None, retention: int = 10**12, sections: int = 100,
          section_size: int = 1 << 16, id_size: int = 32) -> Attrs:
    if size is None:
        size = min(1 << 20, sections * section_size)
    return Attrs(flags, size, retention, sections, section_size, id_size)


def _pad(b: bytes) -> bytes:
    return b + bytes(codec.padded(len(b)) - len(b))


class Client:
    """One library connection on one node."""

    def __init__(self, svc: CkptService, net: SimNet) -> None:
        self.svc = svc
        self.net = net
        self.conn = FakeConn()
        svc.lib_init(self.conn)  # type: ignore[arg-type]
        self.ctx = 0

    def call(self, msg_id: int, ctype: str, frame: bytes | bytearray, run: bool = True) -> tuple[int, bytes]:
        """Send a request; with run, let the cluster deliver and return the answer."""
        self.ctx += 1
        buf = bytearray(frame)
        hdr = ffi.from_buffer("struct ais_ipc_header *", buf)
        hdr.size, hdr.id, hdr.context = len(buf), msg_id, self.ctx
        frame = bytes(buf)
        handler = self.svc.handlers()[msg_id]
        handler.fn(self.conn, ffi.from_buffer(ctype + " *", frame), frame)  # type: ignore[arg-type]
        if not run:
            return 0, b""
        self.net.run()
        return self.answer(self.ctx)

    def answer(self, ctx: int) -> tuple[int, bytes]:
        for c, err, data in self.conn.responses:
            if c == ctx:
                return err, data
        raise AssertionError(f"no answer to request {ctx}")

    def exit(self) -> None:
        self.conn.closed = True
        self.svc.lib_exit(self.conn)  # type: ignore[arg-type]

    # -- requests -------------------------------------------------------------
    def open(self, name: bytes, flags: int = 3, a: Attrs | None = None, run: bool = True) -> tuple[int, int]:
        req = wire.new("struct ais_req_ckpt_open")
        codec.set_name(req.name, name)
        req.open_flags = flags | (4 if a is not None else 0)
        if a is not None:
            req.attrs_set = 1
            codec.set_attrs(req.attrs, a)
        err, data = self.call(C.AIS_CKPT_OPEN, "struct ais_req_ckpt_open", wire.to_bytes(req), run)
        if not run or err != 1:
            return err, 0
        return err, ffi.from_buffer("struct ais_res_ckpt_open *", data).open_id

    def _opened(self, msg_id: int, open_id: int) -> int:
        req = wire.new("struct ais_req_ckpt_opened")
        req.open_id = open_id
        return self.call(msg_id, "struct ais_req_ckpt_opened", wire.to_bytes(req))[0]

    def close(self, open_id: int) -> int:
        return self._opened(C.AIS_CKPT_CLOSE, open_id)

    def active_replica_set(self, open_id: int) -> int:
        return self._opened(C.AIS_CKPT_ACTIVE_REPLICA_SET, open_id)

    def status(self, open_id: int) -> tuple[int, Any]:
        req = wire.new("struct ais_req_ckpt_opened")
        req.open_id = open_id
        err, data = self.call(C.AIS_CKPT_STATUS_GET, "struct ais_req_ckpt_opened", wire.to_bytes(req))
        return err, (ffi.from_buffer("struct ais_res_ckpt_status *", data) if err == 1 else None)

    def unlink(self, name: bytes) -> int:
        req = wire.new("struct ais_req_ckpt_unlink")
        codec.set_name(req.name, name)
        return self.call(C.AIS_CKPT_UNLINK, "struct ais_req_ckpt_unlink", wire.to_bytes(req))[0]

    def retention_set(self, open_id: int, duration: int) -> int:
        req = wire.new("struct ais_req_ckpt_retention_set")
        req.open_id = open_id
        req.retention_duration = duration
        return self.call(C.AIS_CKPT_RETENTION_SET, "struct ais_req_ckpt_retention_set", wire.to_bytes(req))[0]

    def create(self, open_id: int, sid: bytes | None, data: bytes = b"",
               expiration: int = 0x7FFFFFFFFFFFFFFF) -> tuple[int, bytes]:
        req = wire.new("struct ais_req_ckpt_section_create")
        req.open_id = open_id
        req.expiration_time = expiration
        req.data_size = len(data)
        req.id_len = len(sid or b"")
        req.options = C.AIS_CKPT_SECTION_GENERATED if sid is None else 0
        frame = wire.to_bytes(req) + _pad(sid or b"") + _pad(data)
        err, res = self.call(C.AIS_CKPT_SECTION_CREATE, "struct ais_req_ckpt_section_create", frame)
        if err != 1:
            return err, b""
        n = ffi.from_buffer("struct ais_res_ckpt_section_create *", res).id_len
        fixed = ffi.sizeof("struct ais_res_ckpt_section_create")
        return err, res[fixed:fixed + n]

    def _section(self, msg_id: int, open_id: int, sid: bytes, expiration: int = 0) -> int:
        req = wire.new("struct ais_req_ckpt_section")
        req.open_id = open_id
        req.expiration_time = expiration
        req.id_len = len(sid)
        return self.call(msg_id, "struct ais_req_ckpt_section", wire.to_bytes(req) + _pad(sid))[0]

    def delete(self, open_id: int, sid: bytes) -> int:
        return self._section(C.AIS_CKPT_SECTION_DELETE, open_id, sid)

    def expiration_set(self, open_id: int, sid: bytes, when: int) -> int:
        return self._section(C.AIS_CKPT_EXPIRATION_SET, open_id, sid, when)

    def write(self, open_id: int, elements: list[tuple[bytes, int, bytes]],
              run: bool = True) -> tuple[int, int]:
        req = wire.new("struct ais_req_ckpt_io")
        req.open_id = open_id
        req.count = len(elements)
        parts = [wire.to_bytes(req)]
        for sid, off, data in elements:
            io = ffi.new("struct ais_ckpt_io *",
                         {"data_offset": off, "data_size": len(data), "id_len": len(sid)})
            parts += [ffi.buffer(io)[:], _pad(sid), _pad(data)]
        err, res = self.call(C.AIS_CKPT_WRITE, "struct ais_req_ckpt_io", b"".join(parts), run)
        if not run:
            return 0, 0
        return err, ffi.from_buffer("struct ais_res_ckpt_io *", res).error_index if res else 0

    def overwrite(self, open_id: int, sid: bytes, data: bytes) -> int:
        req = wire.new("struct ais_req_ckpt_overwrite")
        req.open_id = open_id
        req.data_size = len(data)
        req.id_len = len(sid)
        frame = wire.to_bytes(req) + _pad(sid) + _pad(data)
        return self.call(C.AIS_CKPT_OVERWRITE, "struct ais_req_ckpt_overwrite", frame)[0]

    def read(self, open_id: int, sid: bytes, offset: int = 0, size: int | None = None) -> tuple[int, bytes]:
        req = wire.new("struct ais_req_ckpt_io")
        req.open_id = open_id
        req.count = 1
        io = ffi.new("struct ais_ckpt_io *", {"data_offset": offset, "data_size": size or 0,
                                              "id_len": len(sid),
                                              "flags": C.AIS_CKPT_IO_TO_END if size is None else 0})
        frame = wire.to_bytes(req) + ffi.buffer(io)[:] + _pad(sid)
        err, res = self.call(C.AIS_CKPT_READ, "struct ais_req_ckpt_io", frame)
        if err != 1:
            return err, b""
        fixed = ffi.sizeof("struct ais_res_ckpt_io")
        n = int.from_bytes(res[fixed:fixed + 8], "little")
        return err, res[fixed + 8:fixed + 8 + n]

    def sections(self, open_id: int, chosen: int = 5, when: int = 0) -> list[bytes]:
        req = wire.new("struct ais_req_ckpt_iter")
        req.open_id = open_id
        req.sections_chosen = chosen
        req.expiration_time = when
        err, res = self.call(C.AIS_CKPT_ITER_INIT, "struct ais_req_ckpt_iter", wire.to_bytes(req))
        assert err == 1, err
        count = ffi.from_buffer("struct ais_res_ckpt_iter *", res).count
        off = ffi.sizeof("struct ais_res_ckpt_iter")
        ids = []
        for _ in range(count):
            d = ffi.from_buffer("struct ais_ckpt_section_desc *", res[off:off + codec.DESC_SIZE])
            off += codec.DESC_SIZE
            ids.append(res[off:off + d.id_len])
            off += codec.padded(d.id_len)
        return ids

    def synchronize(self, open_id: int) -> int:
        req = wire.new("struct ais_req_ckpt_synchronize")
        req.open_id = open_id
        return self.call(C.AIS_CKPT_SYNCHRONIZE, "struct ais_req_ckpt_synchronize", wire.to_bytes(req))[0]


class Cluster3:
    """N simulated nodes, each running a CkptService on one shared SimClock."""

    def __init__(self, n: int = 3) -> None:
        self.net = SimNet()
        self.clock = SimClock()
        self.svcs: dict[int, CkptService] = {}
        for i in range(1, n + 1):
            self.add(i)
        self.net.start(*range(1, n + 1))
        self.net.run()

    def add(self, nodeid: int) -> CkptService:
        svc = CkptService(self.net.node(nodeid), clock=self.clock)
        self.svcs[nodeid] = svc
        return svc

    def restart(self, nodeid: int) -> CkptService:
        """A fresh process on a node that is down: a new service with an empty replica."""
        node = self.net.nodes[nodeid]
        node._listeners.clear()
        svc = CkptService(node, clock=self.clock)
        self.svcs[nodeid] = svc
        return svc

    def client(self, nodeid: int) -> Client:
        return Client(self.svcs[nodeid], self.net)

    def replica(self, nodeid: int) -> list[bytes]:
        state = self.svcs[nodeid].state
        assert set(state.linked.values()) <= set(state.ckpts.values())
        return [codec.record(state.ckpts[i], 0) for i in sorted(state.ckpts)]

    def assert_identical(self) -> list[bytes]:
        members = self.net.members()
        first = self.replica(members[0])
        for n in members[1:]:
            assert self.replica(n) == first, f"replica of node {n} differs from node {members[0]}"
        for n in members:
            assert not self.svcs[n].sync.active, f"node {n} is still synchronizing"
        return first

    def advance(self, ns: int) -> None:
        self.clock.advance(ns, self.net)
        self.net.run()
