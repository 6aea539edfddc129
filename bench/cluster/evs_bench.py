"""EVS throughput on a 3-node namespace cluster (not a test: prints numbers).

    python3 bench/cluster/evs_bench.py [--seconds 3] [--nodes 3] [--profile DIR]
                                       [--totem KEY=VALUE ...]

For secauth off and on, with one sender and with a sender on every node: an evs_recv on
every node counts what it receives per message size (1 B .. 64 KB); the table shows the
slowest receiver's messages/s and MB/s (10^6 bytes).  --profile samples every executive
with py-spy during the 1-sender runs (pip install py-spy) and writes flame-graph-ready
collapsed stacks into DIR.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(TOP / "tests"))

from nscluster import NsCluster  # noqa: E402

BIN = TOP / "build" / "bench" / "cluster"


def run_case(c: NsCluster, senders: int, seconds: float, profile: Path | None, tag: str) -> dict[int, tuple]:
    recvs = [n.popen(str(BIN / "evs_recv"), str(senders), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
             for n in c.nodes]
    for r in recvs:
        assert r.stdout is not None
        line = r.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"evs_recv: {line}")
    spies = []
    if profile is not None and shutil.which("py-spy"):
        for n in c.nodes:
            assert n.proc is not None
            out = profile / f"{tag}-node{n.index}.txt"
            spies.append(subprocess.Popen(["py-spy", "record", "--format", "raw", "-o", str(out), "-r", "200",
                                           "-p", str(n.proc.pid), "-d", str(int(seconds * 6 + 10))],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    sending = [n.popen(str(BIN / "evs_send"), str(seconds), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
               for n in c.nodes[:senders]]
    for s in sending:
        s.wait(timeout=seconds * 6 + 120)
    results: dict[int, list[tuple[float, float]]] = {}
    for r in recvs:
        out, _ = r.communicate(timeout=120)
        for line in out.splitlines():
            f = line.split()
            if f and f[0] == "recv":
                results.setdefault(int(f[1]), []).append((float(f[4]), float(f[5])))
    for sp in spies:
        sp.send_signal(signal.SIGINT)  # py-spy writes its profile when interrupted
        sp.wait()
    return {size: min(v) for size, v in results.items()}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--nodes", type=int, default=3)
    p.add_argument("--profile", type=Path)
    p.add_argument("--totem", action="append", default=[], metavar="KEY=VALUE",
                   help="a totem {} option for every node (e.g. window_size=120)")
    a = p.parse_args()
    if not (BIN / "evs_send").exists():
        print(f"{BIN} is not built: run `make`", file=sys.stderr)
        return 1
    if a.profile:
        a.profile.mkdir(parents=True, exist_ok=True)
    rows = []
    for secauth in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            options = dict(kv.split("=", 1) for kv in a.totem)
            c = NsCluster(a.nodes, Path(tmp), secauth=secauth, totem_options=options)
            try:
                c.start()
                c.wait_members()
                for senders in (1, a.nodes):
                    tag = f"secauth-{'on' if secauth else 'off'}-{senders}sender"
                    res = run_case(c, senders, a.seconds, a.profile if senders == 1 else None, tag)
                    for size, (rate, mbs) in sorted(res.items()):
                        rows.append((secauth, senders, size, rate, mbs))
                        print(f"secauth {'on ' if secauth else 'off'} senders {senders} size {size:6d} "
                              f"{rate:10.0f} msg/s {mbs:8.2f} MB/s", flush=True)
            finally:
                c.close()
    print("\n| secauth | senders | size | messages/s | MB/s |\n|---|---|---|---|---|")
    for secauth, senders, size, rate, mbs in rows:
        print(f"| {'on' if secauth else 'off'} | {senders} | {size} | {rate:.0f} | {mbs:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
