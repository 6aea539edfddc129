"""Each SA Forum AIS header compiles cleanly alone and with the others, as C99 and C++."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
INCLUDE_DIR = REPO / "include" / "saAis"
TABLE = REPO / "abi_tests" / "abi_table.txt"
HEADERS = ("saAis.h", "saAmf.h", "saCkpt.h", "saClm.h", "saEvt.h", "saLck.h", "saMsg.h")

COMPILERS = {
    "c99": ("gcc", "c", ["-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror"]),
    "c++": ("g++", "cpp", ["-Wall", "-Wextra", "-pedantic", "-Werror"]),
}


def compile_source(tmp_path: Path, lang: str, source: str) -> Path:
    compiler, ext, flags = COMPILERS[lang]
    src = tmp_path / f"unit.{ext}"
    obj = tmp_path / "unit.o"
    src.write_text(source)
    proc = subprocess.run(
        [compiler, *flags, f"-I{INCLUDE_DIR}", "-c", str(src), "-o", str(obj)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return obj


@pytest.mark.parametrize("lang", sorted(COMPILERS))
@pytest.mark.parametrize("header", HEADERS)
def test_header_alone(tmp_path: Path, lang: str, header: str) -> None:
    compile_source(tmp_path, lang, f'#include "{header}"\n')


@pytest.mark.parametrize("lang", sorted(COMPILERS))
@pytest.mark.parametrize("header", HEADERS)
def test_header_twice(tmp_path: Path, lang: str, header: str) -> None:
    compile_source(tmp_path, lang, f'#include "{header}"\n#include "{header}"\n')


@pytest.mark.parametrize("lang", sorted(COMPILERS))
@pytest.mark.parametrize("order", ["forward", "reverse"])
def test_all_headers_together(tmp_path: Path, lang: str, order: str) -> None:
    headers = HEADERS if order == "forward" else tuple(reversed(HEADERS))
    compile_source(tmp_path, lang, "".join(f'#include "{h}"\n' for h in headers))


def test_cxx_sees_c_linkage(tmp_path: Path) -> None:
    """From C++ every API function must be referenced by its plain C name."""
    names = sorted(line.split()[1] for line in TABLE.read_text().splitlines() if line.startswith("proto "))
    assert names
    refs = ",\n".join(f"\treinterpret_cast<void (*)()>(&{name})" for name in names)
    source = "".join(f'#include "{h}"\n' for h in HEADERS) + f"void (*const api_refs[])() = {{\n{refs}\n}};\n"
    obj = compile_source(tmp_path, "c++", source)
    proc = subprocess.run(["nm", "-u", str(obj)], capture_output=True, text=True, check=True)
    undefined = {line.split()[-1] for line in proc.stdout.splitlines() if line.strip()}
    assert set(names) <= undefined, sorted(set(names) - undefined)
