"""The Totem-backed cluster: drives the compiled core with the UDP transport on the
executive's event loop (shared/docs/totem.md §8.2).

The core performs no I/O.  The hot loop runs in C (libtotemdrv, executive/totemdrv):
td_poll drains the transport into the core, td_timeout runs its timers, td_submit
queues a multicast, and each executes the core's actions strictly in order: SEND through
the transport (own multicasts are looped back into the core in memory, §5.1) right
there, everything else (DELIVER, CONFCHG, PERSIST, LOG) copied out as records, in order.

The records are copied into a FIFO before anything is executed: executing may call into
td again (a service multicasts from its delivery handler), which appends to the same
FIFO and keeps the order.  PERSIST of the ring sequence: td returns it as its last
record and holds every later action (sends included) unexecuted; this driver makes the
sequence durable in a worker thread (the loop never blocks on the disk) and then calls
td_persist_done, which executes the held actions in order.  While td is held it refuses
packets and timers (the readers are paused), but still queues submits.
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
        self._HELD = b.drv.TD_HELD
        c = b.core
        self._MASK = ((1 << c.TC_ACT_DELIVER) | (1 << c.TC_ACT_CONFCHG) | (1 << c.TC_ACT_PERSIST)
                      | (1 << c.TC_ACT_LOG))  # the records this driver takes
        self.core: Any = None
        self.tn: Any = None
        self.td: Any = None
        self._out = self.ffi.new(f"struct td_record[{_OUT}]")
        self._nout = self.ffi.new("int *")
        self._fifo: deque[Any] = deque()
        self._running_fifo = False
        self._held = False  # a PERSIST is being made durable: actions wait
        self._rx_paused = False  # td refused input while held: readers removed
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0
        self._downcheck: asyncio.TimerHandle | None = None
        self._fds: list[int] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped = False
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
        self._watch_fds()
        self.C.tc_start(self.core, _now_ms())
        if info.isolated:
            self.C.tc_link_state(self.core, _now_ms(), 1)
        self._pump()
        self._downcheck = self._loop.call_later(self.cfg.downcheck / 1000, self._check_iface)

    async def stop(self) -> None:
        if self.core is None or self._stopped:
            return
        self.C.tc_leave(self.core, _now_ms())
        self._pump()
        self._stopped = True
        for h in (self._timer, self._downcheck):
            if h is not None:
                h.cancel()
        self._unwatch_fds()
        self.D.td_destroy(self.td)
        self.N.tn_destroy(self.tn)
        self.C.tc_destroy(self.core)
        self.core = self.tn = self.td = None

    def _watch_fds(self) -> None:
        assert self._loop is not None
        fds = self.ffi.new("int[8]")
        n = self.N.tn_fds(self.tn, fds, 8)
        self._fds = [fds[i] for i in range(n)]
        for fd in self._fds:
            self._loop.add_reader(fd, self._on_readable)

    def _unwatch_fds(self) -> None:
        assert self._loop is not None
        if not self._rx_paused:
            for fd in self._fds:
                self._loop.remove_reader(fd)
        self._fds = []
        self._rx_paused = False

    def _check_iface(self) -> None:
        if self._stopped:
            return
        assert self._loop is not None
        if self.N.tn_iface_check(self.tn) == self.N.TN_IFACE_CHANGED:
            self._unwatch_fds()
            self._watch_fds()
            info = self.ffi.new("struct tn_info *")
            self.N.tn_get_info(self.tn, info)
            log.info("network interface %s", "lost: isolated" if info.isolated else "back")
            self.C.tc_link_state(self.core, _now_ms(), 1 if info.isolated else 0)
            self._pump()
        self._downcheck = self._loop.call_later(self.cfg.downcheck / 1000, self._check_iface)

    # -- inputs -----------------------------------------------------------------
    def _on_readable(self) -> None:
        if self._stopped:
            return
        n = self.D.td_poll(self.td, _now_ms(), self._out, _OUT)
        if n == self._HELD:  # a PERSIST is outstanding: leave the packets in the socket
            self._pause_rx()
            return
        if n:
            self._take(n)
        if self._fifo:
            self._run()
        self._rearm()

    def _pause_rx(self) -> None:
        assert self._loop is not None
        if not self._rx_paused:
            self._rx_paused = True
            for fd in self._fds:
                self._loop.remove_reader(fd)

    def _resume_rx(self) -> None:
        assert self._loop is not None
        if self._rx_paused:
            self._rx_paused = False
            for fd in self._fds:
                self._loop.add_reader(fd, self._on_readable)

    def _on_timer(self) -> None:
        self._timer = None
        if self._stopped:
            return
        n = self.D.td_timeout(self.td, _now_ms(), self._out, _OUT)
        if n == self._HELD:  # rearmed when the PERSIST completes
            return
        self._take(n)
        self._run()
        self._rearm()

    def mcast(self, service_id: int, payload: bytes) -> bool:
        if self.core is None or self._stopped:
            return False
        rc = self.D.td_submit(self.td, _now_ms(), service_id, payload, len(payload), 0,
                              self._out, _OUT, self._nout)
        self._take(self._nout[0])
        if not self._running_fifo:
            self._run()
            self._rearm()
        return rc == 0

    # -- actions ----------------------------------------------------------------
    def _pump(self) -> None:
        """After a direct core call (start, leave, link state): run its actions."""
        n = self.D.td_pump(self.td, _now_ms(), self._out, _OUT)
        if n != self._HELD:
            self._take(n)
        self._run()
        self._rearm()

    def _take(self, n: int) -> None:
        """Copy the records of the last td call (and any it could not return) into the
        FIFO.  Nothing runs in between: the records are valid until the next td call."""
        if n < 0:
            if n != self._HELD:
                log.error("totem driver failed (%d): out of memory", n)
            return
        ffi, out, fifo, c = self.ffi, self._out, self._fifo, self.C
        deliver, confchg, persist, log_ = c.TC_ACT_DELIVER, c.TC_ACT_CONFCHG, c.TC_ACT_PERSIST, c.TC_ACT_LOG
        while n > 0:
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
            if n < _OUT:
                break
            n = self.D.td_more(self.td, out, _OUT)

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
                # td holds every action after the PERSIST: execute them now, in order
                self._take(self.D.td_persist_done(self.td, _now_ms(), self._out, _OUT))
                self._resume_rx()
                self._run()
                self._rearm()

        fut.add_done_callback(done)

    def _rearm(self) -> None:
        assert self._loop is not None
        deadline = self.D.td_next_deadline(self.td)
        if self._timer is not None and self._timer_at <= deadline:
            # the deadlines move on with every token: an armed timer that fires early
            # finds nothing expired and rearms, far cheaper than rescheduling per hop
            return
        if deadline >= 2**63:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = deadline
        delay = max(0.0, (deadline - _now_ms()) / 1000)
        self._timer = self._loop.call_later(delay, self._on_timer)

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
