"""Fixtures of the libtotemnet tests: the library through cffi, a pair of
network namespaces joined by veth (deleted at the end), ports, authkeys."""

from __future__ import annotations

import itertools
import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tnet  # noqa: E402

_ports = itertools.count(21000 + secrets.randbelow(2000) * 4, 4)


@pytest.fixture(scope="session")
def tn() -> tuple[Any, Any]:
    try:
        return tnet.load()
    except AssertionError as e:
        pytest.fail(str(e))


@pytest.fixture(scope="session")
def net() -> Iterator[tnet.Net]:
    if os.geteuid() != 0:
        pytest.fail("the totemnet tests create network namespaces: run them as root")
    n = tnet.Net.create(secrets.token_hex(3))
    try:
        yield n
    finally:
        n.destroy()


@pytest.fixture
def port() -> int:
    """A fresh mcastport (mcastport - 1 is used too)."""
    return next(_ports)


@pytest.fixture(scope="session")
def authkey() -> bytes:
    return secrets.token_bytes(128)


@pytest.fixture
def keyfile(tmp_path: Path, authkey: bytes) -> str:
    return str(tnet.write_key(tmp_path / "authkey", authkey))


@pytest.fixture
def make(tn: tuple[Any, Any], net: tnet.Net, port: int, keyfile: str) -> Iterator[tnet.MakeTransport]:
    """make(node, mode=, family=, secauth=, **tn_config fields): node 1 and 3
    live in namespace A (addresses .1 and .3), node 2 in B (.2); with udpu the
    member list is those three.  Closed at teardown."""
    ffi, lib = tn
    made: list[tnet.Transport] = []

    def _make(node: int, *, mode: str = "udp", family: int = 4, secauth: bool = True,
              ns: str | None = None, **kw: Any) -> tnet.Transport:
        addrs = net.addrs(family)
        cfg: dict[str, Any] = {
            "transport": lib.TN_TRANSPORT_UDPU if mode == "udpu" else lib.TN_TRANSPORT_UDP,
            "nodeid": node,
            "bindnetaddr": addrs[node - 1],
            "mcastaddr": net.mcast(family),
            "mcastport": port,
            "secauth": int(secauth),
            "epoch": 1000 + node,
        }
        if secauth and "key" not in kw:
            cfg["keyfile"] = keyfile
        if mode == "udpu":
            cfg["members"] = [(1, addrs[0]), (2, addrs[1]), (3, addrs[2])]
        cfg.update(kw)
        t = tnet.Transport.create(ffi, lib, ns or (net.ns_b if node == 2 else net.ns_a), **cfg)
        made.append(t)
        return t

    yield _make
    for t in made:
        t.close()
