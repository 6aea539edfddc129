"""libtotemdrv's threaded mode under ThreadSanitizer: the C self-test
(tests/totemdrv/td_selftest.c) built with -fsanitize=thread from the sources of the
core, the transport and the driver, so a data race between the driver's thread and
the caller's (submits, takes, PERSIST release) fails the test."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent.parent
SRC = TOP / "executive"


def test_selftest_under_tsan(tmp_path: Path) -> None:
    cc = shutil.which("gcc")
    assert cc is not None, "gcc is missing (scripts/install-deps.sh installs it)"
    sources = [TOP / "tests" / "totemdrv" / "td_selftest.c"]
    for d in ("totem", "totemnet", "totemdrv"):
        sources += sorted((SRC / d).glob("*.c"))
    exe = tmp_path / "td_selftest_tsan"
    build = subprocess.run(
        [cc, "-std=c11", "-D_GNU_SOURCE", "-O1", "-g", "-Wall", "-Wextra", "-Werror",
         "-fsanitize=thread", "-pthread",
         *(f"-I{SRC / d}" for d in ("totem", "totemnet", "totemdrv")),
         *map(str, sources), "-lcrypto", "-o", str(exe)],
        capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    env = dict(os.environ, TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1")
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, f"{r.stdout}\n{r.stderr}"
    assert "all checks passed" in r.stdout
    assert "ThreadSanitizer" not in r.stderr, r.stderr
