"""The CLM API from C: the programs of abi_tests/clm/ against a live executive (also
stopped, killed, absent, refusing, and a scripted stand-in: tests/clm_fake_exec.py).

Each program prints one line per check ("ok ..." or "FAIL ...") and exits non-zero if
any check failed; every one runs against the plain build and the ASan+UBSan build.
The node data they compare with comes from here: the test executive runs on 127.0.0.1,
so its node id is 0x7F000001 and its name is this host's name."""

from __future__ import annotations

import grp
import os
import select
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from clm_fake_exec import FakeClmExecutive
from executive_proc import ExecutiveProcess, asan_env

TOP = Path(__file__).resolve().parent.parent
NODE_ID = 0x7F000001
NODE_ADDR = "127.0.0.1"


def client_env(socket_name: str | None, executive: ExecutiveProcess | None = None) -> dict[str, str]:
    env = asan_env(executive.env if executive is not None else dict(os.environ))
    if socket_name is not None:
        env["AIS_IPC_SOCKET"] = socket_name
    env["CLM_TEST_NODE_ID"] = hex(NODE_ID)
    env["CLM_TEST_NODE_ADDR"] = NODE_ADDR
    env["CLM_TEST_NODE_NAME"] = socket.gethostname()
    return env


def program(build_dir: Path, name: str) -> str:
    path = build_dir / "abi_tests" / "clm" / name
    if not path.exists():
        pytest.fail(f"{path} is not built: meson compile -C {build_dir}")
    return str(path)


def check_output(name: str, rc: int, out: str) -> str:
    failed = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert rc == 0 and not failed, f"{name} exited with {rc}:\n" + out
    assert "checks, 0 failed" in out, out
    return out


def run(build_dir: Path, name: str, env: dict[str, str], *args: str, timeout: float = 90) -> str:
    proc = subprocess.run([program(build_dir, name), *args], capture_output=True, text=True,
                          env=env, timeout=timeout, check=False)
    return check_output(name, proc.returncode, proc.stdout + proc.stderr)


def converse(cmd: list[str], env: dict[str, str], actions: dict[str, Callable[[], None]],
             timeout: float = 60) -> tuple[int, str]:
    """Runs a program that prints "@WHAT" lines and then waits for a line on stdin:
    performs actions[WHAT], then lets it go on.  Its output (stdout and stderr)."""
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=env)
    assert proc.stdin is not None and proc.stdout is not None
    out = bytearray()
    pending = b""
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                text = out.decode(errors="replace")
                raise AssertionError(f"{cmd[0]} did not finish in {timeout}s:\n{text}")
            if not select.select([fd], [], [], left)[0]:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            out += chunk
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                if line.startswith(b"@"):
                    actions[line[1:].decode()]()
                    proc.stdin.write(b"go\n")
                    proc.stdin.flush()
        rc = proc.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdin.close()
        proc.stdout.close()
    return rc, out.decode(errors="replace")


def wait_stopped(pid: int, timeout: float = 5) -> None:
    """Until the process is in state T (stopped by SIGSTOP)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat[stat.rindex(")") + 2] in "Tt":
            return
        time.sleep(0.005)
    raise AssertionError(f"process {pid} did not stop")


@pytest.mark.parametrize("name", ["clm_api_test", "clm_track_test", "clm_thread_test"])
def test_clm_program(build_dir: Path, executive: ExecutiveProcess, name: str) -> None:
    run(build_dir, name, client_env(None, executive))
    assert executive.proc is not None and executive.proc.poll() is None, executive.log_text()


def test_executive_stops_then_dies(build_dir: Path, executive: ExecutiveProcess) -> None:
    assert executive.proc is not None
    pid = executive.proc.pid

    def stop() -> None:
        os.kill(pid, signal.SIGSTOP)
        wait_stopped(pid)

    actions = {"STOP": stop, "CONT": lambda: os.kill(pid, signal.SIGCONT), "KILL": executive.kill}
    try:
        rc, out = converse([program(build_dir, "clm_gone_test"), "gone"],
                           client_env(None, executive), actions)
    finally:
        if executive.proc is not None:
            os.kill(pid, signal.SIGCONT)
    check_output("clm_gone_test gone", rc, out)
    assert executive.proc is None, "the program never asked for the kill"


def test_no_executive(build_dir: Path) -> None:
    run(build_dir, "clm_gone_test", client_env(f"@clm-c-test-{os.getpid()}-none"), "noexec")


def test_executive_closes_at_once(build_dir: Path) -> None:
    """A listener that accepts and closes every connection (an executive going down)."""
    name = f"@clm-c-test-{os.getpid()}-closer"
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(b"\0" + name[1:].encode())
    srv.listen(16)
    srv.settimeout(0.1)
    stop = threading.Event()

    def closer() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            conn.close()

    t = threading.Thread(target=closer, daemon=True)
    t.start()
    try:
        run(build_dir, "clm_gone_test", client_env(name), "closed")
    finally:
        stop.set()
        t.join()
        srv.close()


def test_against_scripted_executive(build_dir: Path) -> None:
    """Several members, NO_SPACE, JOINED/LEFT, IPv6, protocol violations."""
    fake = FakeClmExecutive()
    try:
        run(build_dir, "clm_fake_test", client_env(fake.name))
    finally:
        fake.close()


def test_access(build_dir: Path, executive: ExecutiveProcess) -> None:
    # make test runs as root and creates group ais (scripts/install-deps.sh)
    assert os.geteuid() == 0, "the access test changes credentials: run it as root"
    grp.getgrnam("ais")
    run(build_dir, "clm_access_test", client_env(None, executive))
    assert "refusing library connection" in executive.log_text()


def test_node_get_latency(executive: ExecutiveProcess) -> None:
    """10,000 saClmClusterNodeGet round trips on the plain build: the numbers are
    printed (pytest -s), only correctness is asserted."""
    build_dir = TOP / os.environ.get("BUILD", "build")
    out = run(build_dir, "clm_latency", client_env(None, executive), "10000")
    line = next(line for line in out.splitlines() if line.startswith("calls="))
    fields = dict(f.split("=") for f in line.split())
    assert int(fields["calls"]) == 10000
    assert 0 < float(fields["p50_us"]) <= float(fields["p99_us"]) <= float(fields["max_us"])
    print(f"\nCLM saClmClusterNodeGet round trip: {line}")
