"""`make install PREFIX=DIR` gives a working tree: a B.01.01 program builds with
pkg-config against it and runs against DIR/bin/aisexec, which the LSB init script
starts, reports and stops with the LSB exit codes."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from executive_proc import ExecutiveProcess

TOP = Path(__file__).resolve().parent.parent

PROGRAM = r"""
#include <stdio.h>
#include <saAis.h>
#include <saClm.h>

int main(void)
{
	SaClmHandleT h;
	SaVersionT v = { 'B', 1, 1 };
	SaClmClusterNodeT node;
	SaAisErrorT rc = saClmInitialize(&h, NULL, &v);
	if (rc != SA_AIS_OK) { printf("init %d\n", rc); return 1; }
	rc = saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, SA_TIME_ONE_SECOND, &node);
	if (rc != SA_AIS_OK) { printf("nodeget %d\n", rc); return 1; }
	printf("node %u member %d name %.*s\n", node.nodeId, node.member,
		(int)node.nodeName.length, (const char *)node.nodeName.value);
	return saClmFinalize(h) == SA_AIS_OK ? 0 : 1;
}
"""


@pytest.fixture(scope="module")
def prefix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    d = tmp_path_factory.mktemp("install")
    tree = d / "x"
    r = subprocess.run(["make", "-s", "install", f"PREFIX={tree}", f"BUILD={d / 'build'}"], cwd=TOP,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    yield tree


def test_tree(prefix: Path) -> None:
    for rel in ("bin/aisexec", "bin/ais-keygen", "lib/libSaClm.so.2", "lib/libSaClm.so",
                "lib/libSaClm.so.2.0.0", "lib/pkgconfig/libSaClm.pc", "include/saAis/saAis.h",
                "include/saAis/saClm.h", "include/saAis/saCkpt.h", "include/saAis/saAmf.h",
                "lib/libSaCkpt.so.2", "lib/pkgconfig/libSaCkpt.pc", "lib/libevs.so.2",
                "lib/pkgconfig/libevs.pc", "include/saAis/evs.h",
                # what bin/aisexec loads: totem core, transport and driver fast path, with API headers
                "lib/aisexec/libtotemcore.so", "lib/aisexec/totem_core.h",
                "lib/aisexec/libtotemnet.so", "lib/aisexec/totemnet.h",
                "lib/aisexec/libtotemdrv.so", "lib/aisexec/totemdrv.h"):
        assert (prefix / rel).exists(), rel
    assert os.readlink(prefix / "lib/libSaClm.so.2") == "libSaClm.so.2.0.0"
    assert os.access(prefix / "bin/aisexec", os.X_OK)


def test_exported_symbols(prefix: Path) -> None:
    out = subprocess.run(["objdump", "-T", str(prefix / "lib/libSaClm.so.2")], capture_output=True,
                         text=True, check=True).stdout
    exported = sorted(line.split()[-1] for line in out.splitlines()
                      if "OPENAIS_CLM_B.01.01" in line and " DF " in line.replace("\t", " "))
    assert exported == sorted(["saClmInitialize", "saClmSelectionObjectGet", "saClmDispatch",
                               "saClmFinalize", "saClmClusterTrack", "saClmClusterTrackStop",
                               "saClmClusterNodeGet", "saClmClusterNodeGetAsync"])
    defined = [line for line in out.splitlines() if ".text" in line]
    assert len(defined) == 8, defined  # nothing else is exported
    soname = subprocess.run(["objdump", "-p", str(prefix / "lib/libSaClm.so.2")], capture_output=True,
                            text=True, check=True).stdout
    assert "SONAME               libSaClm.so.2" in soname


def test_keygen(prefix: Path, tmp_path: Path) -> None:
    key = tmp_path / "authkey"
    r = subprocess.run([str(prefix / "bin/ais-keygen"), "-o", str(key)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert key.stat().st_size == 128 and key.stat().st_mode & 0o777 == 0o400


def test_program_builds_with_pkg_config_and_runs(prefix: Path, tmp_path: Path) -> None:
    src = tmp_path / "prog.c"
    src.write_text(PROGRAM)
    env = dict(os.environ, PKG_CONFIG_PATH=str(prefix / "lib/pkgconfig"))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libSaClm"], env=env, capture_output=True,
                           text=True, check=True).stdout.split()
    subprocess.run(["cc", "-Wall", "-Werror", str(src), "-o", str(tmp_path / "prog"), *flags], check=True)
    ex = ExecutiveProcess(tmp_path)
    ex.command = lambda: [str(prefix / "bin/aisexec"), "-f", "-c", str(ex.conf)]  # type: ignore[method-assign]
    ex.start()
    try:
        run_env = dict(ex.env, LD_LIBRARY_PATH=str(prefix / "lib"))
        r = subprocess.run([str(tmp_path / "prog")], env=run_env, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stdout + r.stderr
        assert r.stdout.startswith(f"node {0x7F000001} member 1 name ")
    finally:
        assert ex.stop() == 0


def init(action: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(TOP / "conf/aisexec.init"), action], env=env, capture_output=True,
                          text=True, timeout=60)


def test_init_script(prefix: Path, tmp_path: Path) -> None:
    ex = ExecutiveProcess(tmp_path)  # only for its configuration file
    env = dict(os.environ, AISEXEC=str(prefix / "bin/aisexec"), AISEXEC_CONFIG=str(ex.conf),
               AIS_RUN_DIR=str(ex.run_dir), AISEXEC_DEFAULTS="/nonexistent")
    assert init("status", env).returncode == 3
    assert init("stop", env).returncode == 0  # stopping a stopped service succeeds
    r = init("start", env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert ex.accepts()
    pid = int((ex.run_dir / "aisexec.pid").read_text())
    assert init("status", env).returncode == 0
    assert init("start", env).returncode == 0  # already running: success, same daemon
    assert int((ex.run_dir / "aisexec.pid").read_text()) == pid
    r = init("restart", env)
    assert r.returncode == 0, r.stdout + r.stderr
    new_pid = int((ex.run_dir / "aisexec.pid").read_text())
    assert new_pid != pid and ex.accepts()
    assert init("stop", env).returncode == 0
    assert init("status", env).returncode == 3
    assert not ex.accepts()
    assert init("bogus", env).returncode == 2
    # dead but the pid file exists: status 1, then start cleans up and starts
    assert init("start", env).returncode == 0
    pid = int((ex.run_dir / "aisexec.pid").read_text())
    os.kill(pid, 9)
    for _ in range(100):
        if not os.path.exists(f"/proc/{pid}"):
            break
        subprocess.run(["sleep", "0.05"])
    assert init("status", env).returncode == 1
    assert init("start", env).returncode == 0
    assert init("stop", env).returncode == 0
    # a start that fails (bad configuration) exits non-zero
    bad = tmp_path / "bad.conf"
    bad.write_text("totem {\n")
    assert init("start", dict(env, AISEXEC_CONFIG=str(bad))).returncode == 1
