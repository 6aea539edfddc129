"""The aisexec command: configuration errors, foreground and daemon modes, pid file,
clean shutdown, and refusing to start twice on one run directory or socket."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from executive_proc import ExecutiveProcess
from rawclient import RawClient

TOP = Path(__file__).resolve().parent.parent


def aisexec(*args: str, env: dict[str, str] | None = None,
            timeout: float = 30) -> subprocess.CompletedProcess[str]:
    e = dict(os.environ if env is None else env)
    e["PYTHONPATH"] = str(TOP / "executive")
    return subprocess.run([sys.executable, "-m", "aisexec.main", *args], capture_output=True, text=True,
                          env=e, timeout=timeout)


def wait_gone(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


def test_malformed_config_is_refused_with_file_and_line(tmp_path: Path) -> None:
    conf = tmp_path / "bad.conf"
    conf.write_text("totem {\n    version: 2\n    token 1000\n}\n")
    r = aisexec("-f", "-c", str(conf))
    assert r.returncode == 1
    assert f"{conf}:3" in r.stderr


def test_missing_config_file(tmp_path: Path) -> None:
    r = aisexec("-f", "-c", str(tmp_path / "nope.conf"))
    assert r.returncode == 1
    assert "nope.conf" in r.stderr


def test_config_from_environment(tmp_path: Path) -> None:
    ex = ExecutiveProcess(tmp_path, config_from_env=True)
    ex.start()
    c = RawClient(ex.socket)
    assert c.node_get()[0] == 1
    c.close()
    assert ex.stop() == 0


def test_sigterm_shuts_down_cleanly(executive: ExecutiveProcess) -> None:
    pidfile = executive.run_dir / "aisexec.pid"
    assert int(pidfile.read_text()) == executive.proc.pid  # type: ignore[union-attr]
    c = RawClient(executive.socket)
    assert executive.stop() == 0
    assert not pidfile.exists()
    assert not executive.accepts()
    assert "AIS executive exiting" in executive.log_text()
    c.close()


def test_second_executive_on_same_run_dir_or_socket_is_refused(executive: ExecutiveProcess) -> None:
    r = aisexec("-f", "-c", str(executive.conf))
    assert r.returncode == 1
    assert "another aisexec" in r.stderr
    # same socket name, other run directory
    other = executive.tmp / "other.conf"
    other.write_text(executive.conf.read_text().replace(str(executive.run_dir), str(executive.tmp / "run2")))
    r = aisexec("-f", "-c", str(other))
    assert r.returncode == 1
    assert "another aisexec" in r.stderr
    c = RawClient(executive.socket)  # the first one is unharmed
    assert c.node_get()[0] == 1
    c.close()


def test_daemon_mode(tmp_path: Path) -> None:
    ex = ExecutiveProcess(tmp_path)
    r = aisexec("-c", str(ex.conf))
    assert r.returncode == 0, r.stderr
    pid = int((ex.run_dir / "aisexec.pid").read_text())
    try:
        assert ex.accepts()  # serving as soon as the starting command returned
        c = RawClient(ex.socket)
        assert c.node_get()[0] == 1
        c.close()
    finally:
        os.kill(pid, signal.SIGTERM)
    assert wait_gone(pid)
    assert not (ex.run_dir / "aisexec.pid").exists()


def test_daemon_startup_failure_is_reported(executive: ExecutiveProcess) -> None:
    r = aisexec("-c", str(executive.conf))  # run dir locked by the running one
    assert r.returncode == 1
    assert "another aisexec" in r.stderr


def test_ring_seq_survives_restart(tmp_path: Path) -> None:
    ex = ExecutiveProcess(tmp_path)
    views = []
    for _ in range(2):
        ex.start()
        c = RawClient(ex.socket)
        err, res = c.node_get()
        assert err == 1
        views.append(res.node.initial_view_number)
        c.close()
        assert ex.stop() == 0
    assert views[1] > views[0]


def test_stdlib_event_loop(tmp_path: Path) -> None:
    """Without uvloop (AISEXEC_LOOP=asyncio) the executive runs on asyncio's own loop."""
    ex = ExecutiveProcess(tmp_path, env={"AISEXEC_LOOP": "asyncio"})
    ex.start()
    c = RawClient(ex.socket)
    assert c.node_get()[0] == 1
    c.close()
    assert ex.stop() == 0
