"""Runs evsbench against a one-node executive started for the purpose.

    python3 bench/evsbench_one_node.py [--local] [--seconds S] [--build DIR]

Without --local the executive runs the Totem ring on 127.0.0.1 (what a cluster node
does); with --local it has no totem interface and uses the in-process one-node cluster,
which shows the cost of the IPC and EVS layers alone.  Prints evsbench's table and the
executive's CPU time per delivered message.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent

TOTEM = """totem {
    version: 2
    secauth: off
    interface {
        ringnumber: 0
        bindnetaddr: 127.0.0.1
        mcastaddr: 226.94.1.1
        mcastport: 5405
    }
}
"""

REST = """logging {{
    to_stderr: yes
    to_syslog: no
    to_file: no
}}
aisexec {{
    ipc_socket: {socket}
    run_dir: {run_dir}
}}
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def accepts(name: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        try:
            s.connect(b"\0" + name[1:].encode())
            return True
        except OSError:
            return False


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--local", action="store_true", help="no totem: the in-process one-node cluster")
    p.add_argument("--seconds", default="3", help="per message size (default 3)")
    p.add_argument("--build", default=str(TOP / "build"), help="meson build directory")
    args = p.parse_args()

    bench = Path(args.build) / "abi_tests" / "evs" / "evsbench"
    with tempfile.TemporaryDirectory() as tmp:
        name = f"@evsbench-{os.getpid()}"
        conf = Path(tmp) / "openais.conf"
        conf.write_text(("" if args.local else TOTEM) + REST.format(socket=name, run_dir=Path(tmp) / "run"))
        env = dict(os.environ, PYTHONPATH=str(TOP / "executive"))
        exe = subprocess.Popen([sys.executable, "-m", "aisexec.main", "-f", "-c", str(conf)], env=env,
                               stdout=subprocess.DEVNULL, stderr=open(Path(tmp) / "log", "wb"))
        try:
            deadline = time.monotonic() + 15
            while not accepts(name):
                if exe.poll() is not None or time.monotonic() > deadline:
                    sys.stderr.write((Path(tmp) / "log").read_text())
                    return 1
                time.sleep(0.05)
            before = cpu_seconds(exe.pid)
            r = subprocess.run([str(bench), args.seconds], env=dict(os.environ, AIS_IPC_SOCKET=name),
                               capture_output=True, text=True, check=False)
            used = cpu_seconds(exe.pid) - before
        finally:
            exe.send_signal(signal.SIGTERM)
            exe.wait(10)
        sys.stdout.write(r.stdout + r.stderr)
        if r.returncode != 0:
            return r.returncode
        delivered = sum(int(line.split()[1]) for line in r.stdout.splitlines()[1:])
        print(f"executive ({'local cluster' if args.local else 'totem on 127.0.0.1'}): "
              f"{used:.2f} s CPU for {delivered} messages, {used / delivered * 1e6:.1f} us per message")
    return 0


if __name__ == "__main__":
    sys.exit(main())
