"""The C self-test of libtotemdrv (tests/totemdrv/td_selftest.c) in the plain and the
ASan+UBSan build: one node on loopback forms its ring through td_* alone, holds at
PERSIST until td_persist_done, and gets its own multicasts back in order."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parent.parent.parent
BUILDS = {"plain": os.environ.get("BUILD", "build"), "asan": os.environ.get("ASAN_BUILD", "build-asan")}


@pytest.mark.parametrize("build", sorted(BUILDS))
def test_selftest(build: str) -> None:
    exe = TOP / BUILDS[build] / "executive" / "totemdrv" / "td_selftest"
    if not exe.exists():
        pytest.fail(f"{exe} is missing: build {BUILDS[build]} first (make build asan)")
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, f"{exe.name}:\n{r.stdout}\n{r.stderr}"
    assert "all checks passed" in r.stdout
    assert "runtime error" not in r.stderr  # UBSan
