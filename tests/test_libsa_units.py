"""The client runtime's own unit tests (handle table, version negotiation, names),
built by meson in abi_tests/, run in the plain and the ASan+UBSan build."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from executive_proc import asan_env


@pytest.mark.parametrize("program", ["handle_test", "version_test"])
def test_runtime_unit(build_dir: Path, program: str) -> None:
    r = subprocess.run([str(build_dir / "abi_tests" / program)], capture_output=True, text=True,
                       timeout=120, env=asan_env(dict(os.environ)))
    assert r.returncode == 0, r.stdout + r.stderr
