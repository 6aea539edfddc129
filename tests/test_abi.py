"""The SA Forum AIS headers must keep the ABI recorded in abi_tests/abi_table.txt."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GEN_ABI = REPO / "abi_tests" / "gen_abi.py"
TABLE = REPO / "abi_tests" / "abi_table.txt"
INCLUDE_DIR = REPO / "include" / "saAis"

def gen_abi(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(GEN_ABI), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_table_matches_headers() -> None:
    proc = gen_abi(str(INCLUDE_DIR), "--check", str(TABLE))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_table_covers_every_kind_of_fact() -> None:
    kinds = {line.split(" ", 1)[0] for line in TABLE.read_text().splitlines()}
    assert kinds == {"alignof", "enum", "macro", "offsetof", "proto", "sizeof", "typedef"}


@pytest.mark.parametrize(
    ("header", "old", "new", "expected"),
    [
        (
            "saAis.h",
            "#define SA_MAX_NAME_LENGTH 256",
            "#define SA_MAX_NAME_LENGTH 255",
            "+macro SA_MAX_NAME_LENGTH 255",
        ),
        (
            "saAis.h",
            "SA_AIS_ERR_NO_SECTIONS         = 27",
            "SA_AIS_ERR_NO_SECTIONS = 28",
            "+enum SA_AIS_ERR_NO_SECTIONS 28",
        ),
        (
            "saClm.h",
            "SaUint64T         initialViewNumber;",
            "SaUint32T initialViewNumber;",
            "+sizeof SaClmClusterNodeT.initialViewNumber 4",
        ),
        (
            "saCkpt.h",
            "const void *initialData, SaSizeT initialDataSize",
            "const void *initialData, SaUint32T initialDataSize",
            "+proto saCkptSectionCreate",
        ),
        (
            "saMsg.h",
            "typedef SaUint64T SaMsgSenderIdT;",
            "typedef SaUint32T SaMsgSenderIdT;",
            "+typedef SaMsgSenderIdT SaUint32T",
        ),
    ],
)
def test_check_fails_on_drift(tmp_path: Path, header: str, old: str, new: str, expected: str) -> None:
    mutated = tmp_path / "include"
    shutil.copytree(INCLUDE_DIR, mutated)
    path = mutated / header
    text = path.read_text()
    assert old in text, f"mutation anchor not found in {header}"
    path.write_text(text.replace(old, new, 1))
    proc = gen_abi(str(mutated), "--check", str(TABLE))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.startswith("---"), proc.stdout
    assert any(line.startswith(expected) for line in proc.stdout.splitlines()), proc.stdout


def test_out_writes_the_table(tmp_path: Path) -> None:
    out = tmp_path / "table.txt"
    proc = gen_abi(str(INCLUDE_DIR), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_text() == TABLE.read_text()
