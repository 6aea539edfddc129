"""Run the CKPT benchmark (bench/ckpt_bench.c, built as build/abi_tests/ckpt/ckpt_bench)
against a fresh one-node executive and print the results as a Markdown table.

    python3 bench/ckpt_bench.py [--build build] [--seconds 2] [--hold 10000] [--profile FILE] [--local]

--profile runs the executive under cProfile and writes its stats to FILE."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOP / "tests"))

from executive_proc import ExecutiveProcess  # noqa: E402


class ProfiledExecutive(ExecutiveProcess):
    def __init__(self, tmp: Path, profile: str | None, local: bool = False) -> None:
        super().__init__(tmp)
        self.profile = profile
        if local:  # no totem interface: the executive runs its one-node LocalCluster
            text = self.conf.read_text()
            start = text.index("    interface {")
            end = text.index("}", start) + 2
            self.conf.write_text(text[:start] + text[end:])

    def command(self) -> list[str]:
        cmd = super().command()
        if self.profile:
            return [cmd[0], "-m", "cProfile", "-o", self.profile, *cmd[1:]]
        return cmd


def rss_kb(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def run(exe: Path, env: dict[str, str], *args: str) -> dict[str, str]:
    r = subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=600, check=True)
    fields = r.stdout.split()
    return dict(f.split("=", 1) for f in fields if "=" in f)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=str(TOP / "build"))
    p.add_argument("--seconds", default="2")
    p.add_argument("--hold", type=int, default=10000)
    p.add_argument("--profile")
    p.add_argument("--local", action="store_true", help="one-node LocalCluster instead of Totem")
    args = p.parse_args()
    exe = Path(args.build) / "abi_tests" / "ckpt" / "ckpt_bench"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        ex = ProfiledExecutive(Path(tmp), args.profile, args.local)
        ex.start()
        try:
            assert ex.proc is not None
            pid = ex.proc.pid
            base = rss_kb(pid)["VmRSS"]
            for size in (1, 1024, 4096, 16384, 65536):
                r = run(exe, ex.env, "write", str(size), args.seconds)
                rows.append((f"write {size} B, 1 writer", r["ops_per_s"], r["MB_per_s"]))
            r = run(exe, ex.env, "writers", "4", "4096", args.seconds)
            rows.append(("write 4 KB, 4 writers", r["ops_per_s"], r["MB_per_s"]))
            r = run(exe, ex.env, "read", "4096", args.seconds)
            rows.append(("read 4 KB, 1 reader", r["ops_per_s"], r["MB_per_s"]))
            hold = subprocess.Popen([str(exe), "hold", str(args.hold), "1024"], env=ex.env,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            assert hold.stdout is not None and hold.stdin is not None
            first = hold.stdout.readline()
            assert hold.stdout.readline().strip() == "holding", first
            time.sleep(0.5)
            mem = rss_kb(pid)
            hold.stdin.close()
            hold.wait(60)
            fields = dict(f.split("=", 1) for f in first.split() if "=" in f)
            rows.append((f"create+write {args.hold} checkpoints of 1 KB", fields["creates_per_s"], ""))
        finally:
            ex.stop()
    print("| measurement | ops/s | MB/s |")
    print("|---|---:|---:|")
    for name, ops, mbs in rows:
        print(f"| {name} | {ops} | {mbs} |")
    print()
    print(f"executive RSS: {base / 1024:.1f} MiB idle; holding {args.hold} checkpoints of 1 KB: "
          f"{mem['VmRSS'] / 1024:.1f} MiB (peak {mem['VmHWM'] / 1024:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
