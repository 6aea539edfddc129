"""The CKPT replicated state machine and its sync protocol on simulated clusters:
replicas stay identical after every step, joiners get everything, acknowledged
writes survive the loss of any node but the last, openers on dead nodes are closed
and retention runs."""

from __future__ import annotations

import random

import pytest
from aisexec.services.ckpt_state import SA_TIME_END
from ckpt_sim import Cluster3, attrs

OK, NOT_EXIST, BAD_HANDLE, ACCESS, EXIST, NO_SPACE, INVALID, BAD_OP = 1, 12, 9, 11, 14, 15, 7, 20
SEC = 10**9


@pytest.fixture
def cl() -> Cluster3:
    return Cluster3(3)


def test_write_on_one_node_read_on_all(cl: Cluster3) -> None:
    a = cl.client(1)
    err, h = a.open(b"ck", a=attrs())
    assert err == OK
    assert a.create(h, b"s1", b"hello")[0] == OK
    assert a.write(h, [(b"s1", 5, b" world")]) == (OK, 0)
    cl.assert_identical()
    for n in (2, 3):
        c = cl.client(n)
        err, h2 = c.open(b"ck", flags=1)
        assert err == OK
        assert c.read(h2, b"s1") == (OK, b"hello world")
        assert c.read(h2, b"s1", 6, 3) == (OK, b"wor")
        assert c.write(h2, [(b"s1", 0, b"x")])[0] == ACCESS  # opened read-only
    cl.assert_identical()


def test_replicas_identical_after_every_step_of_a_random_workload(cl: Cluster3) -> None:
    rnd = random.Random(7)
    clients = [cl.client(n) for n in (1, 2, 3)]
    handles = []
    for c in clients:
        err, h = c.open(b"shared", a=attrs(sections=20, section_size=256, size=2048))
        assert err == OK
        handles.append(h)
    for step in range(300):
        i = rnd.randrange(3)
        c, h = clients[i], handles[i]
        sid = b"s%d" % rnd.randrange(8)
        op = rnd.randrange(5)
        if op == 0:
            c.create(h, sid, bytes(rnd.randrange(40)))
        elif op == 1:
            c.write(h, [(sid, rnd.randrange(200), rnd.randbytes(rnd.randrange(80)))])
        elif op == 2:
            c.overwrite(h, sid, rnd.randbytes(rnd.randrange(100)))
        elif op == 3:
            c.delete(h, sid)
        else:
            c.expiration_set(h, sid, cl.clock.now() + rnd.randrange(1, 5) * SEC)
        if step % 50 == 25:
            cl.advance(2 * SEC)
        cl.assert_identical()


def test_joiner_during_writes_gets_everything(cl: Cluster3) -> None:
    a = cl.client(1)
    _, h = a.open(b"big", a=attrs(sections=1000, size=1 << 22))
    for i in range(50):
        assert a.create(h, b"sec%d" % i, bytes([i]) * 100)[0] == OK
    # writes in flight while node 4 joins
    cl.add(4)
    for i in range(20):
        a.write(h, [(b"sec%d" % i, 0, b"new%d" % i)], run=False)
    cl.net.join(4)
    cl.net.run()
    replica = cl.assert_identical()
    assert len(replica) == 1
    d = cl.client(4)
    err, h4 = d.open(b"big", flags=1)
    assert err == OK
    for i in range(50):
        expect = (b"new%d" % i + bytes([i]) * 100)[:100] if i < 20 else bytes([i]) * 100
        assert d.read(h4, b"sec%d" % i) == (OK, expect)
    # every write was answered: the in-flight ones after the sync
    assert all(err == OK for _, err, _ in a.conn.responses)
    assert len(a.conn.responses) == 1 + 50 + 20


def test_acknowledged_writes_survive_losing_all_but_one(cl: Cluster3) -> None:
    a = cl.client(2)
    _, h = a.open(b"durable", a=attrs(sections=1))
    assert a.write(h, [(b"", 0, b"committed")]) == (OK, 0)
    survivor = 3
    for dead in (1, 2):
        cl.net.crash(dead)
        cl.net.run()
        cl.assert_identical()
    assert cl.net.members() == [survivor]
    c = cl.client(survivor)
    err, h3 = c.open(b"durable", flags=1)
    assert err == OK
    assert c.read(h3, b"") == (OK, b"committed")


@pytest.mark.parametrize("last", [1, 2, 3])
def test_any_node_can_be_the_last(last: int) -> None:
    cl = Cluster3(3)
    a = cl.client(1)
    _, h = a.open(b"d", a=attrs())
    a.create(h, b"x", b"data")
    for n in (1, 2, 3):
        if n != last:
            cl.net.crash(n)
            cl.net.run()
    c = cl.client(last)
    _, h2 = c.open(b"d", flags=1)
    assert c.read(h2, b"x") == (OK, b"data")


def test_openers_on_dead_node_are_closed_and_retention_runs(cl: Cluster3) -> None:
    b = cl.client(2)
    _, h = b.open(b"ret", a=attrs(retention=5 * SEC))
    b.create(h, b"s", b"v")
    cl.assert_identical()
    ckpt = cl.svcs[1].state.linked[b"ret"]
    assert len(ckpt.openers) == 1
    cl.net.crash(2)
    cl.net.run()
    cl.assert_identical()
    ckpt = cl.svcs[1].state.linked[b"ret"]
    assert not ckpt.openers
    assert ckpt.retention_deadline != SA_TIME_END
    cl.advance(4 * SEC)
    assert b"ret" in cl.svcs[1].state.linked
    cl.advance(2 * SEC)
    for n in (1, 3):
        assert b"ret" not in cl.svcs[n].state.linked
    cl.assert_identical()


def test_library_exit_closes_its_checkpoints(cl: Cluster3) -> None:
    a = cl.client(1)
    _, h = a.open(b"x", a=attrs(retention=0))
    _, h2 = a.open(b"y", a=attrs(retention=SA_TIME_END))
    a.exit()
    cl.net.run()
    cl.advance(1)
    for n in (1, 2, 3):
        assert b"x" not in cl.svcs[n].state.linked
        y = cl.svcs[n].state.linked[b"y"]
        assert not y.openers and y.retention_deadline == SA_TIME_END
    cl.assert_identical()


def test_reopen_stops_retention(cl: Cluster3) -> None:
    a = cl.client(1)
    _, h = a.open(b"r", a=attrs(retention=3 * SEC))
    assert a.close(h) == OK
    cl.advance(2 * SEC)
    b = cl.client(3)
    err, h3 = b.open(b"r", flags=1)
    assert err == OK
    cl.advance(10 * SEC)
    assert b"r" in cl.svcs[2].state.linked
    cl.assert_identical()


def test_unlink_frees_name_openers_keep_using(cl: Cluster3) -> None:
    a, b = cl.client(1), cl.client(2)
    _, ha = a.open(b"u", a=attrs(sections=1))
    a.write(ha, [(b"", 0, b"old")])
    assert b.unlink(b"u") == OK
    assert b.unlink(b"u") == NOT_EXIST
    assert b.open(b"u", flags=1)[0] == NOT_EXIST
    err, hb = b.open(b"u", a=attrs(sections=1))
    assert err == OK
    assert a.read(ha, b"") == (OK, b"old")
    assert b.read(hb, b"") == (OK, b"")
    assert a.retention_set(ha, SEC) == BAD_OP
    assert a.close(ha) == OK
    for n in (1, 2, 3):
        assert len(cl.svcs[n].state.ckpts) == 1
    cl.assert_identical()


def test_partition_and_merge(cl: Cluster3) -> None:
    a = cl.client(1)
    _, h = a.open(b"p", a=attrs())
    a.create(h, b"base", b"0")
    cl.net.split((1, 2), (3,))
    cl.net.run()
    # each side works on its own
    a.write(h, [(b"base", 0, b"A")])
    c = cl.client(3)
    err, hc = c.open(b"p", flags=3)
    assert err == OK
    err, hq = c.open(b"q", a=attrs())
    assert err == OK
    cl.net.merge()
    cl.net.run()
    cl.assert_identical()
    state = cl.svcs[3].state
    assert state.linked[b"p"].sections[b"base"].data == b"A"  # the lowest partition's copy
    assert b"q" in state.linked
    assert len(state.linked[b"p"].openers) == 2  # openers of both sides kept
    assert c.read(hc, b"base") == (OK, b"A")


def test_both_partitions_create_the_same_name(cl: Cluster3) -> None:
    cl.net.split((1,), (2, 3))
    cl.net.run()
    a, b = cl.client(1), cl.client(2)
    _, ha = a.open(b"dup", a=attrs(sections=1))
    _, hb = b.open(b"dup", a=attrs(sections=1))
    a.write(ha, [(b"", 0, b"from1")])
    b.write(hb, [(b"", 0, b"from2")])
    cl.net.merge()
    cl.net.run()
    cl.assert_identical()
    state = cl.svcs[2].state
    assert len(state.linked) == 1 and len(state.ckpts) == 2
    # both openers still read their own checkpoint
    assert a.read(ha, b"") == (OK, b"from1")
    assert b.read(hb, b"") == (OK, b"from2")


def test_sync_interrupted_by_another_change(cl: Cluster3) -> None:
    a = cl.client(1)
    _, h = a.open(b"i", a=attrs())
    for i in range(10):
        a.create(h, b"%d" % i, b"z" * 10)
    cl.add(4)
    cl.add(5)
    cl.net.join(4)
    # deliver only a few sync messages, then another node joins
    for _ in range(3):
        cl.net.step()
    assert cl.svcs[1].sync.active
    cl.net.join(5)
    cl.net.run()
    replica = cl.assert_identical()
    assert len(replica) == 1
    assert len(cl.svcs[5].state.linked[b"i"].sections) == 10


def test_restarted_node_rejoins_empty_and_catches_up(cl: Cluster3) -> None:
    a = cl.client(1)
    _, h = a.open(b"r", a=attrs())
    a.create(h, b"s", b"before")
    cl.net.crash(3)
    cl.net.run()
    a.write(h, [(b"s", 0, b"AFTER!")])
    cl.restart(3)
    cl.net.join(3)
    cl.net.run()
    cl.assert_identical()
    assert cl.svcs[3].state.linked[b"r"].sections[b"s"].data == b"AFTER!"


def test_section_expiration_deletes_everywhere(cl: Cluster3) -> None:
    a = cl.client(2)
    _, h = a.open(b"e", a=attrs())
    now = cl.clock.now()
    a.create(h, b"short", b"1", expiration=now + 2 * SEC)
    a.create(h, b"long", b"2", expiration=now + 20 * SEC)
    assert a.expiration_set(h, b"long", now + 3 * SEC) == OK
    cl.advance(SEC)
    assert len(cl.svcs[1].state.linked[b"e"].sections) == 2
    cl.advance(5 * SEC)
    for n in (1, 2, 3):
        assert not cl.svcs[n].state.linked[b"e"].sections
    cl.assert_identical()


def test_requests_during_sync_are_queued(cl: Cluster3) -> None:
    a = cl.client(1)
    _, h = a.open(b"q", a=attrs(sections=1))
    cl.add(4)
    cl.net.join(4)  # the sync starts; nothing delivered yet
    a.write(h, [(b"", 0, b"queued")], run=False)
    assert a.conn.responses[-1][0] != a.ctx  # not answered yet
    cl.net.run()
    assert a.answer(a.ctx) == (OK, b"") or a.answer(a.ctx)[0] == OK
    cl.assert_identical()
    assert cl.svcs[4].state.linked[b"q"].sections[b""].data == b"queued"


def test_collocated_active_replica(cl: Cluster3) -> None:
    a, b = cl.client(1), cl.client(2)
    _, h = a.open(b"col", a=attrs(flags=0x2 | 0x8, sections=1))
    _, hb = b.open(b"col", flags=3)
    assert a.write(h, [(b"", 0, b"x")])[0] == NOT_EXIST  # no active replica yet
    assert a.synchronize(h) == NOT_EXIST
    assert b.active_replica_set(hb) == OK
    assert a.write(h, [(b"", 0, b"x")]) == (OK, 0)
    assert a.synchronize(h) == OK
    cl.net.crash(2)  # the active replica's node goes away
    cl.net.run()
    assert a.write(h, [(b"", 0, b"y")])[0] == NOT_EXIST
    assert a.active_replica_set(h) == OK
    assert a.write(h, [(b"", 0, b"y")]) == (OK, 0)
    _, hs = a.open(b"sync", a=attrs(flags=0x1))
    assert a.active_replica_set(hs) == BAD_OP
    assert a.synchronize(hs) == BAD_OP
    cl.assert_identical()


def test_limits(cl: Cluster3) -> None:
    a = cl.client(1)
    _, h = a.open(b"lim", a=attrs(sections=2, section_size=10, size=15, id_size=4))
    assert a.create(h, b"toolong", b"")[0] == INVALID
    assert a.create(h, b"a", b"x" * 11)[0] == INVALID
    assert a.create(h, b"a", b"x" * 10)[0] == OK
    assert a.create(h, b"a", b"")[0] == EXIST
    assert a.create(h, b"b", b"x" * 6)[0] == NO_SPACE  # checkpoint size
    assert a.create(h, None, b"x" * 5) == (OK, b"0")  # generated id
    assert a.create(h, b"c", b"")[0] == NO_SPACE  # max sections
    assert a.write(h, [(b"0", 0, b"x" * 6)]) == (NO_SPACE, 0)
    assert a.write(h, [(b"0", 0, b"y"), (b"a", 5, b"y" * 6)]) == (INVALID, 1)
    assert a.read(h, b"0") == (OK, b"x" * 5)  # all-or-nothing
    assert a.write(h, [(b"0", 0, b"y"), (b"zz", 0, b"y")]) == (NOT_EXIST, 1)
    assert a.overwrite(h, b"0", b"q" * 6) == NO_SPACE
    assert a.overwrite(h, b"0", b"q" * 2) == OK
    assert a.delete(h, b"") == INVALID
    assert a.delete(h, b"0") == OK
    assert a.delete(h, b"0") == NOT_EXIST
    err, st = a.status(h)
    assert err == OK and st.number_of_sections == 1 and st.memory_used == 10
    cl.assert_identical()


def test_open_errors(cl: Cluster3) -> None:
    a = cl.client(1)
    assert a.open(b"none", flags=1)[0] == NOT_EXIST
    assert a.open(b"o", a=attrs())[0] == OK
    assert a.open(b"o", a=attrs(sections=7))[0] == EXIST
    assert a.open(b"o", a=attrs(retention=1))[0] == OK  # retention is not compared
    assert a.open(b"bad", a=attrs(size=10**9, sections=1, section_size=10))[0] == INVALID
    assert a.open(b"bad", a=attrs(flags=0x3))[0] == INVALID
    assert a.close(12345) == BAD_HANDLE


def test_iteration_filters(cl: Cluster3) -> None:
    a = cl.client(1)
    _, h = a.open(b"it", a=attrs())
    now = cl.clock.now()
    a.create(h, b"f", b"")
    a.create(h, b"e1", b"", expiration=now + 100 * SEC)
    a.create(h, b"e2", b"", expiration=now + 200 * SEC)
    assert a.sections(h, 5) == [b"f", b"e1", b"e2"]
    assert a.sections(h, 1) == [b"f"]
    assert a.sections(h, 2, now + 150 * SEC) == [b"e1"]
    assert a.sections(h, 3, now + 150 * SEC) == [b"f", b"e2"]
    assert a.sections(h, 4) == []


def test_big_messages_travel_in_pieces(cl: Cluster3) -> None:
    a = cl.client(1)
    size = 3 << 20
    _, h = a.open(b"big", a=attrs(sections=1, section_size=size, size=size))
    blob = random.Random(1).randbytes(size)
    sent = cl.net.nodes[1].sent
    assert a.write(h, [(b"", 0, blob)]) == (OK, 0)
    assert cl.net.nodes[1].sent - sent >= 12  # 3 MiB in 256 KiB pieces
    cl.assert_identical()
    # a joiner gets the big checkpoint in pieces too
    cl.add(4)
    cl.net.join(4)
    cl.net.run()
    cl.assert_identical()
    d = cl.client(4)
    _, h4 = d.open(b"big", flags=1)
    assert d.read(h4, b"") == (OK, blob)


def test_full_send_queue_is_retried_in_order(cl: Cluster3) -> None:
    a = cl.client(2)
    _, h = a.open(b"fc", a=attrs(sections=1))
    cl.net.nodes[2].refuse = 10**9
    for i in range(5):
        a.write(h, [(b"", i, b"%d" % i)], run=False)
    cl.advance(10_000_000)
    assert len([r for r in a.conn.responses if r[1] == OK]) == 1  # only the open so far
    cl.net.nodes[2].refuse = 0
    cl.advance(10_000_000)  # the retry timer
    assert [err for _, err, _ in a.conn.responses] == [OK] * 6
    assert cl.svcs[3].state.linked[b"fc"].sections[b""].data == b"01234"
    cl.assert_identical()


def test_sender_crash_mid_message_loses_only_that_message(cl: Cluster3) -> None:
    a = cl.client(1)
    size = 1 << 20
    _, h = a.open(b"m", a=attrs(sections=1, section_size=size, size=size))
    a.write(h, [(b"", 0, b"\1" * size)], run=False)
    cl.net.step()  # one piece delivered
    cl.net.crash(1)
    cl.net.run()
    cl.assert_identical()
    assert not cl.svcs[2].reassembler._parts
    assert cl.svcs[2].state.linked[b"m"].sections[b""].data == b""


def test_open_delivered_after_its_connection_closed_is_closed_again(cl: Cluster3) -> None:
    a = cl.client(1)
    a.open(b"late", a=attrs(retention=0), run=False)
    a.exit()  # the connection goes before its open is delivered (no open yet: no cleanup)
    cl.net.run()
    cl.advance(1)
    for n in (1, 2, 3):
        assert b"late" not in cl.svcs[n].state.linked
    cl.assert_identical()


@pytest.mark.parametrize("seed", range(6))
def test_random_crashes_and_rejoins_keep_acknowledged_data(seed: int) -> None:
    """Overwrites from random live nodes while nodes crash and come back (never
    all at once): after every step the replicas are identical and hold the last
    acknowledged value."""
    rnd = random.Random(seed)
    cl = Cluster3(3)
    live = {1, 2, 3}
    clients = {}

    def connect(n: int) -> None:
        c = cl.client(n)
        err, h = c.open(b"chaos", a=attrs(sections=1, retention=SA_TIME_END))
        assert err == OK
        clients[n] = (c, h)

    for n in live:
        connect(n)
    last = b""
    for step in range(60):
        r = rnd.random()
        if r < 0.15 and len(live) > 1:
            dead = rnd.choice(sorted(live))
            cl.net.crash(dead)
            live.discard(dead)
            clients.pop(dead)
            cl.net.run()
        elif r < 0.3 and len(live) < 3:
            back = rnd.choice(sorted({1, 2, 3} - live))
            cl.restart(back)
            cl.net.join(back)
            cl.net.run()
            live.add(back)
            connect(back)
        else:
            n = rnd.choice(sorted(live))
            c, h = clients[n]
            value = b"v%d-%d" % (step, n)
            assert c.overwrite(h, b"", value) == OK
            last = value
        cl.assert_identical()
        for n in live:
            assert cl.svcs[n].state.linked[b"chaos"].sections[b""].data == last
            assert len(cl.svcs[n].state.linked[b"chaos"].openers) == len(live)


def test_stale_openers_of_a_restarted_node_are_closed(cl: Cluster3) -> None:
    """Node 3 restarts without the others noticing it leave: its old openers
    are closed at the next sync."""
    c = cl.client(3)
    _, h = c.open(b"stale", a=attrs(retention=0))
    cl.restart(3)  # a new process, same node id, still a member
    cl.svcs[3].state.adopt([])
    cl.add(4)
    cl.net.join(4)  # some configuration change
    cl.net.run()
    cl.advance(1)
    for n in (1, 2, 3, 4):
        assert b"stale" not in cl.svcs[n].state.linked
    cl.assert_identical()
