"""Variable parts of CKPT messages (libsa/ipc_wire.h, CKPT section): section ids and
data after the fixed structs, padded to AIS_CKPT_PAD; and the checkpoint records of
the sync protocol.  Layouts come from the header through cffi; this module only walks
the tails.  A tail that does not add up raises Malformed."""

from __future__ import annotations

from typing import Any

from ..ipc import Malformed
from ..wire import C, ffi, packer
from .ckpt_state import Attrs, Checkpoint, Opener, Section

PAD = C.AIS_CKPT_PAD
IO_SIZE = ffi.sizeof("struct ais_ckpt_io")
DESC_SIZE = ffi.sizeof("struct ais_ckpt_section_desc")
OPENER_SIZE = ffi.sizeof("struct ais_ckpt_x_opener")
XHDR_SIZE = ffi.sizeof("struct ais_ckpt_x_header")
RECORD_SIZE = ffi.sizeof("struct ais_ckpt_x_sync_ckpt")
# parsed once: from_buffer with a ctype object skips parsing the type name per call
XHDR_P = ffi.typeof("struct ais_ckpt_x_header *")
# the per-message pieces of the write path, read and built without a cdata object
_IO = packer("struct ais_ckpt_io", "data_offset", "data_size", "id_len", "flags")
_XHDR = packer("struct ais_ckpt_x_header", "type", "conn_id", "new_id", "now")


def padded(n: int) -> int:
    return (n + PAD - 1) & ~(PAD - 1)


def take(mv: memoryview, off: int, n: int) -> tuple[memoryview, int]:
    """n bytes at off, and the offset after their padding."""
    if n > len(mv) - off:
        raise Malformed(f"tail too short: {n} bytes at {off} of {len(mv)}")
    return mv[off:off + n], off + padded(n)


def expect_end(mv: memoryview, off: int) -> None:
    if off != len(mv):
        raise Malformed(f"{len(mv) - off} bytes too many")


def name_of(w: Any) -> bytes:
    n = w.length
    if n > 256:
        raise Malformed(f"name length {n}")
    return bytes(ffi.buffer(w.value, n))


def set_name(w: Any, name: bytes) -> None:
    w.length = len(name)
    ffi.memmove(w.value, name, len(name))


def attrs_of(w: Any) -> Attrs:
    return Attrs(w.creation_flags, w.checkpoint_size, w.retention_duration, w.max_sections,
                 w.max_section_size, w.max_section_id_size)


def set_attrs(w: Any, a: Attrs) -> None:
    w.creation_flags = a.creation_flags
    w.checkpoint_size = a.checkpoint_size
    w.retention_duration = a.retention_duration
    w.max_sections = a.max_sections
    w.max_section_size = a.max_section_size
    w.max_section_id_size = a.max_section_id_size


def one_id(frame: memoryview, fixed: int, id_len: int) -> tuple[bytes, int]:
    sid, off = take(frame, fixed, id_len)
    return bytes(sid), off


def write_elements(frame: memoryview, fixed: int, count: int) -> list[tuple[bytes, int, memoryview]]:
    """(section id, offset, data) of each element of an AIS_CKPT_WRITE request."""
    out: list[tuple[bytes, int, memoryview]] = []
    off = fixed
    for _ in range(count):
        _, off_sid = take(frame, off, IO_SIZE)
        data_offset, data_size, id_len, _flags = _IO.unpack_from(frame, off)
        sid, off = take(frame, off_sid, id_len)
        data, off = take(frame, off, data_size)
        out.append((bytes(sid), data_offset, data))
    expect_end(frame, off)
    return out


def read_elements(frame: memoryview, fixed: int, count: int) -> list[tuple[bytes, int, int | None]]:
    """(section id, offset, most to read or None for all) of an AIS_CKPT_READ request."""
    out: list[tuple[bytes, int, int | None]] = []
    off = fixed
    for _ in range(count):
        _, off_sid = take(frame, off, IO_SIZE)
        data_offset, data_size, id_len, flags = _IO.unpack_from(frame, off)
        sid, off = take(frame, off_sid, id_len)
        size = None if flags & C.AIS_CKPT_IO_TO_END else data_size
        out.append((bytes(sid), data_offset, size))
    expect_end(frame, off)
    return out


def _zeros(n: int) -> bytes:
    return b"\0" * (padded(n) - n)


# -- sync records ---------------------------------------------------------------

def record(ckpt: Checkpoint, ring_seq: int) -> bytes:
    """One checkpoint as an AIS_CKPT_X_SYNC_CKPT body (after the x header)."""
    rec = ffi.new("struct ais_ckpt_x_sync_ckpt *")
    rec.ring_seq = ring_seq
    rec.ckpt_id = ckpt.ckpt_id
    set_name(rec.name, ckpt.name)
    rec.unlinked = int(ckpt.unlinked)
    set_attrs(rec.attrs, ckpt.attrs)
    rec.retention_deadline = ckpt.retention_deadline
    rec.next_generated = ckpt.next_generated
    rec.active_node = ckpt.active_node
    rec.opener_count = len(ckpt.openers)
    rec.section_count = len(ckpt.sections)
    parts: list[bytes | bytearray] = [ffi.buffer(rec)[:]]
    if ckpt.openers:
        ops = ffi.new("struct ais_ckpt_x_opener[]", len(ckpt.openers))
        for i, op in enumerate(ckpt.openers.values()):
            ops[i].open_id = op.open_id
            ops[i].conn_id = op.conn_id
            ops[i].node = op.node
            ops[i].open_flags = op.flags
        parts.append(ffi.buffer(ops)[:])
    desc = ffi.new("struct ais_ckpt_section_desc *")
    for sec in ckpt.sections.values():
        desc.expiration_time = sec.expiration
        desc.last_update = sec.last_update
        desc.section_size = len(sec.data)
        desc.section_state = 1
        desc.id_len = len(sec.id)
        parts += [ffi.buffer(desc)[:], sec.id, _zeros(len(sec.id)), sec.data, _zeros(len(sec.data))]
    return b"".join(parts)


def parse_record(body: memoryview) -> tuple[int, Checkpoint]:
    """(ring_seq, checkpoint) of an AIS_CKPT_X_SYNC_CKPT body."""
    head, off = take(body, 0, RECORD_SIZE)
    rec = ffi.from_buffer("struct ais_ckpt_x_sync_ckpt *", head)
    ckpt = Checkpoint(rec.ckpt_id, name_of(rec.name), attrs_of(rec.attrs))
    ckpt.unlinked = bool(rec.unlinked)
    ckpt.retention_deadline = rec.retention_deadline
    ckpt.next_generated = rec.next_generated
    ckpt.active_node = rec.active_node
    for _ in range(rec.opener_count):
        raw, off = take(body, off, OPENER_SIZE)
        op = ffi.from_buffer("struct ais_ckpt_x_opener *", raw)
        ckpt.openers[op.open_id] = Opener(op.open_id, op.node, op.conn_id, op.open_flags)
    for _ in range(rec.section_count):
        raw, off = take(body, off, DESC_SIZE)
        d = ffi.from_buffer("struct ais_ckpt_section_desc *", raw)
        sid, off = take(body, off, d.id_len)
        data, off = take(body, off, d.section_size)
        ckpt.sections[bytes(sid)] = Section(bytes(sid), bytearray(data), d.expiration_time, d.last_update)
        ckpt.used += d.section_size
    expect_end(body, off)
    return rec.ring_seq, ckpt


def x_header(msg_type: int, conn_id: int = 0, new_id: int = 0, now: int = 0) -> bytes:
    return _XHDR.pack(msg_type, conn_id, new_id, now)
