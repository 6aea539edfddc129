"""libevs.so.2 as built: openais 0.80's soname, version node and exported symbols, a
header that compiles alone as C and C++, and a program built with pkg-config."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parent.parent
BUILD = TOP / os.environ.get("BUILD", "build")
LIB = BUILD / "libsa" / "evs" / "libevs.so.2"
API = sorted(["evs_initialize", "evs_finalize", "evs_fd_get", "evs_dispatch", "evs_join",
              "evs_leave", "evs_mcast_joined", "evs_mcast_groups", "evs_membership_get"])



def objdump(*args: str) -> str:
    if not LIB.exists():
        pytest.fail(f"{LIB} is not built: meson compile -C {BUILD}")
    return subprocess.run(["objdump", *args, str(LIB)], capture_output=True, text=True,
                          check=True).stdout


def test_soname_and_version_node() -> None:
    assert "SONAME               libevs.so.2" in objdump("-p")
    assert os.readlink(LIB) == "libevs.so.2.0.0"
    out = objdump("-T")
    exported = sorted(line.split()[-1] for line in out.splitlines()
                      if "OPENAIS_EVS_2.0" in line and " DF " in line.replace("\t", " "))
    assert exported == API
    defined = [line for line in out.splitlines() if ".text" in line]
    assert len(defined) == len(API), defined  # nothing else is exported


@pytest.mark.parametrize(("compiler", "ext", "flags"), [
    ("gcc", "c", ["-std=c99", "-pedantic"]),
    ("g++", "cpp", ["-pedantic"]),
])
def test_header_alone(tmp_path: Path, compiler: str, ext: str, flags: list[str]) -> None:
    src = tmp_path / f"unit.{ext}"
    src.write_text("#include <evs.h>\n"
                   "static evs_callbacks_t cbs;\n"
                   "int unit(void) { evs_handle_t h; return evs_initialize(&h, &cbs) == EVS_OK"
                   " && sizeof (struct evs_group) == 32 && EVS_ERR_TOO_MANY_GROUPS == 30"
                   " && EVS_DISPATCH_BLOCKING == 2 && EVS_TYPE_SAFE == 3; }\n")
    subprocess.run([compiler, *flags, "-Wall", "-Wextra", "-Werror", f"-I{TOP / 'include' / 'evs'}",
                    "-c", str(src), "-o", str(tmp_path / "unit.o")], check=True)


def test_program_builds_with_pkg_config(tmp_path: Path) -> None:
    env = dict(os.environ, PKG_CONFIG_PATH=str(BUILD / "meson-uninstalled"))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libevs"], env=env,
                           capture_output=True, text=True, check=True).stdout.split()
    src = tmp_path / "prog.c"
    src.write_text("#include <evs.h>\n#include <stdio.h>\n"
                   "int main(void) { int fd; printf(\"%d\\n\", evs_fd_get(0, &fd)); return 0; }\n")
    prog = tmp_path / "prog"
    subprocess.run(["cc", "-Wall", "-Werror", str(src), "-o", str(prog), *flags], check=True)
    r = subprocess.run([str(prog)], env=dict(os.environ, LD_LIBRARY_PATH=str(LIB.parent)),
                       capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "9"  # EVS_ERR_BAD_HANDLE
