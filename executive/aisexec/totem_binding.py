"""cffi bindings (ABI mode) of the compiled totem core, its UDP transport and the
driver's C fast path (libtotemdrv).

The C libraries publish headers that cffi's cdef reads as they are (totem_core.h between
its TC_CDEF markers, totemnet.h and totemdrv.h whole), so no declaration is restated here.

Where they are found: $AISEXEC_LIBDIR if set; else, installed, the directory above this
package (PREFIX/lib/aisexec); else, in a checkout, the meson build directory
(build/executive/{totem,totemnet,totemdrv}; $AISEXEC_BUILD names another build directory).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import cffi

_HERE = Path(__file__).resolve().parent
_TOP = _HERE.parent.parent


def _candidates(lib: str, header: str, subdir: str) -> list[tuple[Path, Path]]:
    out: list[tuple[Path, Path]] = []
    env = os.environ.get("AISEXEC_LIBDIR")
    if env:
        out.append((Path(env) / lib, Path(env) / header))
    installed = _HERE.parent.parent  # PREFIX/lib/aisexec (the package is in .../python/aisexec)
    out.append((installed / lib, installed / header))
    build = _TOP / os.environ.get("AISEXEC_BUILD", "build")
    out.append((build / "executive" / subdir / lib, _TOP / "executive" / subdir / header))
    return out


def _locate(lib: str, header: str, subdir: str) -> tuple[Path, Path]:
    tried = _candidates(lib, header, subdir)
    for so, h in tried:
        if so.is_file() and h.is_file():
            return so, h
    raise FileNotFoundError(f"{lib} not found (tried {', '.join(str(so) for so, _ in tried)}); "
                            "build with `make` or set AISEXEC_LIBDIR")


def _core_cdef(text: str) -> str:
    begin, end = text.index("/* TC_CDEF_BEGIN */"), text.index("/* TC_CDEF_END */")
    body = text[text.index("\n", begin) + 1:text.rindex("\n", 0, end)]
    return "struct tc_core;\n" + body


class Bindings:
    """The three libraries, loaded once per process."""

    def __init__(self) -> None:
        self.ffi = cffi.FFI()
        core_so, core_h = _locate("libtotemcore.so", "totem_core.h", "totem")
        net_so, net_h = _locate("libtotemnet.so", "totemnet.h", "totemnet")
        drv_so, drv_h = _locate("libtotemdrv.so", "totemdrv.h", "totemdrv")
        self.ffi.cdef(_core_cdef(core_h.read_text()))
        self.ffi.cdef(net_h.read_text())
        self.ffi.cdef(drv_h.read_text())
        self.core: Any = self.ffi.dlopen(str(core_so))
        self.net: Any = self.ffi.dlopen(str(net_so))
        # after the two above: its DT_NEEDED entries resolve to them by soname
        self.drv: Any = self.ffi.dlopen(str(drv_so))


_bindings: Bindings | None = None


def bindings() -> Bindings:
    global _bindings
    if _bindings is None:
        _bindings = Bindings()
    return _bindings
