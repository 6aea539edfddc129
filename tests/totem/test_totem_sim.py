"""Totem core under the deterministic simulator (executive/totem/sim).

Every schedule is checked against the EVS invariants of docs/totem.md §8.5 by
the simulator itself; these tests run seed sweeps of every scenario of §8.6,
the forged-packet self test, determinism, and a sweep under ASan+UBSan.

A failing schedule prints its seed and the command that replays it, e.g.
``build/executive/totem/totem_sim --scenario partition --nodes 5 --seed 17 --schedules 1 -v``.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]
PLAIN = TOP / os.environ.get("BUILD", "build")
ASAN = TOP / os.environ.get("ASAN_BUILD", "build-asan")
SIM_REL = Path("executive/totem/totem_sim")

# Schedules per test; the total over this file is above 1,000 on the plain
# build plus a few hundred under ASan.
SWEEP = 1200
PER_SCENARIO = 40


def sim_path(build: Path) -> Path:
    path = build / SIM_REL
    if not (build / "build.ninja").exists() or not path.exists():
        pytest.fail(f"{path} is missing: build it with `make build asan` "
                    f"(or `meson setup {build.name} && meson compile -C {build.name}`)")
    return path


def run_sim(build: Path, *args: str, timeout: float = 240, summary: bool = True) -> str:
    cmd = [str(sim_path(build)), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{out[-4000:]}"
    if summary:
        assert re.search(r"^ok: ", out, re.M), out[-4000:]
    return out


def schedules_run(out: str) -> int:
    m = re.search(r"ok: (\d+) schedules", out)
    assert m, out
    return int(m.group(1))


def test_wire_selftest_forged_packets_dropped_and_counted() -> None:
    out = run_sim(PLAIN, "--selftest-wire", summary=False)
    m = re.search(r"(\d+) forged packets dropped and counted \(rx_bad=(\d+)\)", out)
    assert m and m.group(1) == m.group(2) and int(m.group(1)) > 300, out


@pytest.mark.parametrize("nodes", [1, 2, 3, 5, 16])
def test_cold_start(nodes: int) -> None:
    out = run_sim(PLAIN, "--scenario", "cold", "--nodes", str(nodes), "--seed", "100",
                  "--schedules", "12")
    assert schedules_run(out) == 12


@pytest.mark.parametrize(("scenario", "nodes"), [
    ("rep_loss", 0),
    ("nonrep_loss", 0),
    ("partition", 5),
    ("partition", 0),
    ("crash_restart", 0),
    ("loss30", 0),
    ("big", 0),
    ("flood", 0),
    ("mcast_cut", 0),
    ("pause", 0),
    ("dup", 0),
    ("oneway", 0),
    ("seqhigh", 0),
    ("idle", 0),
    ("fuzz", 0),
])
def test_scenario(scenario: str, nodes: int) -> None:
    count = PER_SCENARIO // 2 if scenario in ("big", "flood") else PER_SCENARIO
    out = run_sim(PLAIN, "--scenario", scenario, "--nodes", str(nodes), "--seed", "7000",
                  "--schedules", str(count))
    assert schedules_run(out) == count
    if scenario == "fuzz":
        assert int(re.search(r"forged (\d+)", out).group(1)) > 0, out


def test_random_sweep_all_scenarios() -> None:
    out = run_sim(PLAIN, "--scenario", "all", "--seed", "20000", "--schedules", str(SWEEP))
    assert schedules_run(out) == SWEEP


def linger_counts(out: str) -> tuple[int, int]:
    m = re.search(r"token linger: (\d+) visits kept open, (\d+) flushes sent on them", out)
    assert m, out
    return int(m.group(1)), int(m.group(2))


def test_random_sweep_with_token_linger() -> None:
    """Every scenario again with token_linger on (README.md, "Token linger"): visits kept
    open and messages sent on them break none of the invariants, and both happen."""
    out = run_sim(PLAIN, "--scenario", "all", "--seed", "30000", "--schedules", str(SWEEP // 2),
                  "--linger")
    assert schedules_run(out) == SWEEP // 2
    kept, extended = linger_counts(out)
    assert kept > 1000 and extended > 100, out


def test_random_sweep_with_the_executives_flow_control() -> None:
    """The same with the executive's defaults (config.py: window_size 100, max_messages 50,
    token linger on): larger visits, kept open for larger batches."""
    out = run_sim(PLAIN, "--scenario", "all", "--seed", "40000", "--schedules", str(SWEEP // 2),
                  "--linger", "--flow", "100,50")
    assert schedules_run(out) == SWEEP // 2
    kept, extended = linger_counts(out)
    assert kept > 1000 and extended > 100, out


def test_same_seed_same_result() -> None:
    args = ("--scenario", "random", "--nodes", "6", "--seed", "4242", "--schedules", "5", "--digest")
    first = re.search(r"digest ([0-9a-f]+)", run_sim(PLAIN, *args))
    second = re.search(r"digest ([0-9a-f]+)", run_sim(PLAIN, *args))
    other = re.search(r"digest ([0-9a-f]+)",
                      run_sim(PLAIN, "--scenario", "random", "--nodes", "6", "--seed", "4243",
                              "--schedules", "5", "--digest"))
    assert first and second and other
    assert first.group(1) == second.group(1)
    assert first.group(1) != other.group(1)


def test_asan_sweep() -> None:
    run_sim(ASAN, "--selftest-wire", summary=False)
    out = run_sim(ASAN, "--scenario", "all", "--seed", "90000", "--schedules", "400")
    assert schedules_run(out) == 400
    out = run_sim(ASAN, "--scenario", "fuzz", "--seed", "91000", "--schedules", "40")
    assert schedules_run(out) == 40
    out = run_sim(ASAN, "--scenario", "all", "--seed", "92000", "--schedules", "100", "--linger")
    assert schedules_run(out) == 100
    assert linger_counts(out)[1] > 0, out
