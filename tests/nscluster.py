"""Several executives as separate hosts: one network namespace per node, each with a
veth into a bridge that lives in a namespace of its own, so no packet leaves the test.

Every NsCluster uses names and addresses of its own (a random tag) and removes all it
created in close(), which the fixtures call also when a test fails."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent

CONF = """\
totem {{
    version: 2
    secauth: {secauth}
    token: {token}
    consensus: {consensus}
    join: 50
    interface {{
        ringnumber: 0
        bindnetaddr: {net}.0
        mcastaddr: {mcast}
        mcastport: 5405
    }}
{totem_extra}}}
logging {{
    to_stderr: yes
    to_syslog: no
    timestamp: on
    debug: {debug}
}}
aisexec {{
    run_dir: {run_dir}
}}
"""


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, check=check, timeout=60)


class Node:
    def __init__(self, cluster: NsCluster, index: int) -> None:
        self.cluster = cluster
        self.index = index
        self.ns = f"{cluster.tag}n{index}"
        self.veth = f"{cluster.tag}v{index}"  # bridge side
        self.addr = f"{cluster.net}.{index + 1}"
        self.nodeid = int.from_bytes(bytes(int(x) for x in self.addr.split(".")), "big")
        self.dir = cluster.tmp / f"node{index}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.conf = self.dir / "openais.conf"
        self.log = self.dir / "aisexec.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def write_conf(self) -> None:
        c = self.cluster
        self.conf.write_text(CONF.format(
            secauth="on" if c.secauth else "off", token=c.token, consensus=int(c.token * 1.2),
            net=c.net, mcast=c.mcast, run_dir=self.dir / "run", debug="on" if c.debug else "off",
            totem_extra=(f"    keyfile: {c.keyfile}\n" if c.secauth else "")
            + "".join(f"    {k}: {v}\n" for k, v in c.totem_options.items())))

    def exec_args(self, *argv: str) -> list[str]:
        return ["ip", "netns", "exec", self.ns, *argv]

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None
        self.write_conf()
        env = dict(os.environ, PYTHONPATH=str(TOP / "executive"))
        with open(self.log, "ab") as logf:
            self.proc = subprocess.Popen(
                self.exec_args(sys.executable, "-m", "aisexec.main", "-f", "-c", str(self.conf)),
                stdout=logf, stderr=subprocess.STDOUT, env=env)

    def wait_serving(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"node {self.index} exited:\n{self.log_text()}")
            r = subprocess.run(self.exec_args(sys.executable, "-c", _PROBE), capture_output=True)
            if r.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"node {self.index} does not serve:\n{self.log_text()}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def link(self, up: bool) -> None:
        """Cut or restore this node's cable (at the bridge)."""
        sh("ip", "-n", self.cluster.bridge_ns, "link", "set", self.veth, "up" if up else "down")

    def popen(self, *argv: str, **kw: object) -> subprocess.Popen[str]:
        return subprocess.Popen(self.exec_args(*argv), text=True, **kw)  # type: ignore[call-overload]

    def run(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.exec_args(*argv), capture_output=True, text=True, timeout=timeout)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


_PROBE = ("import socket,sys\ns=socket.socket(socket.AF_UNIX)\n"
          "try:\n    s.connect(b'\\0aisexec')\nexcept OSError:\n    sys.exit(1)\n")


class NsCluster:
    def __init__(self, n: int, tmp: Path, secauth: bool = False, token: int = 1000,
                 debug: bool = False, totem_options: dict[str, str] | None = None) -> None:
        self.tag = "ais" + secrets.token_hex(3)
        self.tmp = tmp
        self.secauth = secauth
        self.token = token
        self.debug = debug
        self.totem_options = totem_options or {}  # more totem {} keys for every node
        r = secrets.randbelow(200) + 20
        self.net = f"10.{r}.{secrets.randbelow(250) + 1}"
        self.mcast = f"239.{r}.{secrets.randbelow(250) + 1}.1"
        self.bridge_ns = f"{self.tag}br"
        self.keyfile = tmp / "authkey"
        self.nodes = [Node(self, i) for i in range(n)]
        self._created: list[str] = []
        try:
            self._setup()
        except BaseException:
            self.close()
            raise

    def _setup(self) -> None:
        if self.secauth:
            self.keyfile.write_bytes(os.urandom(128))
            os.chmod(self.keyfile, 0o400)
        sh("ip", "netns", "add", self.bridge_ns)
        self._created.append(self.bridge_ns)
        sh("ip", "-n", self.bridge_ns, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", self.bridge_ns, "link", "set", "br0", "type", "bridge", "mcast_snooping", "0")
        sh("ip", "-n", self.bridge_ns, "link", "set", "br0", "up")
        for node in self.nodes:
            sh("ip", "netns", "add", node.ns)
            self._created.append(node.ns)
            sh("ip", "link", "add", node.veth, "netns", self.bridge_ns, "type", "veth",
               "peer", "name", "eth0", "netns", node.ns)
            sh("ip", "-n", self.bridge_ns, "link", "set", node.veth, "master", "br0", "up")
            sh("ip", "-n", node.ns, "addr", "add", f"{node.addr}/24", "dev", "eth0")
            sh("ip", "-n", node.ns, "link", "set", "eth0", "up")
            sh("ip", "-n", node.ns, "link", "set", "lo", "up")

    def start(self, nodes: list[Node] | None = None) -> None:
        for node in nodes or self.nodes:
            node.start()
        for node in nodes or self.nodes:
            node.wait_serving()

    def wait_members(self, timeout: float = 30) -> None:
        """Until CLM on every node reports every node as a member."""
        watch = TOP / "build" / "abi_tests" / "cluster" / "clm_watch"
        ids = [str(n.nodeid) for n in self.nodes]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(n.run(str(watch), "get", *ids).stdout.count("member=1") == len(ids) for n in self.nodes):
                return
            time.sleep(0.2)
        raise RuntimeError("the cluster did not form")

    def close(self) -> None:
        for node in self.nodes:
            try:
                node.stop()
            except Exception:  # keep cleaning up
                node.kill()
        for ns in reversed(self._created):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self._created.clear()
