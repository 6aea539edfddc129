"""Real executives as separate hosts (network namespaces on a private bridge): join,
kill -9, restart, partition and merge, seen through CLM track on every node."""

from __future__ import annotations

from pathlib import Path

from clmwatch import Watcher, parse_fields, watch_binary
from nscluster import NsCluster

JOINED, LEFT, NO_CHANGE = 2, 3, 1


def full_view(n: int):  # type: ignore[no-untyped-def]
    return lambda v: v.members == n and len(v.member_ids()) == n


def test_three_nodes_join_kill_restart(cluster3: NsCluster) -> None:
    c = cluster3
    c.start()
    ids = {n.nodeid for n in c.nodes}
    watchers = [Watcher(n) for n in c.nodes]
    try:
        views = [w.wait_for(full_view(3), what="with 3 members") for w in watchers]
        for v in views:
            assert v.member_ids() == ids
        # saClmClusterNodeGet answers for remote nodes, with their addresses, and every
        # node reports the same data (initialViewNumber included) for each node
        answers = []
        for asker in c.nodes:
            r = asker.run(str(watch_binary()), "get", *(str(n.nodeid) for n in c.nodes))
            got = {int(f["node"]): f for f in map(parse_fields, r.stdout.splitlines())}
            for n in c.nodes:
                assert got[n.nodeid]["error"] == "1" and got[n.nodeid]["addr"] == n.addr, r.stdout
                assert got[n.nodeid]["member"] == "1"
                assert int(got[n.nodeid]["view"]) > 0
            answers.append(got)
        assert answers[0] == answers[1] == answers[2]

        # kill -9 one node: the others report exactly it as LEFT
        before = [w.count() for w in watchers[:2]]
        victim = c.nodes[2]
        victim.kill()
        watchers[2].close()
        for w, b in zip(watchers[:2], before, strict=True):
            v = w.wait_for(lambda v: v.members == 2, what="with node 3 gone", after=b)
            assert v.ids(LEFT) == {victim.nodeid}
            assert v.ids(JOINED) == set()
            assert v.member_ids() == ids - {victim.nodeid}
            assert v.number > views[0].number
        left_view = watchers[0].views[-1].number

        # restart it: reported as JOINED, same view number everywhere
        victim.start()
        victim.wait_serving()
        back = [w.wait_for(lambda v: v.members == 3 and v.number > left_view, what="with node 3 back")
                for w in watchers[:2]]
        for v in back:
            assert v.ids(JOINED) == {victim.nodeid}
            assert v.ids(LEFT) == set()
        assert len({v.number for v in back}) == 1
    finally:
        for w in watchers:
            w.close()


def test_partition_and_merge(cluster3: NsCluster) -> None:
    c = cluster3
    c.start()
    ids = {n.nodeid for n in c.nodes}
    watchers = [Watcher(n) for n in c.nodes]
    try:
        for w in watchers:
            w.wait_for(full_view(3), what="with 3 members")
        lone = c.nodes[2]
        before = [w.count() for w in watchers]
        lone.link(False)
        for w, b in zip(watchers[:2], before, strict=False):
            v = w.wait_for(lambda v: v.members == 2, what="without the cut node", after=b)
            assert v.ids(LEFT) == {lone.nodeid}
        v = watchers[2].wait_for(lambda v: v.members == 1, what="alone", after=before[2])
        assert v.ids(LEFT) == ids - {lone.nodeid}
        assert v.member_ids() == {lone.nodeid}
        before = [w.count() for w in watchers]
        lone.link(True)
        for w, b in zip(watchers[:2], before, strict=False):
            v = w.wait_for(lambda v: v.members == 3, what="merged", after=b)
            assert v.ids(JOINED) == {lone.nodeid} and v.ids(LEFT) == set()
        v = watchers[2].wait_for(lambda v: v.members == 3, what="merged", after=before[2])
        assert v.ids(JOINED) == ids - {lone.nodeid}
        assert v.member_ids() == ids
    finally:
        for w in watchers:
            w.close()


def test_five_nodes_secauth(tmp_path: Path) -> None:
    c = NsCluster(5, tmp_path, secauth=True)
    try:
        c.start()
        ids = {n.nodeid for n in c.nodes}
        watchers = [Watcher(n) for n in c.nodes]
        try:
            for w in watchers:
                assert w.wait_for(full_view(5), what="with 5 members").member_ids() == ids
            # two nodes die at once: one configuration change reports both
            before = [w.count() for w in watchers]
            for n in c.nodes[3:]:
                n.kill()
            gone = {n.nodeid for n in c.nodes[3:]}
            for w, b in zip(watchers[:3], before, strict=False):
                v = w.wait_for(lambda v: v.members == 3, what="with 2 nodes gone", after=b)
                # usually one configuration change reports both; if the ring noticed them
                # one after the other, the changes together report exactly the two
                changes = w.views[b:w.views.index(v) + 1]
                assert set().union(*(x.ids(LEFT) for x in changes)) == gone
                assert all(x.ids(JOINED) == set() for x in changes)
        finally:
            for w in watchers:
                w.close()
    finally:
        c.close()
