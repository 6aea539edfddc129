"""The replicated state of the Checkpoint service (SAI-AIS-CKPT-B.01.01).

Every member holds one CkptState and changes it only in delivery handlers, by the
methods below, in agreed order (ARCHITECTURE.md rules 1 and 2).  So the methods are
deterministic: no clock (the originator's time comes as `now`), no randomness (new
ids are drawn by the originator and travel in the message), no local connection
state.  They return the error the originating library gets.

Identities: a checkpoint has a cluster-unique ckpt_id; an opener (one successful
saCkptCheckpointOpen) has a cluster-unique open_id and belongs to (node, conn_id),
the library connection that opened it.  Linked checkpoints are found by name;
unlinked ones only through their openers, until the last one closes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

# SaAisErrorT
OK = 1
ERR_LIBRARY = 2
ERR_INIT = 4
ERR_TIMEOUT = 5
ERR_TRY_AGAIN = 6
ERR_INVALID_PARAM = 7
ERR_NO_MEMORY = 8
ERR_BAD_HANDLE = 9
ERR_ACCESS = 11
ERR_NOT_EXIST = 12
ERR_EXIST = 14
ERR_NO_SPACE = 15
ERR_NO_RESOURCES = 18
ERR_BAD_OPERATION = 20
ERR_BAD_FLAGS = 25

SA_TIME_END = 0x7FFFFFFFFFFFFFFF

# creation flags
WR_ALL_REPLICAS = 0x1
WR_ACTIVE_REPLICA = 0x2
WR_ACTIVE_REPLICA_WEAK = 0x4
COLLOCATED = 0x8
# open flags
OPEN_READ = 0x1
OPEN_WRITE = 0x2
OPEN_CREATE = 0x4
OPEN_ALL = OPEN_READ | OPEN_WRITE | OPEN_CREATE
# SaCkptSectionsChosenT
SECTIONS_FOREVER = 1
SECTIONS_LEQ_EXPIRATION_TIME = 2
SECTIONS_GEQ_EXPIRATION_TIME = 3
SECTIONS_CORRUPTED = 4
SECTIONS_ANY = 5
SECTION_VALID = 1

DEFAULT_SECTION = b""


@dataclass(frozen=True, slots=True)
class Attrs:
    """SaCkptCheckpointCreationAttributesT."""

    creation_flags: int
    checkpoint_size: int
    retention_duration: int
    max_sections: int
    max_section_size: int
    max_section_id_size: int

    def error(self) -> int:
        """OK, or why these attributes cannot create a checkpoint."""
        replicas = self.creation_flags & (WR_ALL_REPLICAS | WR_ACTIVE_REPLICA | WR_ACTIVE_REPLICA_WEAK)
        if self.creation_flags & ~(WR_ALL_REPLICAS | WR_ACTIVE_REPLICA | WR_ACTIVE_REPLICA_WEAK | COLLOCATED):
            return ERR_INVALID_PARAM
        if replicas not in (WR_ALL_REPLICAS, WR_ACTIVE_REPLICA, WR_ACTIVE_REPLICA_WEAK):
            return ERR_INVALID_PARAM  # exactly one update option
        if self.max_sections < 1 or self.retention_duration < 0:
            return ERR_INVALID_PARAM
        if self.checkpoint_size > self.max_sections * self.max_section_size:
            return ERR_INVALID_PARAM
        return OK

    def same_as(self, other: Attrs) -> bool:
        # The retention duration is left out: saCkptCheckpointRetentionDurationSet
        # changes it after creation, and a later opener repeating the creation
        # attributes must still match (as openais does).
        return (self.creation_flags, self.checkpoint_size, self.max_sections, self.max_section_size,
                self.max_section_id_size) == (
                other.creation_flags, other.checkpoint_size, other.max_sections, other.max_section_size,
                other.max_section_id_size)


@dataclass(slots=True, eq=False)
class Section:
    id: bytes
    data: bytearray
    expiration: int
    last_update: int


@dataclass(slots=True, eq=False)
class Opener:
    open_id: int
    node: int
    conn_id: int
    flags: int


@dataclass(slots=True, eq=False)
class Checkpoint:
    ckpt_id: int
    name: bytes
    attrs: Attrs
    sections: dict[bytes, Section] = field(default_factory=dict)
    openers: dict[int, Opener] = field(default_factory=dict)
    unlinked: bool = False
    retention_deadline: int = SA_TIME_END  # running while there is no opener
    active_node: int = 0  # collocated checkpoints: the node of the active replica
    next_generated: int = 0
    used: int = 0  # bytes of section data

    def has_active_replica(self) -> bool:
        flags = self.attrs.creation_flags
        if flags & WR_ALL_REPLICAS or not flags & COLLOCATED:
            return True  # synchronous, or the service chooses the active replica
        return self.active_node != 0


def _add_clamped(a: int, b: int) -> int:
    return min(a + b, SA_TIME_END)


class CkptState:
    """All checkpoints of the cluster, as this member's replica."""

    def __init__(self) -> None:
        self.linked: dict[bytes, Checkpoint] = {}
        self.ckpts: dict[int, Checkpoint] = {}
        self.by_opener: dict[int, Checkpoint] = {}
        # (kind, ckpt_id, section id, deadline) of deadlines set since the last
        # drain: the service arms local timers for them.
        self.new_deadlines: list[tuple[str, int, bytes, int]] = []

    # -- lookups ------------------------------------------------------------
    def opener(self, node: int, conn_id: int, open_id: int) -> tuple[Checkpoint, Opener] | None:
        """The checkpoint and opener of open_id, if it belongs to (node, conn_id)."""
        ckpt = self.by_opener.get(open_id)
        if ckpt is None:
            return None
        op = ckpt.openers[open_id]
        if op.node != node or op.conn_id != conn_id:
            return None
        return ckpt, op

    def _write_opener(self, node: int, conn_id: int, open_id: int) -> tuple[int, Checkpoint | None]:
        """The checkpoint of open_id, opened for writing by (node, conn_id)."""
        found = self.opener(node, conn_id, open_id)
        if found is None:
            return ERR_BAD_HANDLE, None
        ckpt, op = found
        if not op.flags & OPEN_WRITE:
            return ERR_ACCESS, None
        return OK, ckpt

    def _writable(self, node: int, conn_id: int, open_id: int) -> tuple[int, Checkpoint | None]:
        """As _write_opener, and the checkpoint has a replica to write to."""
        err, ckpt = self._write_opener(node, conn_id, open_id)
        if ckpt is not None and not ckpt.has_active_replica():
            return ERR_NOT_EXIST, None
        return err, ckpt

    # -- checkpoints --------------------------------------------------------
    def open(self, node: int, conn_id: int, open_id: int, ckpt_id: int, name: bytes, flags: int,
             attrs: Attrs | None, now: int) -> tuple[int, Checkpoint | None]:
        if open_id in self.by_opener:
            return ERR_EXIST, None  # a replayed message: never open twice
        ckpt = self.linked.get(name)
        if ckpt is None:
            if not flags & OPEN_CREATE or attrs is None:
                return ERR_NOT_EXIST, None
            if attrs.error() != OK:
                return attrs.error(), None
            while ckpt_id in self.ckpts:  # only after a sync merged an equal id (2^-63)
                ckpt_id += 1
            ckpt = Checkpoint(ckpt_id, name, attrs)
            if attrs.max_sections == 1:
                ckpt.sections[DEFAULT_SECTION] = Section(DEFAULT_SECTION, bytearray(), SA_TIME_END, now)
            self.linked[name] = ckpt
            self.ckpts[ckpt_id] = ckpt
        elif flags & OPEN_CREATE and attrs is not None and not attrs.same_as(ckpt.attrs):
            return ERR_EXIST, None
        ckpt.openers[open_id] = Opener(open_id, node, conn_id, flags & (OPEN_READ | OPEN_WRITE))
        self.by_opener[open_id] = ckpt
        ckpt.retention_deadline = SA_TIME_END
        return OK, ckpt

    def close(self, node: int, conn_id: int, open_id: int, now: int) -> int:
        found = self.opener(node, conn_id, open_id)
        if found is None:
            return ERR_BAD_HANDLE
        self._drop_opener(found[0], open_id, now)
        return OK

    def _drop_opener(self, ckpt: Checkpoint, open_id: int, now: int) -> None:
        del ckpt.openers[open_id]
        del self.by_opener[open_id]
        if not ckpt.openers:
            self._last_closed(ckpt, now)

    def _last_closed(self, ckpt: Checkpoint, now: int) -> None:
        if ckpt.unlinked:
            self._delete(ckpt)
            return
        ckpt.retention_deadline = _add_clamped(now, ckpt.attrs.retention_duration)
        if ckpt.retention_deadline != SA_TIME_END:
            self.new_deadlines.append(("retention", ckpt.ckpt_id, b"", ckpt.retention_deadline))

    def _delete(self, ckpt: Checkpoint) -> None:
        for open_id in ckpt.openers:
            del self.by_opener[open_id]
        ckpt.openers.clear()
        self.ckpts.pop(ckpt.ckpt_id, None)
        if self.linked.get(ckpt.name) is ckpt:
            del self.linked[ckpt.name]

    def conn_exit(self, node: int, conn_id: int, now: int) -> int:
        """A library connection is gone: close every checkpoint it had open."""
        mine = [(ckpt, op.open_id) for ckpt in list(self.ckpts.values()) for op in ckpt.openers.values()
                if op.node == node and op.conn_id == conn_id]
        for ckpt, open_id in mine:
            self._drop_opener(ckpt, open_id, now)
        return len(mine)

    def unlink(self, name: bytes) -> int:
        ckpt = self.linked.pop(name, None)
        if ckpt is None:
            return ERR_NOT_EXIST
        ckpt.unlinked = True  # the name is free at once; openers keep the checkpoint
        if not ckpt.openers:
            self._delete(ckpt)
        return OK

    def retention_expire(self, ckpt_id: int, deadline: int) -> bool:
        """A retention timer fired somewhere; stale or repeated ones change nothing."""
        ckpt = self.ckpts.get(ckpt_id)
        if ckpt is None or ckpt.openers or ckpt.retention_deadline != deadline:
            return False
        self._delete(ckpt)
        return True

    def retention_set(self, node: int, conn_id: int, open_id: int, duration: int) -> int:
        found = self.opener(node, conn_id, open_id)
        if found is None:
            return ERR_BAD_HANDLE
        ckpt = found[0]
        if duration < 0:
            return ERR_INVALID_PARAM
        if ckpt.unlinked:
            return ERR_BAD_OPERATION  # B.01.01: the retention of an unlinked checkpoint is moot
        ckpt.attrs = replace(ckpt.attrs, retention_duration=duration)
        return OK

    def active_replica_set(self, node: int, conn_id: int, open_id: int) -> int:
        err, ckpt = self._write_opener(node, conn_id, open_id)
        if ckpt is None:
            return err
        if not ckpt.attrs.creation_flags & COLLOCATED or ckpt.attrs.creation_flags & WR_ALL_REPLICAS:
            return ERR_BAD_OPERATION  # only a collocated asynchronous checkpoint has one to set
        ckpt.active_node = node
        return OK

    def synchronize(self, node: int, conn_id: int, open_id: int) -> int:
        err, ckpt = self._write_opener(node, conn_id, open_id)
        if ckpt is None:
            return err
        if ckpt.attrs.creation_flags & WR_ALL_REPLICAS:
            return ERR_BAD_OPERATION
        if not ckpt.has_active_replica():
            return ERR_NOT_EXIST
        # Every replica applies updates in agreed order, so once this message is
        # delivered the updates before it are in every replica.
        return OK

    # -- sections -----------------------------------------------------------
    def section_create(self, node: int, conn_id: int, open_id: int, sid: bytes | None, expiration: int,
                       data: bytes | memoryview, now: int) -> tuple[int, bytes]:
        """sid None: generate one.  Returns the error and the section id."""
        err, ckpt = self._writable(node, conn_id, open_id)
        if ckpt is None:
            return err, b""
        attrs = ckpt.attrs
        if len(data) > attrs.max_section_size:
            return ERR_INVALID_PARAM, b""
        if sid is not None and (len(sid) > attrs.max_section_id_size or sid == DEFAULT_SECTION):
            return ERR_INVALID_PARAM, b""
        if len(ckpt.sections) >= attrs.max_sections:
            return ERR_NO_SPACE, b""
        if ckpt.used + len(data) > attrs.checkpoint_size:
            return ERR_NO_SPACE, b""
        if sid is None:
            while True:
                sid = b"%d" % ckpt.next_generated
                ckpt.next_generated += 1
                if sid not in ckpt.sections:
                    break
            if len(sid) > attrs.max_section_id_size:
                return ERR_NO_SPACE, b""  # no generated id fits any more
        elif sid in ckpt.sections:
            return ERR_EXIST, b""
        ckpt.sections[sid] = Section(sid, bytearray(data), expiration, now)
        ckpt.used += len(data)
        if expiration != SA_TIME_END:
            self.new_deadlines.append(("section", ckpt.ckpt_id, sid, expiration))
        return OK, sid

    def section_delete(self, node: int, conn_id: int, open_id: int, sid: bytes) -> int:
        err, ckpt = self._writable(node, conn_id, open_id)
        if ckpt is None:
            return err
        if sid == DEFAULT_SECTION:
            return ERR_INVALID_PARAM
        sec = ckpt.sections.pop(sid, None)
        if sec is None:
            return ERR_NOT_EXIST
        ckpt.used -= len(sec.data)
        return OK

    def expiration_set(self, node: int, conn_id: int, open_id: int, sid: bytes, expiration: int) -> int:
        err, ckpt = self._writable(node, conn_id, open_id)
        if ckpt is None:
            return err
        if sid == DEFAULT_SECTION:
            return ERR_INVALID_PARAM  # the default section never expires
        sec = ckpt.sections.get(sid)
        if sec is None:
            return ERR_NOT_EXIST
        sec.expiration = expiration
        if expiration != SA_TIME_END:
            self.new_deadlines.append(("section", ckpt.ckpt_id, sid, expiration))
        return OK

    def section_expire(self, ckpt_id: int, sid: bytes, expiration: int) -> bool:
        ckpt = self.ckpts.get(ckpt_id)
        if ckpt is None:
            return False
        sec = ckpt.sections.get(sid)
        if sec is None or sec.expiration != expiration or sid == DEFAULT_SECTION:
            return False
        del ckpt.sections[sid]
        ckpt.used -= len(sec.data)
        return True

    # -- data -----------------------------------------------------------------
    def write(self, node: int, conn_id: int, open_id: int,
              elements: list[tuple[bytes, int, memoryview]], now: int) -> tuple[int, int]:
        """Writes every element or none (the first bad one's error and index).

        openais writes the elements before a bad one; B.01.01 allows either, and all
        or nothing leaves the checkpoint in a state the writer knows.  lastUpdate is
        the originator's time of the write (openais leaves it 0; the spec wants it)."""
        err, ckpt = self._writable(node, conn_id, open_id)
        if ckpt is None:
            return err, 0
        attrs = ckpt.attrs
        sizes: dict[bytes, int] = {}
        used = ckpt.used
        for i, (sid, offset, data) in enumerate(elements):
            sec = ckpt.sections.get(sid)
            if sec is None:
                return ERR_NOT_EXIST, i
            end = offset + len(data)
            if end > attrs.max_section_size:
                return ERR_INVALID_PARAM, i
            old = sizes.get(sid, len(sec.data))
            if end > old:
                used += end - old
                sizes[sid] = end
                if used > attrs.checkpoint_size:
                    return ERR_NO_SPACE, i
        for sid, offset, data in elements:
            sec = ckpt.sections[sid]
            buf = sec.data
            if offset > len(buf):
                buf.extend(bytes(offset - len(buf)))
            buf[offset:offset + len(data)] = data
            sec.last_update = now
        ckpt.used = used
        return OK, 0

    def overwrite(self, node: int, conn_id: int, open_id: int, sid: bytes, data: memoryview | bytes,
                  now: int) -> int:
        err, ckpt = self._writable(node, conn_id, open_id)
        if ckpt is None:
            return err
        sec = ckpt.sections.get(sid)
        if sec is None:
            return ERR_NOT_EXIST
        if len(data) > ckpt.attrs.max_section_size:
            return ERR_INVALID_PARAM
        used = ckpt.used - len(sec.data) + len(data)
        if used > ckpt.attrs.checkpoint_size:
            return ERR_NO_SPACE
        sec.data = bytearray(data)
        sec.last_update = now
        ckpt.used = used
        return OK

    # -- reads (local, by the library handler) --------------------------------
    @staticmethod
    def read(ckpt: Checkpoint, sid: bytes, offset: int, size: int | None) -> tuple[int, memoryview]:
        sec = ckpt.sections.get(sid)
        if sec is None:
            return ERR_NOT_EXIST, memoryview(b"")
        if offset > len(sec.data):
            return ERR_INVALID_PARAM, memoryview(b"")
        end = len(sec.data) if size is None else min(len(sec.data), offset + size)
        return OK, memoryview(sec.data)[offset:end]

    @staticmethod
    def chosen(ckpt: Checkpoint, how: int, when: int) -> Iterator[Section]:
        for sec in ckpt.sections.values():
            if how == SECTIONS_ANY:
                yield sec
            elif how == SECTIONS_FOREVER and sec.expiration == SA_TIME_END:
                yield sec
            elif how == SECTIONS_LEQ_EXPIRATION_TIME and sec.expiration <= when:
                yield sec
            elif how == SECTIONS_GEQ_EXPIRATION_TIME and sec.expiration >= when:
                yield sec
            # SECTIONS_CORRUPTED: no section is ever corrupted here

    # -- configuration changes -----------------------------------------------
    def release_departed(self, members: Iterable[int], now: int) -> None:
        """Close the openers of nodes that are gone; forget their active replicas;
        start retention where nobody has the checkpoint open any more."""
        alive = set(members)
        for ckpt in list(self.ckpts.values()):
            if ckpt.active_node and ckpt.active_node not in alive:
                ckpt.active_node = 0
            gone = [oid for oid, op in ckpt.openers.items() if op.node not in alive]
            for oid in gone:
                del ckpt.openers[oid]
                del self.by_opener[oid]
            if ckpt.openers:
                ckpt.retention_deadline = SA_TIME_END
            elif gone or (ckpt.retention_deadline == SA_TIME_END and not ckpt.unlinked):
                self._last_closed(ckpt, now)
            elif ckpt.unlinked:
                self._delete(ckpt)

    def adopt(self, ckpts: Iterable[Checkpoint]) -> None:
        """Replace the whole replica (the end of a sync)."""
        self.linked.clear()
        self.ckpts.clear()
        self.by_opener.clear()
        for ckpt in ckpts:
            self.ckpts[ckpt.ckpt_id] = ckpt
            if not ckpt.unlinked:
                self.linked[ckpt.name] = ckpt
            for oid in ckpt.openers:
                self.by_opener[oid] = ckpt
        self.new_deadlines.clear()

    def all_deadlines(self) -> Iterator[tuple[str, int, bytes, int]]:
        for ckpt in self.ckpts.values():
            if not ckpt.openers and ckpt.retention_deadline != SA_TIME_END:
                yield ("retention", ckpt.ckpt_id, b"", ckpt.retention_deadline)
            for sec in ckpt.sections.values():
                if sec.expiration != SA_TIME_END and sec.id != DEFAULT_SECTION:
                    yield ("section", ckpt.ckpt_id, sec.id, sec.expiration)
