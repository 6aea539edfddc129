"""The EVS API from C: the programs of abi_tests/evs/ against a live executive.

Each program prints one line per check ("ok ..." or "FAIL ...") and exits non-zero if
any check failed; every one runs against the plain build and the ASan+UBSan build.
The test executive runs on 127.0.0.1, so its node id is 0x7F000001."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from executive_proc import ExecutiveProcess, asan_env

NODE_ID = 0x7F000001


def program(build_dir: Path, name: str) -> str:
    path = build_dir / "abi_tests" / "evs" / name
    if not path.exists():
        pytest.fail(f"{path} is not built: meson compile -C {build_dir}")
    return str(path)


@pytest.mark.parametrize("name", ["evs_api_test", "evs_dispatch_test", "evs_order_test"])
def test_evs_program(executive: ExecutiveProcess, build_dir: Path, name: str) -> None:
    env = asan_env(executive.env)
    env["EVS_TEST_NODE_ID"] = hex(NODE_ID)
    proc = subprocess.run([program(build_dir, name)], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    out = proc.stdout + proc.stderr
    failed = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert proc.returncode == 0 and not failed, f"{name} exited with {proc.returncode}:\n{out}"
    assert "checks, 0 failed" in out, out
    assert executive.proc is not None and executive.proc.poll() is None


def test_evsbench_runs(executive: ExecutiveProcess) -> None:
    """The benchmark itself works (briefly: its numbers are for bench/, not for tests)."""
    bench = program(Path(__file__).resolve().parent.parent / os.environ.get("BUILD", "build"), "evsbench")
    proc = subprocess.run([bench, "0.05"], capture_output=True, text=True, env=executive.env,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert [int(line.split()[0]) for line in lines[1:]] == [1, 1024, 4096, 8192, 16384, 65536]
    assert all(int(line.split()[1]) > 0 for line in lines[1:])
