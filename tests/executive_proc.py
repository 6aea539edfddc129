"""Start and stop a real aisexec for a test, on its own socket and run directory."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent

CONF = """\
totem {{
    version: 2
    secauth: off
    interface {{
        ringnumber: 0
        bindnetaddr: 127.0.0.1
        mcastaddr: {mcast}
        mcastport: {port}
    }}
}}
logging {{
    to_stderr: yes
    to_syslog: no
    to_file: no
    debug: {debug}
    timestamp: on
}}
aisexec {{
    ipc_socket: {socket}
    run_dir: {run_dir}
}}
"""


def asan_env(env: dict[str, str]) -> dict[str, str]:
    env = dict(env)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=99")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:exitcode=98")
    return env


class ExecutiveProcess:
    def __init__(self, tmp: Path, debug: bool = False, extra_conf: str = "",
                 config_from_env: bool = False, env: dict[str, str] | None = None) -> None:
        """config_from_env: pass the file as $OPENAIS_MAIN_CONFIG_FILE instead of -c;
        env: more environment for the executive."""
        self.tmp = tmp
        self.extra_env = env or {}
        self.config_from_env = config_from_env
        self.socket = f"@aisexec-test-{os.getpid()}-{secrets.token_hex(4)}"
        self.run_dir = tmp / "run"
        self.conf = tmp / "openais.conf"
        # a group and ports of its own: executives of other tests never join this one
        mcast = f"239.{secrets.randbelow(250) + 1}.{secrets.randbelow(250) + 1}.{secrets.randbelow(250) + 1}"
        port = 20000 + 2 * secrets.randbelow(20000)
        self.conf.write_text(CONF.format(socket=self.socket, run_dir=self.run_dir, mcast=mcast, port=port,
                                         debug="on" if debug else "off") + extra_conf)
        self.log = tmp / "aisexec.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        """Environment for a client program of this executive."""
        env = dict(os.environ)
        env["AIS_IPC_SOCKET"] = self.socket
        return env

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "aisexec.main", "-f"]
        return cmd if self.config_from_env else [*cmd, "-c", str(self.conf)]

    def start(self, timeout: float = 15.0) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(TOP / "executive")
        env.update(self.extra_env)
        if self.config_from_env:
            env["OPENAIS_MAIN_CONFIG_FILE"] = str(self.conf)
        with open(self.log, "ab") as logf:
            self.proc = subprocess.Popen(self.command(), stdout=logf, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"aisexec exited with {self.proc.returncode}:\n{self.log.read_text()}")
            if self.accepts():
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"aisexec did not start listening in {timeout}s:\n{self.log.read_text()}")

    def accepts(self) -> bool:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(b"\0" + self.socket[1:].encode())
            return True
        except OSError:
            return False
        finally:
            s.close()

    def stop(self, timeout: float = 10.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        self.proc = None
        return rc

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")
