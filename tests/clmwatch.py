"""Reads abi_tests/cluster/clm_watch output: the CLM track callbacks one node's
application receives, as a list of views."""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from nscluster import TOP, Node


@dataclass
class Item:
    node: int
    change: int  # SaClmClusterChangesT: 1 no change, 2 joined, 3 left
    member: int
    addr: str


@dataclass
class View:
    number: int
    members: int
    error: int
    items: list[Item] = field(default_factory=list)

    def ids(self, change: int | None = None) -> set[int]:
        return {i.node for i in self.items if change is None or i.change == change}

    def member_ids(self) -> set[int]:
        return {i.node for i in self.items if i.member}


def parse_fields(line: str) -> dict[str, str]:
    out = {}
    for tok in line.split()[1:]:
        if "=" in tok:
            k, v = tok.split("=", 1)
            out[k] = v
    return out


def watch_binary() -> Path:
    p = TOP / "build" / "abi_tests" / "cluster" / "clm_watch"
    if not p.exists():
        raise RuntimeError(f"{p} is not built: run `make build`")
    return p


class Watcher:
    """clm_watch track in a node's namespace; collects every callback."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.views: list[View] = []
        self.raw: list[str] = []
        self.cond = threading.Condition()
        self.proc = node.popen(str(watch_binary()), "track", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        cur: View | None = None
        for line in self.proc.stdout:
            with self.cond:
                self.raw.append(line.rstrip())
                f = parse_fields(line)
                if line.startswith("TRACK"):
                    cur = View(int(f["view"]), int(f["members"]), int(f["error"]))
                elif line.startswith("ITEM") and cur is not None:
                    cur.items.append(Item(int(f["node"]), int(f["change"]), int(f["member"]), f["addr"]))
                elif line.startswith("END") and cur is not None:
                    self.views.append(cur)
                    cur = None
                    self.cond.notify_all()

    def wait_for(self, pred, timeout: float = 30, what: str = "",  # type: ignore[no-untyped-def]
                 after: int = 0) -> View:
        """The first view that satisfies pred, among the callbacks after the first `after`
        ones (pass count() taken before an event, so that views from the start-up, when
        nodes may briefly form smaller rings, do not match)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for v in self.views[after:]:
                    if pred(v):
                        return v
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"node {self.node.index}: no view {what} in {timeout}s; got:\n"
                                         + "\n".join(self.raw[-40:]) + "\n--- log ---\n"
                                         + self.node.log_text()[-4000:])
                self.cond.wait(left)

    def next_view(self, after: int, timeout: float = 30) -> View:
        """The first callback after the first `after` ones."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.views) <= after:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"node {self.node.index}: no callback after {after}:\n"
                                         + "\n".join(self.raw[-40:]) + "\n--- log ---\n"
                                         + self.node.log_text()[-4000:])
                self.cond.wait(left)
            return self.views[after]

    def count(self) -> int:
        with self.cond:
            return len(self.views)

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            try:
                self.proc.stdin.close()
                self.proc.wait(5)
            except (subprocess.TimeoutExpired, OSError):
                self.proc.kill()
                self.proc.wait()
