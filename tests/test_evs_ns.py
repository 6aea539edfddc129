"""EVS across real executives (network namespaces on a private bridge): every handle on
every node receives every message in one order, with the sender's node id and the bytes
sent (large messages included); configuration changes reach the handles."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable

import pytest
from nscluster import TOP, Node, NsCluster

COUNT = 60  # per node; every 25th message has 1 MiB - 2 KiB


def evs_node() -> str:
    p = TOP / "build" / "abi_tests" / "evs" / "evs_node"
    if not p.exists():
        pytest.fail(f"{p} is not built: run `make build`")
    return str(p)


def fields(line: str) -> dict[str, str]:
    return dict(tok.split("=", 1) for tok in line.split()[1:])


def ids(value: str) -> set[int]:
    return {int(x) for x in value.split(",") if x}


class ConfWatch:
    """evs_node watch on one node: the configuration callbacks as they come."""

    def __init__(self, node: Node) -> None:
        self.lines: list[dict[str, set[int]]] = []
        self.cond = threading.Condition()
        self.proc = node.popen(evs_node(), "watch", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("C "):
                with self.cond:
                    self.lines.append({k: ids(v) for k, v in fields(line).items()})
                    self.cond.notify_all()

    def wait_for(self, pred: Callable[[dict[str, set[int]]], bool], start: int = 0,
                 timeout: float = 30) -> int:
        """Index of the first configuration from `start` on that satisfies pred."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i in range(start, len(self.lines)):
                    if pred(self.lines[i]):
                        return i
                left = deadline - time.monotonic()
                assert left > 0, f"no such configuration; got {self.lines}"
                self.cond.wait(left)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def exchange(nodes: list[Node]) -> list[list[dict[str, str]]]:
    """Every node multicasts COUNT messages at once; each node's deliveries, in order."""
    expect = COUNT * len(nodes)
    procs = [n.popen(evs_node(), "run", str(i), str(COUNT), str(expect), stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for i, n in enumerate(nodes)]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "READY"
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        outs = [p.communicate(timeout=120)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, out in zip(procs, outs, strict=True):
        assert p.returncode == 0 and out.rstrip().endswith("DONE"), out[-2000:]
    return [[fields(line) for line in out.splitlines() if line.startswith("D ")] for out in outs]


def test_agreed_order_and_configurations(cluster3: NsCluster) -> None:
    c = cluster3
    c.start()
    node_ids = [n.nodeid for n in c.nodes]
    watch = ConfWatch(c.nodes[0])
    try:
        watch.wait_for(lambda conf: conf["members"] == set(node_ids))

        logs = exchange(c.nodes)
        for log in logs:
            assert len(log) == COUNT * 3
            assert all(d["ok"] == "1" for d in log)
            assert all(int(d["nodeid"]) == node_ids[int(d["who"])] for d in log)
            for who in range(3):  # each sender's messages in the order sent
                assert [int(d["seq"]) for d in log if d["who"] == str(who)] == list(range(COUNT))
        order = [[(d["who"], d["seq"]) for d in log] for log in logs]
        assert order[0] == order[1] == order[2]

        # a node dies: its peers' handles see it leave
        mark = len(watch.lines)
        c.nodes[2].kill()
        gone = watch.wait_for(lambda conf: conf["left"] == {node_ids[2]}, start=mark)
        assert watch.lines[gone]["members"] == set(node_ids[:2])
        assert watch.lines[gone]["joined"] == set()
        watch.wait_for(lambda conf: conf["members"] == set(node_ids[:2]) and not conf["left"],
                       start=gone)

        # it comes back: seen joining
        mark = len(watch.lines)
        c.nodes[2].start()
        c.nodes[2].wait_serving()
        back = watch.wait_for(lambda conf: conf["joined"] == {node_ids[2]}, start=mark)
        assert watch.lines[back]["members"] == set(node_ids)
    finally:
        watch.close()
