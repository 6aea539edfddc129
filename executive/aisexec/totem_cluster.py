"""The Totem-backed cluster: drives the compiled core with the UDP transport on the
executive's event loop (shared/docs/totem.md §8.2).

The core performs no I/O: this driver feeds it received packets and the time, runs its
timers with one loop timer, and executes its actions in order: SEND through the
transport (own multicasts are looped back into the core in memory, §5.1), DELIVER and
CONFCHG to the services, PERSIST of the ring sequence (made durable in a worker thread
while later actions wait: the loop never blocks on the disk).

Action payloads are valid only until the next call into the core, so each batch is
copied into a FIFO before anything is executed; executing may call into the core again
(a service multicasts from its delivery handler, an own multicast is looped back), which
appends to the same FIFO and keeps the order.
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

_BATCH = 256
_RX_BATCH = 64


@dataclass
class _Send:
    dest: int  # 0: multicast (to the ring), else a node id
    data: bytes
    flush: bool
    loopback: bool


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
        b = bindings()
        self.ffi, self.C, self.N = b.ffi, b.core, b.net
        self.core: Any = None
        self.tn: Any = None
        self._acts = self.ffi.new(f"struct tc_action[{_BATCH}]")
        self._rx = self.ffi.new(f"struct tn_rx[{_RX_BATCH}]")
        self._fifo: deque[Any] = deque()
        self._running_fifo = False
        self._held = False  # a PERSIST is being made durable: actions wait
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
        self.N.tn_destroy(self.tn)
        self.C.tc_destroy(self.core)
        self.core = self.tn = None

    def _watch_fds(self) -> None:
        assert self._loop is not None
        fds = self.ffi.new("int[8]")
        n = self.N.tn_fds(self.tn, fds, 8)
        self._fds = [fds[i] for i in range(n)]
        for fd in self._fds:
            self._loop.add_reader(fd, self._on_readable)

    def _unwatch_fds(self) -> None:
        assert self._loop is not None
        for fd in self._fds:
            self._loop.remove_reader(fd)
        self._fds = []

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
        rx = self._rx
        core_input = self.C.tc_input
        while True:
            n = self.N.tn_recv(self.tn, rx, _RX_BATCH)
            if n <= 0:
                break
            now = _now_ms()
            for i in range(n):
                e = rx[i]
                core_input(self.core, now, e.nodeid, e.data, e.len)
                self._drain()
            if n < _RX_BATCH:
                break
        self._run()
        self._rearm()

    def _on_timer(self) -> None:
        self._timer = None
        if self._stopped:
            return
        self.C.tc_timeout(self.core, _now_ms())
        self._pump()

    def mcast(self, service_id: int, payload: bytes) -> bool:
        if self.core is None or self._stopped:
            return False
        if self.C.tc_submit(self.core, _now_ms(), service_id, payload, len(payload), 0) != 0:
            return False
        self._drain()
        if not self._running_fifo:
            self._run()
            self._rearm()
        return True

    def queue_space(self) -> int:
        return int(self.C.tc_queue_space(self.core)) if self.core is not None else 0

    # -- actions ----------------------------------------------------------------
    def _pump(self) -> None:
        self._drain()
        self._run()
        self._rearm()

    def _drain(self) -> None:
        """Copy every pending action of the core into the FIFO."""
        ffi, acts, fifo = self.ffi, self._acts, self._fifo
        C = self.C
        while True:
            n = C.tc_actions(self.core, acts, _BATCH)
            for i in range(n):
                a = acts[i]
                t = a.type
                if t == 2:  # TC_ACT_DELIVER
                    fifo.append((a.node, a.channel, ffi.buffer(a.data, a.len)[:]))
                elif t == 1:  # TC_ACT_SEND
                    kind = a.kind
                    fifo.append(_Send(0 if kind != 3 else a.node, ffi.buffer(a.data, a.len)[:],
                                      kind == 2, kind != 3))
                elif t == 3:  # TC_ACT_CONFCHG
                    fifo.append(ConfChg(
                        transitional=a.kind == 0,
                        members=tuple(a.members[j] for j in range(a.n_members)),
                        left=tuple(a.left[j] for j in range(a.n_left)),
                        joined=tuple(a.joined[j] for j in range(a.n_joined)),
                        ring_id=RingId(seq=a.ring.seq, rep=a.ring.rep)))
                elif t == 4:  # TC_ACT_PERSIST
                    fifo.append(_Persist(a.seq))
                elif t == 7:  # TC_ACT_LOG
                    self._log(a)
            if n < _BATCH:
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
                elif isinstance(item, _Send):
                    self._send(item)
                elif isinstance(item, ConfChg):
                    self._emit_confchg(item)
                elif isinstance(item, _Persist):
                    self._persist(item.seq)
        finally:
            self._running_fifo = False

    def _send(self, s: _Send) -> None:
        data = s.data
        if s.dest == 0:
            if self.tn is not None:
                self.N.tn_mcast(self.tn, data, len(data), self.N.TN_TX_FLUSH if s.flush else 0)
            if s.loopback:  # our own multicasts come back to us in memory (§5.1)
                self.C.tc_input(self.core, _now_ms(), self.local_nodeid, data, len(data))
                self._drain()
        elif s.dest == self.local_nodeid:
            self.C.tc_input(self.core, _now_ms(), self.local_nodeid, data, len(data))
            self._drain()
        elif self.tn is not None:
            self.N.tn_send_unicast(self.tn, s.dest, data, len(data))

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
                self._run()
                self._rearm()

        fut.add_done_callback(done)

    def _rearm(self) -> None:
        assert self._loop is not None
        deadline = self.C.tc_next_deadline(self.core)
        if deadline >= 2**63:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            return
        if self._timer is not None and self._timer_at == deadline:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = deadline
        delay = max(0.0, (deadline - _now_ms()) / 1000)
        self._timer = self._loop.call_later(delay, self._on_timer)

    def _log(self, a: Any) -> None:
        name = self.ffi.string(self.C.tc_log_code_name(a.code)).decode()
        level = a.kind
        msg = "%s (%d, %d)"
        if level <= 3:
            log.error(msg, name, a.arg, a.arg2)
        elif level == 4:
            log.warning(msg, name, a.arg, a.arg2)
        elif level == 5:
            log.info(msg, name, a.arg, a.arg2)
        else:
            log.debug(msg, name, a.arg, a.arg2)
