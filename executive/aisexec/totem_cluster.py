"""The Totem-backed cluster: the compiled core and the UDP transport, driven by
libtotemdrv's thread, delivering to the executive's event loop (shared/docs/totem.md
§8.2).

The core performs no I/O.  The hot loop runs in C, in a thread of its own
(executive/totemdrv, threaded mode): it polls the transport's sockets and the core's
timers and executes the core's actions strictly in order, SEND through the transport
(own multicasts are looped back into the core in memory, §5.1) right there, so a token
is passed on as soon as it arrives, however busy this loop is with deliveries.
Everything else (DELIVER, CONFCHG, PERSIST, LOG) becomes a record, announced on an
eventfd; this driver takes the records in order into a FIFO and executes them.
Multicasts (td_submit) go to the core under td's lock; the deliveries they cause come
back through the same FIFO.

PERSIST of the ring sequence: td returns it as a record and holds every later action
(sends included) unexecuted, and its thread leaves packets and timers alone; this
driver makes the sequence durable in a worker thread (the loop never blocks on the
disk) and then calls td_persist_done, which executes the held actions in order.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from .cluster import Cluster, ConfChg, RingId, load_ring_seq, store_ring_seq
from .config import TotemConfig
from .logsys import get_logger
from .netif import IPAddress
from .totem_binding import bindings

log = get_logger("TOTEM")

_OUT = 256  # records fetched per td call (td_more fetches the rest)


@dataclass
class _Persist:
    seq: int


def _now_ms() -> int:
    return time.monotonic_ns() // 1_000_000


class TotemCluster(Cluster):
    def __init__(self, cfg: TotemConfig, nodeid: int, address: IPAddress, run_dir: str,
                 isolated: bool) -> None:
        super().__init__()
        self.local_nodeid = nodeid
        self.local_address = address
        self.cfg = cfg
        self.run_dir = run_dir
        self.isolated = isolated
        b = bindings()  # loaded here, not at import: a one-node executive needs none of it
        self.ffi, self.C, self.N, self.D = b.ffi, b.core, b.net, b.drv
        # values of the C headers, read through cffi (one definition)
        c = b.core
        self._MASK = ((1 << c.TC_ACT_DELIVER) | (1 << c.TC_ACT_CONFCHG) | (1 << c.TC_ACT_PERSIST)
                      | (1 << c.TC_ACT_LOG))  # the records this driver takes
        self.core: Any = None
        self.tn: Any = None
        self.td: Any = None
        self._out = self.ffi.new(f"struct td_record[{_OUT}]")
        self._flush_wanted = self.ffi.new("int *")  # td_submit: a td_flush would send now
        self._fifo: deque[Any] = deque()
        self._running_fifo = False
        self._held = False  # a PERSIST is being made durable: actions wait
        self._downcheck: asyncio.TimerHandle | None = None
        self._efd = -1  # td's eventfd: records are waiting
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped = False
        self._flush_due = False  # a td_flush is scheduled for the end of this loop turn
        self._keep: list[Any] = []  # cdata the transport config points to

    # -- setup ------------------------------------------------------------------
    def _core_config(self) -> Any:
        cfg = self.ffi.new("struct tc_config *")
        self.C.tc_config_defaults(cfg)
        t = self.cfg
        cfg.token_ms = t.token
        cfg.token_retransmit_ms = t.token_retransmit
        cfg.hold_ms = t.hold
        cfg.join_ms = t.join
        cfg.send_join_ms = t.send_join
        cfg.consensus_ms = t.consensus
        cfg.merge_ms = t.merge
        cfg.fail_recv_const = t.fail_recv_const
        cfg.seqno_unchanged_const = t.seqno_unchanged_const
        cfg.window_size = t.window_size
        cfg.max_messages = t.max_messages
        family = 10 if self.local_address.version == 6 else 2
        payload = self.N.tn_max_payload(t.netmtu, family, 1 if t.secauth else 0)
        if payload <= 0:
            raise ValueError(f"netmtu {t.netmtu} leaves no room for a packet")
        cfg.frame_size = payload
        cfg.trans_ack_gate = 0
        cfg.token_linger = 1 if t.token_linger > 0 else 0
        if self.C.tc_config_validate(cfg) != 0:
            raise ValueError("the totem timing configuration is inconsistent")
        return cfg

    def _transport_config(self) -> Any:
        t = self.cfg
        iface = t.interfaces[0]
        keep = self._keep
        tc = self.ffi.new("struct tn_config *")
        tc.transport = self.N.TN_TRANSPORT_UDPU if t.transport == "udpu" else self.N.TN_TRANSPORT_UDP

        def cstr(s: str) -> Any:
            p = self.ffi.new("char[]", s.encode())
            keep.append(p)
            return p

        tc.nodeid = self.local_nodeid
        tc.bindnetaddr = cstr(str(self.local_address) if self.isolated else str(iface.bindnetaddr))
        if iface.mcastaddr is not None:
            tc.mcastaddr = cstr(str(iface.mcastaddr))
        tc.mcastport = iface.mcastport
        tc.ttl = iface.ttl
        tc.netmtu = t.netmtu
        tc.secauth = 1 if t.secauth else 0
        if t.secauth:
            if t.key is not None:
                key = self.ffi.new("uint8_t[]", t.key.encode())
                keep.append(key)
                tc.key = key
                tc.key_len = len(t.key.encode())
            else:
                tc.keyfile = cstr(t.keyfile)
        tc.epoch = self._next_epoch()
        members = iface.members
        if members:
            arr = self.ffi.new(f"struct tn_member[{len(members)}]")
            keep.append(arr)
            for i, m in enumerate(members):
                arr[i].nodeid = 0
                arr[i].addr = str(m).encode()
            tc.members = arr
            tc.n_members = len(members)
        return tc

    def _next_epoch(self) -> int:
        """A per-start value that never repeats (the transport's nonces depend on it)."""
        path = os.path.join(self.run_dir, f"epoch_{self.local_nodeid}")
        try:
            with open(path) as f:
                epoch = int(f.read().strip() or 0) + 1
        except (FileNotFoundError, ValueError):
            epoch = 1
        epoch = max(epoch, time.time_ns() // 1_000_000)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{epoch}\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        return epoch

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        tc = self._transport_config()
        out = self.ffi.new("struct tn **")
        err = self.ffi.new("char[256]")
        if self.N.tn_create(tc, out, err, 256) != 0 or out[0] == self.ffi.NULL:
            raise RuntimeError(f"totem transport: {self.ffi.string(err).decode(errors='replace')}")
        self.tn = out[0]
        info = self.ffi.new("struct tn_info *")
        self.N.tn_get_info(self.tn, info)
        stored = load_ring_seq(self.run_dir, self.local_nodeid)
        self.core = self.C.tc_create(self._core_config(), self.local_nodeid, stored,
                                     int.from_bytes(os.urandom(8), "little"))
        if self.core == self.ffi.NULL:
            raise RuntimeError("totem core: cannot create (configuration or memory)")
        self.td = self.D.td_create(self.core, self.tn, self.local_nodeid)
        if self.td == self.ffi.NULL:
            raise RuntimeError("totem driver: cannot create")
        self.D.td_set_output_mask(self.td, self._MASK)
        log.info("Totem on %s (%s) port %d, node id %d, secauth %s, transport %s",
                 self.ffi.string(info.local_addr).decode(), self.ffi.string(info.ifname).decode() or "-",
                 info.port, self.local_nodeid, "on" if self.cfg.secauth else "off", self.cfg.transport)
        # the core is started before td's thread exists; from then on only td calls it
        self.C.tc_start(self.core, _now_ms())
        if info.isolated:
            self.C.tc_link_state(self.core, _now_ms(), 1)
        self.D.td_set_linger_us(self.td, self.cfg.token_linger)
        self.D.td_set_rx_coalesce_us(self.td, self.cfg.rx_coalesce)
        rc = self.D.td_thread_start(self.td)
        if rc != 0:
            raise RuntimeError(f"totem driver thread: {os.strerror(-rc)}")
        self._efd = self.D.td_event_fd(self.td)
        self._loop.add_reader(self._efd, self._on_records)
        self.D.td_pump(self.td, 0, self.ffi.NULL, 0)  # run tc_start's actions
        self._downcheck = self._loop.call_later(self.cfg.downcheck / 1000, self._check_iface)

    async def stop(self) -> None:
        if self.core is None or self._stopped:
            return
        self.D.td_leave(self.td, 0, self.ffi.NULL, 0)
        self._stopped = True
        if self._downcheck is not None:
            self._downcheck.cancel()
        assert self._loop is not None
        self._loop.remove_reader(self._efd)
        self.D.td_thread_stop(self.td)
        self.D.td_destroy(self.td)
        self.N.tn_destroy(self.tn)
        self.C.tc_destroy(self.core)
        self.core = self.tn = self.td = None

    def _check_iface(self) -> None:
        if self._stopped:
            return
        assert self._loop is not None
        self.D.td_iface_check(self.td, 0, self.ffi.NULL)  # a change comes back as a record
        self._downcheck = self._loop.call_later(self.cfg.downcheck / 1000, self._check_iface)

    # -- inputs -----------------------------------------------------------------
    def _on_records(self) -> None:
        """td's thread announced records: take them all, in order, then run them."""
        if self._stopped:
            return
        try:
            os.read(self._efd, 8)
        except BlockingIOError:
            pass
        self._take()
        self._run()

    def mcast(self, service_id: int, payload: bytes) -> bool:
        if self.core is None or self._stopped:
            return False
        # the records this causes (an own delivery) come through td_take, in order
        flush = self._flush_wanted
        ok = self.D.td_submit(self.td, 0, service_id, payload, len(payload), 0,
                              self.ffi.NULL, 0, flush) == 0
        if ok and flush[0] and not self._flush_due:
            # token linger (the core keeps a visit open): what this loop turn
            # submits leaves together, on that visit, once the turn's callbacks ran
            self._flush_due = True
            assert self._loop is not None
            self._loop.call_soon(self._flush)
        return ok

    def _flush(self) -> None:
        self._flush_due = False
        # the records waiting (an own delivery, most likely) are ours to take:
        # td does not announce them on its eventfd
        if not self._stopped and self.D.td_flush(self.td, 0, self.ffi.NULL, 0) > 0:
            self._take()
            self._run()

    # -- actions ----------------------------------------------------------------
    def _take(self) -> None:
        """Copy every waiting record into the FIFO.  Nothing runs in between: the
        records are valid until the next td_take."""
        ffi, out, fifo, c = self.ffi, self._out, self._fifo, self.C
        deliver, confchg, persist, log_ = c.TC_ACT_DELIVER, c.TC_ACT_CONFCHG, c.TC_ACT_PERSIST, c.TC_ACT_LOG
        iface = self.D.TD_REC_IFACE
        while True:
            n = self.D.td_take(self.td, out, _OUT)
            if n == self.D.TD_ENOMEM:  # reported once; the records after it still come
                log.error("totem driver: out of memory, records lost")
                continue
            if n < 0:
                log.error("totem driver: td_take failed (%d)", n)
                break
            for i in range(n):
                a = out[i]
                t = a.type
                if t == deliver:
                    fifo.append((a.node, a.channel, ffi.buffer(a.data, a.len)[:]))
                elif t == confchg:
                    fifo.append(ConfChg(
                        transitional=a.kind == c.TC_CONF_TRANSITIONAL,
                        members=tuple(a.members[j] for j in range(a.n_members)),
                        left=tuple(a.left[j] for j in range(a.n_left)),
                        joined=tuple(a.joined[j] for j in range(a.n_joined)),
                        ring_id=RingId(seq=a.ring_seq, rep=a.ring_rep)))
                elif t == persist:
                    fifo.append(_Persist(a.seq))
                elif t == log_:
                    self._log(a)
                elif t == iface:
                    log.info("network interface %s", "lost: isolated" if a.arg else "back")
            if n < _OUT:
                break

    def _run(self) -> None:
        """Execute the FIFO in order (not re-entrant; stops at a PERSIST in progress)."""
        if self._running_fifo or self._held:
            return
        self._running_fifo = True
        fifo = self._fifo
        try:
            while fifo and not self._held and not self._stopped:
                item = fifo.popleft()
                if type(item) is tuple:
                    origin, channel, data = item
                    self._emit_deliver(origin, channel, data)
                elif isinstance(item, ConfChg):
                    self._emit_confchg(item)
                elif isinstance(item, _Persist):
                    self._persist(item.seq)
        finally:
            self._running_fifo = False

    def _persist(self, seq: int) -> None:
        assert self._loop is not None
        self._held = True

        def write() -> None:
            store_ring_seq(self.run_dir, self.local_nodeid, seq, durable=True)

        fut = self._loop.run_in_executor(None, write)

        def done(f: asyncio.Future[None]) -> None:
            self._held = False
            if f.exception() is not None:
                log.error("cannot store ring sequence %d in %s: %s", seq, self.run_dir, f.exception())
            if not self._stopped:
                # td holds every action after the PERSIST: it executes them now, in
                # order, and its thread takes packets and timers again
                self.D.td_persist_done(self.td, 0, self.ffi.NULL, 0)
                self._run()

        fut.add_done_callback(done)

    def _log(self, a: Any) -> None:
        name = self.ffi.string(self.C.tc_log_code_name(a.code)).decode()
        level, c = a.kind, self.C
        msg = "%s (%d, %d)"
        if level <= c.TC_LOG_ERROR:
            log.error(msg, name, a.arg, a.arg2)
        elif level == c.TC_LOG_WARNING:
            log.warning(msg, name, a.arg, a.arg2)
        elif level == c.TC_LOG_NOTICE:
            log.info(msg, name, a.arg, a.arg2)
        else:
            log.debug(msg, name, a.arg, a.arg2)
