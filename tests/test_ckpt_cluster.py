"""Checkpoint replication across real executives (network namespaces): a writer on one
node keeps writing while another node is killed with kill -9 and later restarted (it
joins during the writes).  Afterwards every replica is identical, holds every
acknowledged write, and a node's own library reads back what another node wrote."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest
from nscluster import TOP, NsCluster

TOOL = TOP / "build" / "abi_tests" / "cluster" / "ckpt_tool"
SECTIONS = 32


class Writer:
    def __init__(self, c: NsCluster, name: str, seconds: float) -> None:
        self.acks: list[int] = []
        self.lines: list[str] = []
        self.proc = c.nodes[0].popen(str(TOOL), "write", name, str(seconds), stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())
            if line.startswith("ack "):
                self.acks.append(int(line.split()[1]))

    def wait_acks(self, n: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acks) < n:
            assert time.monotonic() < deadline, f"only {len(self.acks)} acks: {self.lines[-5:]}"
            assert self.proc.poll() is None or len(self.acks) >= n, self.lines[-5:]
            time.sleep(0.05)


def dump(node, name: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    r = node.run(str(TOOL), "dump", name)
    assert r.returncode == 0, r.stdout + r.stderr
    return {f[1]: f[2] for f in map(str.split, r.stdout.splitlines()) if f[0] == "section"}


def test_writes_survive_kill_and_rejoin(cluster3: NsCluster) -> None:
    c = cluster3
    c.start()
    c.wait_members()
    w = Writer(c, "replicated", seconds=6)
    w.wait_acks(SECTIONS + 50)
    c.nodes[2].kill()  # a replica dies under the write load
    acks_at_kill = len(w.acks)
    w.wait_acks(acks_at_kill + 200)
    c.nodes[2].start()  # and joins again while the writes go on
    c.nodes[2].wait_serving()
    assert w.proc.wait(timeout=60) == 0, w.lines[-5:]
    w.thread.join(5)
    c.wait_members()
    assert len(w.acks) > acks_at_kill + 200
    # the last acknowledged write of each section is what every replica holds
    expect = {f"s{k % SECTIONS:02d}": f"value-{k}" for k in w.acks}
    replicas = [dump(n, "replicated") for n in c.nodes]
    for i, r in enumerate(replicas):
        assert r == expect, f"node {i} differs"


def test_join_gets_existing_checkpoints(cluster3: NsCluster) -> None:
    c = cluster3
    c.start(c.nodes[:2])
    w = Writer(c, "before-join", seconds=0.5)
    assert w.proc.wait(timeout=60) == 0, w.lines
    w.thread.join(5)
    c.start(c.nodes[2:])
    c.wait_members()
    expect = {f"s{k % SECTIONS:02d}": f"value-{k}" for k in w.acks}
    assert dump(c.nodes[2], "before-join") == expect


@pytest.mark.parametrize("node", [0, 2])
def test_conformance_programs_on_a_cluster(cluster3: NsCluster, node: int) -> None:
    """The one-node conformance programs (all 22 functions, valid and invalid arguments)
    give the same answers on a node of a 3-node cluster."""
    from test_ckpt import PROGRAMS

    c = cluster3
    c.start()
    c.wait_members()
    for program in PROGRAMS:
        r = c.nodes[node].run(str(TOP / "build" / "abi_tests" / "ckpt" / program), timeout=120)
        assert r.returncode == 0, f"{program} on node {node}:\n{r.stdout}\n{r.stderr}"
        assert " passed, 0 failed" in r.stdout, r.stdout
