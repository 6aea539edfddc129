"""CKPT requests on the wire against a real executive: malformed variable parts close
only the connection that sent them; a forged open id is a bad handle."""

from __future__ import annotations

import socket

import pytest
from aisexec import wire
from aisexec.services import ckpt_codec as codec
from aisexec.wire import C, ffi
from executive_proc import ExecutiveProcess
from rawclient import RawClient, header

OK, BAD_HANDLE = 1, 9


def open_ckpt(c: RawClient, name: bytes) -> int:
    req = wire.new("struct ais_req_ckpt_open")
    req.header.id = C.AIS_CKPT_OPEN
    codec.set_name(req.name, name)
    req.open_flags = 7
    req.attrs_set = 1
    req.attrs.creation_flags = 1
    req.attrs.checkpoint_size = 100
    req.attrs.max_sections = 1
    req.attrs.max_section_size = 100
    req.attrs.retention_duration = 10**9
    frame = c.call(req)
    assert header(frame).error == OK
    return ffi.from_buffer("struct ais_res_ckpt_open *", frame).open_id


def write_frame(open_id: int, count: int, tail: bytes) -> bytes:
    req = wire.new("struct ais_req_ckpt_io")
    req.header.id = C.AIS_CKPT_WRITE
    req.open_id = open_id
    req.count = count
    data = wire.to_bytes(req) + tail
    hdr = ffi.from_buffer("struct ais_ipc_header *", bytearray(data))
    hdr.size = len(data)
    return bytes(ffi.buffer(hdr, len(data)))


def closed(s: socket.socket) -> bool:
    s.settimeout(5)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True


@pytest.mark.parametrize("case", ["short_tail", "long_tail", "huge_id", "huge_count"])
def test_malformed_write_closes_only_that_connection(executive: ExecutiveProcess, case: str) -> None:
    good = RawClient(executive.socket, service=C.AIS_SERVICE_CKPT)
    oid = open_ckpt(good, b"wire")
    bad = RawClient(executive.socket, service=C.AIS_SERVICE_CKPT)
    boid = open_ckpt(bad, b"wire")
    io = ffi.new("struct ais_ckpt_io *", {"data_size": 8, "id_len": 0})
    elem = ffi.buffer(io)[:] + b"x" * 8
    if case == "short_tail":
        frame = write_frame(boid, 1, elem[:-3])
    elif case == "long_tail":
        frame = write_frame(boid, 1, elem + b"\0" * 8)
    elif case == "huge_id":
        io.id_len = 0xFFFFFFFF
        frame = write_frame(boid, 1, ffi.buffer(io)[:] + b"x" * 8)
    else:
        frame = write_frame(boid, 0xFFFFFFFF, elem)
    bad.req.sendall(frame)
    assert closed(bad.req)
    bad.close()
    # the other connection and the executive carry on
    frame = good.call(ffi.from_buffer("struct ais_req_ckpt_io *", bytearray(write_frame(oid, 1, elem))))
    assert header(frame).error == OK
    good.close()
    assert executive.proc is not None and executive.proc.poll() is None


def test_foreign_open_id_is_a_bad_handle(executive: ExecutiveProcess) -> None:
    a = RawClient(executive.socket, service=C.AIS_SERVICE_CKPT)
    b = RawClient(executive.socket, service=C.AIS_SERVICE_CKPT)
    oid = open_ckpt(a, b"mine")
    req = wire.new("struct ais_req_ckpt_opened")
    req.header.id = C.AIS_CKPT_CLOSE
    req.open_id = oid
    assert header(b.call(req)).error == BAD_HANDLE
    req.header.id = C.AIS_CKPT_CLOSE
    assert header(a.call(req)).error == OK
    a.close()
    b.close()


def test_packer_lays_fields_where_the_header_puts_them() -> None:
    """wire.packer (the write path's x header and element heads) reads and builds the
    same bytes as cffi's layout of ipc_wire.h."""
    xh = wire.packer("struct ais_ckpt_x_header", "type", "conn_id", "new_id", "now")
    assert xh.size == ffi.sizeof("struct ais_ckpt_x_header")
    h = ffi.from_buffer("struct ais_ckpt_x_header *", xh.pack(7, 2**63 + 5, 11, -3))
    assert (h.type, h.reserved, h.conn_id, h.new_id, h.now) == (7, 0, 2**63 + 5, 11, -3)
    assert codec.x_header(7, 1, 2, 3) == xh.pack(7, 1, 2, 3)
    io = ffi.new("struct ais_ckpt_io *", {"data_offset": 1 << 40, "data_size": 9, "id_len": 3, "flags": 1})
    got = wire.packer("struct ais_ckpt_io", "data_offset", "id_len").unpack_from(ffi.buffer(io)[:])
    assert got == (1 << 40, 3)
    with pytest.raises(ValueError):
        wire.packer("struct ais_ckpt_io", "id_len", "data_offset")
    with pytest.raises(ValueError):
        wire.packer("struct ais_req_ckpt_io", "header")
