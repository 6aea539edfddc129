"""Pipelined EVS multicasts (AIS_IPC_FLAG_NOREPLY): a sender that saturates the ring
gets EVS_ERR_TRY_AGAIN with nothing sent, everything it was told was sent arrives, also
what was still held in the executive when the sender exited."""

from __future__ import annotations

import subprocess
from pathlib import Path

from executive_proc import ExecutiveProcess

TOP = Path(__file__).resolve().parent.parent
BIN = TOP / "build" / "bench" / "cluster"


def test_flood_loses_nothing(executive: ExecutiveProcess) -> None:
    recv = subprocess.Popen([str(BIN / "evs_recv"), "1"], env=executive.env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    assert recv.stdout is not None
    assert recv.stdout.readline().strip() == "ready"
    send = subprocess.run([str(BIN / "evs_send"), "0.5"], env=executive.env, capture_output=True,
                          text=True, timeout=120)
    assert send.returncode == 0, send.stdout + send.stderr
    out, _ = recv.communicate(timeout=120)
    assert recv.returncode == 0, out
    sent = {int(f[1]): int(f[2]) for f in map(str.split, send.stdout.splitlines()) if f[0] == "sent"}
    got = {int(f[1]): int(f[2]) for f in map(str.split, out.splitlines()) if f[0] == "recv"}
    assert sent == got
    assert sum(int(line.split()[3]) for line in send.stdout.splitlines()) > 0, "the ring was never full"
