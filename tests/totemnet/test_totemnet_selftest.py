"""The C self-test (tests/totemnet/tn_selftest.c) in the plain and the
ASan+UBSan build: unit checks, then the fuzzing exchange between two network
namespaces, for udp and udpu, IPv4 and IPv6."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import tnet

BUILDS = {"plain": os.environ.get("BUILD", "build"), "asan": os.environ.get("ASAN_BUILD", "build-asan")}


@pytest.fixture(params=sorted(BUILDS))
def selftest(request: pytest.FixtureRequest) -> Path:
    exe = tnet.TOP / BUILDS[request.param] / "executive" / "totemnet" / "tn_selftest"
    if not exe.exists():
        pytest.fail(f"{exe} is missing: build {BUILDS[request.param]} first (make build asan)")
    return exe


def run(exe: Path, *args: str) -> None:
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    r = subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, f"{exe.name} {' '.join(args)}:\n{r.stdout}\n{r.stderr}"
    assert "all checks passed" in r.stdout
    assert "runtime error" not in r.stderr  # UBSan


def test_units(selftest: Path) -> None:
    run(selftest)


@pytest.mark.parametrize("mode", ["udp", "udpu"])
@pytest.mark.parametrize("family", [4, 6])
def test_network_fuzz(selftest: Path, net: tnet.Net, port: int, keyfile: str, mode: str, family: int) -> None:
    a, b, c = net.addrs(family)
    run(selftest, "NET", mode, net.ns_a, net.ns_b, a, b, c, net.mcast(family), str(port), keyfile)
