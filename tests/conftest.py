"""Shared fixtures: a running executive per test, a 3-node namespace cluster per test,
the C programs of abi_tests/."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOP / "executive"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from executive_proc import ExecutiveProcess  # noqa: E402
from nscluster import NsCluster  # noqa: E402

BUILD_DIRS = {"plain": TOP / os.environ.get("BUILD", "build"),
              "asan": TOP / os.environ.get("ASAN_BUILD", "build-asan")}


@pytest.fixture
def executive(tmp_path: Path) -> Iterator[ExecutiveProcess]:
    proc = ExecutiveProcess(tmp_path)
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(params=sorted(BUILD_DIRS))
def build_dir(request: pytest.FixtureRequest) -> Path:
    """Every C test runs once against the plain build and once under ASan+UBSan."""
    d = BUILD_DIRS[request.param]
    if not (d / "build.ninja").exists():
        pytest.fail(f"{d} is not built: run `make build asan` (make test does)")
    return d


@pytest.fixture
def cluster3(tmp_path: Path) -> Iterator[NsCluster]:
    """Three executives as separate hosts in network namespaces (removed afterwards)."""
    c = NsCluster(3, tmp_path)
    try:
        yield c
    finally:
        c.close()
