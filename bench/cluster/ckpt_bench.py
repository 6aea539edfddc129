"""Checkpoint throughput on a 3-node namespace cluster (not a test: prints numbers).

    python3 bench/cluster/ckpt_bench.py [--seconds 2] [--rounds 3] [--hold 10000]
                                        [--secauth] [--totem KEY=VALUE ...]

Runs build/abi_tests/ckpt/ckpt_bench on node 0 of a fresh cluster: writes/s, MB/s and
the median, 90th and 99th percentile latency (µs) of one writer at 1 B .. 64 KB (each
write acknowledged once it was delivered in agreed order on node 0), 4 concurrent
writers, reads/s, then the executive's resident memory while 10,000 checkpoints of 1 KB
are held (node 0 and a replica node).

A one-writer run is a chain of wake-ups (client, executive, client), and on a 2-CPU
virtual machine its rate depends on whether the scheduler keeps the two on one CPU: runs
of 3 s differ by up to a factor 2.  So each one-writer size runs --rounds times; the
table shows the median round (its latencies too) and the range.  --pin puts the client
and node 0's executive on CPU 0 and the other executives on CPU 1 (taskset), for
steadier comparisons and to show what the chain does on one CPU.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(TOP / "tests"))
sys.path.insert(0, str(TOP / "bench"))

from ckpt_bench import rss_kb  # noqa: E402
from nscluster import NsCluster  # noqa: E402

EXE = TOP / "build" / "abi_tests" / "ckpt" / "ckpt_bench"


PIN: list[str] = []  # --pin: the client's taskset prefix


def run(c: NsCluster, *args: str) -> dict[str, str]:
    r = c.nodes[0].run(*PIN, str(EXE), *args, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"ckpt_bench {' '.join(args)}: {r.stdout}{r.stderr}")
    return dict(f.split("=", 1) for f in r.stdout.split() if "=" in f)


def latency(r: dict[str, str]) -> str:
    return f"{r['p50_us']} / {r['p90_us']} / {r['p99_us']}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", default="2")
    p.add_argument("--rounds", type=int, default=3, help="runs of each one-writer size")
    p.add_argument("--hold", type=int, default=10000)
    p.add_argument("--secauth", action="store_true")
    p.add_argument("--pin", action="store_true", help="client and node 0 on CPU 0, the rest on CPU 1")
    p.add_argument("--totem", action="append", default=[], metavar="KEY=VALUE",
                   help="a totem {} option for every node (e.g. rx_coalesce=0)")
    a = p.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        options = dict(kv.split("=", 1) for kv in a.totem)
        c = NsCluster(3, Path(tmp), secauth=a.secauth, totem_options=options)
        try:
            c.start()
            c.wait_members()
            if a.pin:
                for node in c.nodes:
                    assert node.proc is not None
                    cpu = "0" if node.index == 0 else "1"
                    subprocess.run(["taskset", "-a", "-p", "-c", cpu, str(node.proc.pid)], check=True,
                                   capture_output=True)
                PIN[:] = ["taskset", "-c", "0"]
            for size in (1, 1024, 4096, 16384, 65536):
                rounds = sorted((run(c, "write", str(size), a.seconds) for _ in range(a.rounds)),
                                key=lambda r: float(r["ops_per_s"]))
                r = rounds[len(rounds) // 2]
                spread = f" ({rounds[0]['ops_per_s']}-{rounds[-1]['ops_per_s']})" if len(rounds) > 1 else ""
                rows.append((f"write {size} B, 1 writer", r["ops_per_s"] + spread, r["MB_per_s"], latency(r)))
                print(rows[-1], flush=True)
            r = run(c, "writers", "4", "1024", a.seconds)
            rows.append(("write 1 KB, 4 writers", r["ops_per_s"], r["MB_per_s"], latency(r)))
            r = run(c, "writers", "4", "16384", a.seconds)
            rows.append(("write 16 KB, 4 writers", r["ops_per_s"], r["MB_per_s"], latency(r)))
            r = run(c, "read", "1024", a.seconds)
            rows.append(("read 1 KB, 1 reader", r["ops_per_s"], r["MB_per_s"], ""))
            pids = [n.proc.pid for n in c.nodes if n.proc is not None]
            base = [rss_kb(pid)["VmRSS"] for pid in pids]
            hold = c.nodes[0].popen(str(EXE), "hold", str(a.hold), "1024", stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE)
            assert hold.stdout is not None and hold.stdin is not None
            first = hold.stdout.readline()
            assert hold.stdout.readline().strip() == "holding", first
            time.sleep(1)
            mem = [rss_kb(pid) for pid in pids]
            hold.stdin.close()
            hold.wait(120)
            fields = dict(f.split("=", 1) for f in first.split() if "=" in f)
            rows.append((f"create+write {a.hold} checkpoints of 1 KB", fields["creates_per_s"], "", ""))
        finally:
            c.close()
    print(f"\n3 nodes, secauth {'on' if a.secauth else 'off'}, writer on node 0"
          + (", pinned (client and node 0 on CPU 0, nodes 1 and 2 on CPU 1)" if a.pin else "")
          + "".join(f", {o}" for o in a.totem) + "\n")
    print("| measurement | ops/s | MB/s | latency µs p50 / p90 / p99 |\n|---|---:|---:|---:|")
    for name, ops, mbs, lat in rows:
        print(f"| {name} | {ops} | {mbs} | {lat} |")
    for i, (b, m) in enumerate(zip(base, mem, strict=True)):
        print(f"node {i} executive RSS: {b / 1024:.1f} MiB idle; holding {a.hold} checkpoints of 1 KB: "
              f"{m['VmRSS'] / 1024:.1f} MiB (peak {m['VmHWM'] / 1024:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
