"""Throughput smoke check: 100k packets of 1400 bytes across the cffi boundary
in batches, one process, node 1 -> node 2 over veth.  Prints the rate; asserts
only that the packets arrived."""

from __future__ import annotations

import time
from typing import Any

import pytest
from tnet import MakeTransport

COUNT, SIZE, BATCH = 100_000, 1400, 64


@pytest.mark.parametrize("secauth", [True, False], ids=["secauth", "clear"])
def test_throughput(make: MakeTransport, tn: tuple[Any, Any], secauth: bool) -> None:
    ffi, lib = tn
    a = make(1, secauth=secauth)
    b = make(2, secauth=secauth)
    data = bytes(range(256)) * 6
    buf = ffi.from_buffer(data[:SIZE])
    tx = ffi.new("struct tn_tx[]", BATCH)
    for i in range(BATCH):
        tx[i].data, tx[i].len, tx[i].dest = buf, SIZE, lib.TN_DEST_MCAST
    rx = ffi.new("struct tn_rx[]", BATCH)
    received = rbytes = 0
    start = time.perf_counter()
    sent = 0
    while sent < COUNT:
        n = min(BATCH, COUNT - sent)
        assert lib.tn_send_batch(a.handle, tx, n, ffi.NULL) == n
        sent += n
        while True:  # what has arrived so far, as the driver would on POLLIN
            got = lib.tn_recv(b.handle, rx, BATCH)
            for i in range(got):
                rbytes += rx[i].len
            received += got
            if got < BATCH and not lib.tn_rx_pending(b.handle):
                break
    deadline = time.perf_counter() + 2
    while received < COUNT and time.perf_counter() < deadline:
        got = lib.tn_recv(b.handle, rx, BATCH)
        received += got
        rbytes += sum(rx[i].len for i in range(got))
    elapsed = time.perf_counter() - start
    s = b.stats()
    print(f"\n{'secauth' if secauth else 'clear'}: {received}/{COUNT} packets of {SIZE} bytes in "
          f"{elapsed:.2f} s: {received / elapsed:,.0f} packets/s, {rbytes / elapsed / 1e6:.0f} MB/s "
          f"(send + receive in one thread, batches of {BATCH})")
    assert rbytes == received * SIZE
    assert received >= COUNT * 0.95
    assert s["malformed"] == s["auth_failures"] == s["replays"] == 0
    assert a.stats()["tx_errors"] == 0
