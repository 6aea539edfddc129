"""The CKPT C test programs of abi_tests/ckpt/, linked against libSaCkpt, run against
a real one-node executive, once per build (plain and ASan+UBSan).  Together they call
all 22 B.01.01 functions with valid and invalid arguments."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from executive_proc import ExecutiveProcess, asan_env

PROGRAMS = ["ckpt_life_test", "ckpt_section_test", "ckpt_data_test", "ckpt_async_test"]
TOP = Path(__file__).resolve().parent.parent
API = ["saCkptInitialize", "saCkptSelectionObjectGet", "saCkptDispatch", "saCkptFinalize",
       "saCkptCheckpointOpen", "saCkptCheckpointOpenAsync", "saCkptCheckpointClose",
       "saCkptCheckpointUnlink", "saCkptCheckpointRetentionDurationSet", "saCkptActiveReplicaSet",
       "saCkptCheckpointStatusGet", "saCkptSectionCreate", "saCkptSectionDelete",
       "saCkptSectionExpirationTimeSet", "saCkptSectionIterationInitialize",
       "saCkptSectionIterationNext", "saCkptSectionIterationFinalize", "saCkptCheckpointWrite",
       "saCkptSectionOverwrite", "saCkptCheckpointRead", "saCkptCheckpointSynchronize",
       "saCkptCheckpointSynchronizeAsync"]


@pytest.mark.parametrize("program", PROGRAMS)
def test_ckpt_program(executive: ExecutiveProcess, build_dir: Path, program: str) -> None:
    exe = build_dir / "abi_tests" / "ckpt" / program
    env = asan_env(executive.env) if "asan" in build_dir.name else executive.env
    r = subprocess.run([str(exe)], env=env, capture_output=True, text=True, timeout=60)
    log = executive.log_text()
    assert r.returncode == 0, f"{program}:\n{r.stdout}\n{r.stderr}\n--- executive log:\n{log}"
    assert re.search(r"\d+ passed, 0 failed", r.stdout), r.stdout
    assert "Traceback" not in executive.log_text()


def test_programs_call_every_function() -> None:
    text = "".join((TOP / "abi_tests" / "ckpt" / f"{p}.c").read_text() for p in PROGRAMS)
    assert [f for f in API if f + "(" not in text] == []


def test_library_exports_exactly_the_api(build_dir: Path) -> None:
    lib = build_dir / "libsa" / "ckpt" / "libSaCkpt.so.2"
    out = subprocess.run(["nm", "-D", "--defined-only", str(lib)], capture_output=True, text=True,
                         check=True).stdout
    syms = sorted(line.split()[-1] for line in out.splitlines() if " T " in line)
    assert syms == sorted(f"{f}@@OPENAIS_CKPT_B.01.01" for f in API)
    soname = subprocess.run(["readelf", "-d", str(lib)], capture_output=True, text=True, check=True).stdout
    assert "[libSaCkpt.so.2]" in soname
