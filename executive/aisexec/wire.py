"""The IPC wire format, read from libsa/ipc_wire.h through cffi.

That header is the one definition of every library <-> executive message: the C
libraries compile it, and this module hands the same text to cffi's cdef (ABI mode),
so cffi computes the same layouts.  Nothing here restates a layout by hand.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any

import cffi

_HERE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    # Installed: copied next to this module.  Checkout: executive/aisexec -> libsa.
    for cand in (_HERE / name, _HERE.parent.parent / "libsa" / name):
        if cand.is_file():
            return cand
    raise FileNotFoundError(f"IPC definition {name} not found next to {_HERE} or in libsa/")


WIRE_HEADER = _find("ipc_wire.h")
IPC_HEADER = _find("ipc.h")

ffi = cffi.FFI()
ffi.cdef(WIRE_HEADER.read_text())
_lib: Any = ffi.dlopen(None)


class _Constants:
    """Integer #defines of ipc_wire.h as attributes (C.AIS_CLM_TRACK ...)."""

    def __init__(self) -> None:
        for name in re.findall(r"^#define\s+(\w+)\s+", WIRE_HEADER.read_text(), re.M):
            setattr(self, name, getattr(_lib, name))

    def __getattr__(self, name: str) -> int:  # for type checkers; real values set above
        raise AttributeError(name)


C: Any = _Constants()

_default = re.search(r'^#define\s+AIS_IPC_SOCKET_DEFAULT\s+"([^"]+)"', IPC_HEADER.read_text(), re.M)
if _default is None:
    raise RuntimeError(f"AIS_IPC_SOCKET_DEFAULT missing from {IPC_HEADER}")
IPC_SOCKET_DEFAULT: str = _default.group(1)

HEADER_SIZE: int = ffi.sizeof("struct ais_ipc_header")
HEADER_P: Any = ffi.typeof("struct ais_ipc_header *")  # parsed once: every frame takes it
MAX_FRAME: int = C.AIS_IPC_MAX_FRAME


def sizeof(ctype: str) -> int:
    return ffi.sizeof(ctype)


_fixed: dict[str, tuple[Any, int]] = {}  # struct name -> (its pointer type, its size)


def new(ctype: str, tail_items: int | None = None, tail: str = "items") -> Any:
    """A zeroed message `ctype` (a struct name) with header.size set; `tail_items` sizes a
    flexible array member named `tail`."""
    if tail_items is None:
        # the common case, a fixed-size response: type and size looked up once
        known = _fixed.get(ctype)
        if known is None:
            ptype = ffi.typeof(ctype + " *")
            known = _fixed[ctype] = (ptype, ffi.sizeof(ptype.item))
        msg = ffi.new(known[0])
        msg.header.size = known[1]
        return msg
    msg = ffi.new(ctype + " *", {tail: tail_items})
    msg.header.size = len(ffi.buffer(msg))
    return msg


_CODES = {"uint8_t": "B", "int8_t": "b", "uint16_t": "H", "int16_t": "h",
          "uint32_t": "I", "int32_t": "i", "uint64_t": "Q", "int64_t": "q"}


def packer(ctype: str, *fields: str) -> struct.Struct:
    """A struct.Struct for `fields` of `ctype` (given in their order in the struct), laid
    out where cffi puts them: the other members and any padding become pad bytes, and its
    size is sizeof(ctype).  For hot paths that read or build a few integers: pack() and
    unpack_from() need no cdata object.  The layout is still the header's."""
    t = ffi.typeof(ctype)
    members = dict(t.fields)
    fmt, pos = "=", 0
    for name in fields:
        f = members[name]
        if f.offset < pos:
            raise ValueError(f"{ctype}: {name} out of order")
        if f.type.cname not in _CODES:
            raise ValueError(f"{ctype}: {name} is a {f.type.cname}, not a fixed-size integer")
        fmt += f"{f.offset - pos}x" * (f.offset > pos) + _CODES[f.type.cname]
        pos = f.offset + ffi.sizeof(f.type)
    size = ffi.sizeof(t)
    fmt += f"{size - pos}x" * (size > pos)
    s = struct.Struct(fmt)
    assert s.size == size, (ctype, fmt)
    return s


def view(ctype: str, data: bytes | bytearray | memoryview) -> Any:
    """Read-only cdata pointer of type `ctype *` over `data` (no copy)."""
    return ffi.from_buffer(ctype + " *", data)


def to_bytes(msg: Any) -> bytes:
    return ffi.buffer(msg, msg.header.size)[:]
