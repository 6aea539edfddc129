"""ais-keygen: 128 random bytes, mode 0400, atomic replacement."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from aisexec import keygen


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writes_128_bytes_mode_0400(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "authkey"
    assert keygen.main(["-o", str(key)]) == 0
    data = key.read_bytes()
    assert len(data) == 128
    assert data != bytes(128)
    assert mode_of(key) == 0o400
    out = capsys.readouterr().out
    assert str(key) in out
    assert os.listdir(tmp_path) == ["authkey"]  # no temporary file left behind


def test_mode_does_not_depend_on_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        assert keygen.main(["-o", str(tmp_path / "k0")]) == 0
        os.umask(0o777)
        assert keygen.main(["-o", str(tmp_path / "k1")]) == 0
    finally:
        os.umask(old)
    assert mode_of(tmp_path / "k0") == 0o400
    assert mode_of(tmp_path / "k1") == 0o400


def test_default_path_creates_the_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = tmp_path / "etc" / "ais" / "authkey"
    monkeypatch.setattr(keygen, "DEFAULT_AUTHKEY_FILE", str(default))
    assert keygen.main([]) == 0
    assert len(default.read_bytes()) == 128
    assert mode_of(default) == 0o400
    assert mode_of(default.parent) == 0o755


def test_replaces_an_existing_file(tmp_path: Path) -> None:
    key = tmp_path / "authkey"
    key.write_bytes(b"old key")
    key.chmod(0o400)
    inode = key.stat().st_ino
    assert keygen.main(["-o", str(key)]) == 0
    first = key.read_bytes()
    assert len(first) == 128 and first != b"old key"
    assert mode_of(key) == 0o400
    assert key.stat().st_ino != inode  # renamed over, not rewritten in place
    assert keygen.main(["-o", str(key)]) == 0
    assert key.read_bytes() != first  # a fresh key every time
    assert sorted(os.listdir(tmp_path)) == ["authkey"]


def test_replacing_a_symlink_leaves_its_target(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_bytes(b"keep me")
    link = tmp_path / "authkey"
    link.symlink_to(target)
    assert keygen.main(["-o", str(link)]) == 0
    assert not link.is_symlink()
    assert target.read_bytes() == b"keep me"


@pytest.mark.parametrize("where", ["missing-dir", "file-as-dir", "is-a-dir"])
def test_errors_exit_1_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str) -> None:
    blocker = tmp_path / "plainfile"
    blocker.write_text("")
    target = {
        "missing-dir": tmp_path / "no" / "such" / "authkey",
        "file-as-dir": blocker / "authkey",
        "is-a-dir": tmp_path,
    }[where]
    assert keygen.main(["-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"ais-keygen: cannot write key to {target}: ")
    assert sorted(os.listdir(tmp_path)) == ["plainfile"]


def test_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert keygen.main(["-h"]) == 0
    assert "-o FILE" in capsys.readouterr().out
    assert keygen.main(["--bogus"]) == 2
    assert "usage: ais-keygen" in capsys.readouterr().err
