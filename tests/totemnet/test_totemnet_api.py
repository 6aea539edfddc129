"""The public header as cffi reads it, the exported symbols, the constants."""

from __future__ import annotations

import re
import subprocess
from typing import Any

import tnet


def test_header_is_plain_enough_for_cdef() -> None:
    text = tnet.HEADER.read_text()
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("#"):
            assert re.fullmatch(r"#define [A-Z][A-Z0-9_]* (0x[0-9A-F]+|\d+)", s), s


def test_exports_are_exactly_the_header_functions(tn: tuple[Any, Any]) -> None:
    declared = set(re.findall(r"^[a-z][\w ]*[ *](tn_\w+)\(", tnet.HEADER.read_text(), re.M))
    assert len(declared) == 17
    out = subprocess.run(["nm", "-D", "--defined-only", str(tnet.library_path())], capture_output=True,
                         text=True, check=True).stdout
    exported = {line.split()[-1].split("@")[0] for line in out.splitlines() if " T " in line}
    assert exported == declared


def test_constants_and_layouts(tn: tuple[Any, Any]) -> None:
    ffi, lib = tn
    assert (lib.TN_MAGIC, lib.TN_VERSION, lib.TN_HEADER_SIZE, lib.TN_TAG_SIZE) == (0x544E, 1, 24, 16)
    assert lib.TN_REPLAY_WINDOW == 1024
    assert ffi.sizeof("struct tn_rx") == 24 and ffi.sizeof("struct tn_tx") == 24


def test_max_payload(tn: tuple[Any, Any]) -> None:
    _, lib = tn
    assert lib.tn_max_payload(1500, 2, 1) == 1432      # 1500 - 28 - 24 - 16
    assert lib.tn_max_payload(1500, 2, 0) == 1448
    assert lib.tn_max_payload(1500, 10, 1) == 1412     # IPv6: 48 bytes of IP + UDP
    assert lib.tn_max_payload(8982, 2, 1) == 8914
    assert lib.tn_max_payload(575, 2, 1) < 0
    assert lib.tn_max_payload(1500, 1, 1) < 0
