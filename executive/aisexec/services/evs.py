"""Extended Virtual Synchrony service: openais's libevs (include/evs/evs.h).

A library handle joins groups (32-byte keys).  A multicast goes through the cluster in
agreed order as one struct ais_evs_x_mcast (libsa/ipc_wire.h): the groups, then the
deliver callback frame itself.  On delivery every node forwards that frame, as it is, to
each of its own handles that joined one of the groups; the sender's handle too, if it
joined.  The library's request is answered as soon as the message is queued (as openais
does); the cluster's "not now" is SA_AIS_ERR_TRY_AGAIN.

State: only local.  Which groups a handle joined matters only on the node that owns the
handle, so there is nothing to synchronize when the configuration changes.

Configuration changes: like openais 0.80, every configuration totem delivers, the
transitional one and the regular one, goes to every handle as a confchg callback in the
same order as the messages (extended virtual synchrony: the transitional configuration
tells which members the messages that follow it were delivered among).  A new handle
gets the last configuration at once, as it was; evs_membership_get answers its members.

This is the path the message benchmarks run, so the per-message work is a few struct
packs and unpacks and one join of bytes; the payload is never copied on delivery.
"""

from __future__ import annotations

import asyncio
import struct
from collections import Counter, deque
from typing import Any

from .. import wire
from ..cluster import Cluster, ConfChg
from ..ipc import SA_AIS_OK, Handler, LibConnection, Malformed, Service
from ..logsys import get_logger
from ..wire import C, ffi

log = get_logger("EVS")

SA_AIS_ERR_TRY_AGAIN = 6
SA_AIS_ERR_INVALID_PARAM = 7
SA_AIS_ERR_NOT_EXIST = 12
EVS_TYPE_SAFE = 3  # the highest evs_guarantee_t


def packer(ctype: str) -> struct.Struct:
    """A struct.Struct with the layout cffi computes for `ctype` (ipc_wire.h), without
    its flexible tail: packing and unpacking without cdata on the per-message path."""
    codes = {"uint8_t": "B", "uint16_t": "H", "uint32_t": "I", "int32_t": "i",
             "uint64_t": "Q", "int64_t": "q"}
    fmt: list[str] = []

    def walk(t: Any, base: int) -> None:
        for _name, f in t.fields:
            kind = f.type.kind
            if kind == "struct":
                walk(f.type, base + f.offset)
            elif kind == "primitive":
                assert base + f.offset == struct.calcsize("=" + "".join(fmt)), (ctype, _name)
                fmt.append(codes[f.type.cname])
            elif not (kind == "array" and f.type.length is None):
                raise TypeError(f"{ctype}.{_name}: {f.type.cname} is not supported")

    walk(ffi.typeof(ctype), 0)
    s = struct.Struct("=" + "".join(fmt))
    assert s.size == ffi.sizeof(ctype), ctype
    return s


_HDR = packer("struct ais_ipc_header")
_X_HEAD = packer("struct ais_evs_x_mcast")
_CB = packer("struct ais_cb_evs_deliver")
_GROUPS_REQ = wire.sizeof("struct ais_req_evs_groups")
_JOINED_REQ = packer("struct ais_req_evs_mcast_joined")  # header..., guarantee, msg_len
_GROUPS_MCAST_REQ = packer("struct ais_req_evs_mcast_groups")  # ..., msg_len, group_entries
_GROUP = wire.sizeof("struct ais_evs_group")
assert _GROUP == C.AIS_EVS_GROUP_LEN

_MAX_GROUPS: int = C.AIS_EVS_MAX_GROUPS
_MAX_MSG: int = C.AIS_EVS_MAX_MSG
_X_MCAST: int = C.AIS_EVS_X_MCAST
_CB_DELIVER: int = C.AIS_EVS_CB_DELIVER
_RESPONSE: int = C.AIS_MSG_RESPONSE
_TOO_MANY_GROUPS: int = C.AIS_EVS_ERR_TOO_MANY_GROUPS
_NOREPLY: int = C.AIS_IPC_FLAG_NOREPLY
_RETRY_S = 0.001  # while the cluster's send queue is full, offer held multicasts this often


class _Handle:
    """One library handle's groups: key -> how often joined (insertion ordered)."""

    __slots__ = ("conn", "groups", "prefix")

    def __init__(self, conn: LibConnection) -> None:
        self.conn = conn
        self.groups: dict[bytes, int] = {}
        self.prefix = b""  # packed ais_evs_x_mcast + distinct groups; b"" if none

    def refresh(self) -> None:
        keys = list(self.groups)
        self.prefix = _X_HEAD.pack(_X_MCAST, len(keys)) + b"".join(keys) if keys else b""


# A handle that lets this much of its callbacks pile up in the executive (it does not
# dispatch) is disconnected, as openais does when a library's queue is full: one
# process that stopped reading must not exhaust the executive's memory.
DISPATCH_BACKLOG_LIMIT = 64 * 1024 * 1024


def _send_frame(conn: LibConnection, frame: bytes | memoryview) -> None:
    """A callback frame (already complete: header.error OK, context 0) to the handle's
    dispatch connection, with one write; queued by ipc until that connection exists."""
    if conn.closed:
        return
    stream = conn.dispatch
    if stream is None:
        conn.callback(ffi.from_buffer("struct ais_cb_evs_deliver *", bytearray(frame)))
        return
    transport = stream.transport
    if transport is not None and transport.get_write_buffer_size() > DISPATCH_BACKLOG_LIMIT:
        log.error("library (pid %d) has %d bytes of callbacks queued and does not dispatch: "
                  "disconnecting it", conn.pid, transport.get_write_buffer_size())
        transport.abort()  # close() would wait for the backlog to drain
        conn.close()
        return
    stream.write(frame)


class EvsService(Service):
    service_id = C.AIS_SERVICE_EVS
    name = "EVS"

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.handles: dict[int, _Handle] = {}  # conn_id -> handle
        self.index: dict[bytes, list[LibConnection]] = {}  # group -> joined connections
        self.members: tuple[int, ...] = ()
        self.last_confchg: Any = None  # struct ais_cb_evs_confchg of the last configuration
        # Pipelined multicasts the cluster could not take yet, per handle, in order; the
        # library already returned EVS_OK for them, so they are sent even if it exits.
        self.held: dict[int, tuple[LibConnection, deque[bytes]]] = {}
        self._retry: asyncio.TimerHandle | None = None
        cluster.subscribe(self.service_id, self)

    def handlers(self) -> dict[int, Handler]:
        return {
            C.AIS_EVS_JOIN: Handler("struct ais_req_evs_groups", self._join, variable=True),
            C.AIS_EVS_LEAVE: Handler("struct ais_req_evs_groups", self._leave, variable=True),
            C.AIS_EVS_MCAST_JOINED: Handler("struct ais_req_evs_mcast_joined", self._mcast_joined,
                                            variable=True, noreply=True),
            C.AIS_EVS_MCAST_GROUPS: Handler("struct ais_req_evs_mcast_groups", self._mcast_groups,
                                            variable=True, noreply=True),
            C.AIS_EVS_MEMBERSHIP_GET: Handler("struct ais_ipc_header", self._membership_get),
        }

    # -- library handles ----------------------------------------------------
    def lib_init(self, conn: LibConnection) -> None:
        self.handles[conn.conn_id] = _Handle(conn)
        if self.last_confchg is not None:
            conn.callback(self.last_confchg)

    def lib_exit(self, conn: LibConnection) -> None:
        h = self.handles.pop(conn.conn_id, None)
        if h is not None and h.groups:
            keys = list(h.groups)
            h.groups.clear()
            self._reindex(keys)

    def _reindex(self, keys: list[bytes]) -> None:
        for key in keys:
            conns = [h.conn for h in self.handles.values() if key in h.groups]
            if conns:
                self.index[key] = conns
            else:
                self.index.pop(key, None)

    @staticmethod
    def _respond(conn: LibConnection, req_id: int, context: int, error: int) -> None:
        """A bare-header answer, packed without cdata (the multicast path)."""
        if not conn.closed:
            conn.request.write(_HDR.pack(_HDR.size, req_id | _RESPONSE, error, 0, context))

    # -- join / leave ---------------------------------------------------------
    @staticmethod
    def _group_keys(frame: bytes, n: int, start: int) -> list[bytes]:
        return [frame[o:o + _GROUP] for o in range(start, start + n * _GROUP, _GROUP)]

    def _groups_of(self, req: Any, frame: bytes) -> list[bytes]:
        n = req.group_entries
        if len(frame) != _GROUPS_REQ + n * _GROUP:
            raise Malformed(f"EVS join/leave of {n} groups in a frame of {len(frame)} bytes")
        return self._group_keys(frame, n, _GROUPS_REQ)

    def _join(self, conn: LibConnection, req: Any, frame: bytes) -> None:
        keys = self._groups_of(req, frame)
        h = self.handles[conn.conn_id]
        if len(h.groups.keys() | set(keys)) > _MAX_GROUPS:
            return self._respond(conn, req.header.id, req.header.context, _TOO_MANY_GROUPS)
        for key in keys:
            h.groups[key] = h.groups.get(key, 0) + 1
        h.refresh()
        self._reindex(list(set(keys)))
        self._respond(conn, req.header.id, req.header.context, SA_AIS_OK)

    def _leave(self, conn: LibConnection, req: Any, frame: bytes) -> None:
        """All or nothing: a group not joined (as often as named) is NOT_EXIST."""
        want = Counter(self._groups_of(req, frame))
        h = self.handles[conn.conn_id]
        if any(h.groups.get(key, 0) < n for key, n in want.items()):
            return self._respond(conn, req.header.id, req.header.context, SA_AIS_ERR_NOT_EXIST)
        for key, n in want.items():
            left = h.groups[key] - n
            if left:
                h.groups[key] = left
            else:
                del h.groups[key]
        h.refresh()
        self._reindex(list(want))
        self._respond(conn, req.header.id, req.header.context, SA_AIS_OK)

    # -- multicast ------------------------------------------------------------
    # The request is read with one struct unpack, not field by field through cdata.
    def _mcast(self, conn: LibConnection, head: tuple[int, ...], prefix: bytes | memoryview,
               msg: memoryview) -> None:
        req_id, context, guarantee = head[1], head[4], head[5]
        n = len(msg)
        if guarantee > EVS_TYPE_SAFE or n > _MAX_MSG:
            return self._respond(conn, req_id, context, SA_AIS_ERR_INVALID_PARAM)
        if not prefix:  # no group: nobody can receive it (openais answers OK too)
            return self._respond(conn, req_id, context, SA_AIS_OK)
        cb = _CB.pack(_CB.size + n, _CB_DELIVER, SA_AIS_OK, 0, 0, self.cluster.local_nodeid, n)
        data = b"".join((prefix, cb, msg))
        if head[3] & _NOREPLY:  # pipelined: must be taken, in order (ipc_wire.h)
            held = self.held.get(conn.conn_id)
            if held is None:
                if self.cluster.mcast(self.service_id, data):
                    return
                held = self.held[conn.conn_id] = (conn, deque())
                conn.hold()
                self._schedule_retry()
            held[1].append(data)
            return
        queued = self.cluster.mcast(self.service_id, data)
        self._respond(conn, req_id, context, SA_AIS_OK if queued else SA_AIS_ERR_TRY_AGAIN)

    def _schedule_retry(self) -> None:
        if self._retry is None:
            self._retry = asyncio.get_running_loop().call_later(_RETRY_S, self._retry_backlog)

    def _retry_backlog(self) -> None:
        """Offer the held multicasts to the cluster again (oldest first, per handle)."""
        self._retry = None
        for conn_id, (conn, queue) in list(self.held.items()):
            while queue and self.cluster.mcast(self.service_id, queue[0]):
                queue.popleft()
            if not queue:
                del self.held[conn_id]
                if not conn.closed:
                    conn.release()
        if self.held:
            self._schedule_retry()

    def _mcast_joined(self, conn: LibConnection, _req: Any, frame: bytes) -> None:
        head = _JOINED_REQ.unpack_from(frame)
        if len(frame) != _JOINED_REQ.size + head[6]:
            raise Malformed(f"EVS mcast of {head[6]} bytes in a frame of {len(frame)} bytes")
        self._mcast(conn, head, self.handles[conn.conn_id].prefix,
                    memoryview(frame)[_JOINED_REQ.size:])

    def _mcast_groups(self, conn: LibConnection, _req: Any, frame: bytes) -> None:
        head = _GROUPS_MCAST_REQ.unpack_from(frame)
        msg_len, n = head[6], head[7]
        end = _GROUPS_MCAST_REQ.size + n * _GROUP
        if len(frame) != end + msg_len:
            raise Malformed(f"EVS mcast of {msg_len} bytes to {n} groups in a frame of "
                            f"{len(frame)} bytes")
        if n > _MAX_GROUPS:
            return self._respond(conn, head[1], head[4], _TOO_MANY_GROUPS)
        view = memoryview(frame)
        prefix = _X_HEAD.pack(_X_MCAST, n) + view[_GROUPS_MCAST_REQ.size:end] if n else b""
        self._mcast(conn, head, prefix, view[end:])

    # -- membership -----------------------------------------------------------
    def _membership_get(self, conn: LibConnection, req: Any, _frame: bytes) -> None:
        members = self.members
        res = wire.new("struct ais_res_evs_membership_get", len(members), tail="member_list")
        res.local_nodeid = self.cluster.local_nodeid
        res.member_list_entries = len(members)
        res.member_list[0:len(members)] = list(members)
        conn.respond(req, SA_AIS_OK, res)

    # -- the cluster: configurations and messages in agreed order -------------
    def confchg(self, change: ConfChg) -> None:
        lists = (change.members, change.left, change.joined)
        nodes = [n for lst in lists for n in lst]
        msg = wire.new("struct ais_cb_evs_confchg", len(nodes), tail="nodes")
        msg.header.id = C.AIS_EVS_CB_CONFCHG
        msg.member_list_entries, msg.left_list_entries, msg.joined_list_entries = map(len, lists)
        msg.nodes[0:len(nodes)] = nodes
        self.members = change.members
        self.last_confchg = msg
        for h in list(self.handles.values()):
            h.conn.callback(msg)

    def deliver(self, origin: int, payload: bytes) -> None:
        size = len(payload)
        if size < _X_HEAD.size:
            return self._drop(origin, "short message")
        kind, ngroups = _X_HEAD.unpack_from(payload, 0)
        start = _X_HEAD.size + ngroups * _GROUP
        if kind != _X_MCAST or not 0 < ngroups <= _MAX_GROUPS or size < start + _CB.size:
            return self._drop(origin, f"type {kind}, {ngroups} groups, {size} bytes")
        cb_size, cb_id, error, reserved, context, nodeid, msg_len = _CB.unpack_from(payload, start)
        if (cb_size != size - start or cb_id != _CB_DELIVER or error != SA_AIS_OK or reserved
                or context or nodeid != origin or msg_len != cb_size - _CB.size):
            return self._drop(origin, "inconsistent deliver frame")
        index = self.index
        if ngroups == 1:
            targets = index.get(payload[_X_HEAD.size:start])
            if not targets:
                return
        else:
            found: dict[int, LibConnection] = {}
            for key in self._group_keys(payload, ngroups, _X_HEAD.size):
                for conn in index.get(key, ()):
                    found[conn.conn_id] = conn
            if not found:
                return
            targets = list(found.values())
        frame = memoryview(payload)[start:]
        for conn in targets:
            _send_frame(conn, frame)

    @staticmethod
    def _drop(origin: int, why: str) -> None:
        log.warning("dropping EVS message from node %d: %s", origin, why)
