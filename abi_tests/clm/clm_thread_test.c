/* clm_thread_test: one handle shared by many threads.  Workers call
 * saClmClusterNodeGet, saClmClusterNodeGetAsync and saClmClusterTrack
 * concurrently while one thread sits in SA_DISPATCH_BLOCKING; Finalize from
 * another thread wakes it (SA_AIS_OK) and every callback was delivered once.
 * Also: concurrent Finalize (one winner), calls racing a Finalize, handles
 * opened and closed in parallel.  Needs a running executive. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

#define WORKERS 8
#define ROUNDS 40

static struct clm_expect expect;

static atomic_int node_cbs, node_cb_errors, track_cbs, track_cb_errors;
static atomic_uchar seen[WORKERS * ROUNDS];
static atomic_int bad_invocations;

static void node_get_cb(SaInvocationT inv, const SaClmClusterNodeT *n, SaAisErrorT e)
{
	if (e != SA_AIS_OK || n == NULL || n->nodeId != expect.node_id)
		atomic_fetch_add(&node_cb_errors, 1);
	if (inv < WORKERS * ROUNDS)
		atomic_fetch_add(&seen[inv], 1);
	else
		atomic_fetch_add(&bad_invocations, 1);
	atomic_fetch_add(&node_cbs, 1);
}

static void track_cb(const SaClmClusterNotificationBufferT *buf, SaUint32T members,
	SaAisErrorT e)
{
	if (e != SA_AIS_OK || members != 1 || buf->numberOfItems != 1 ||
	    buf->notification[0].clusterNode.nodeId != expect.node_id ||
	    buf->notification[0].clusterChange != SA_CLM_NODE_NO_CHANGE)
		atomic_fetch_add(&track_cb_errors, 1);
	atomic_fetch_add(&track_cbs, 1);
}

static const SaClmCallbacksT callbacks = { node_get_cb, track_cb };

struct dispatcher {
	pthread_t tid;
	SaClmHandleT h;
	SaAisErrorT rc;
	atomic_bool done;
};

static void *dispatch_main(void *arg)
{
	struct dispatcher *d = arg;
	d->rc = saClmDispatch(d->h, SA_DISPATCH_BLOCKING);
	atomic_store(&d->done, true);
	return NULL;
}

static void dispatcher_start(struct dispatcher *d, SaClmHandleT h)
{
	d->h = h;
	d->rc = SA_AIS_ERR_LIBRARY;
	atomic_init(&d->done, false);
	pthread_create(&d->tid, NULL, dispatch_main, d);
}

struct worker {
	pthread_t tid;
	SaClmHandleT h;
	int index;
	int errors;		/* calls that did not return what they should */
	SaAisErrorT last_bad;
};

static void note_bad(struct worker *w, SaAisErrorT rc)
{
	w->errors++;
	w->last_bad = rc;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < ROUNDS; i++) {
		SaClmClusterNodeT n;
		SaAisErrorT rc = saClmClusterNodeGet(w->h, SA_CLM_LOCAL_NODE_ID, MS(10000), &n);
		if (rc != SA_AIS_OK || n.nodeId != expect.node_id)
			note_bad(w, rc);
		rc = saClmClusterNodeGetAsync(w->h, w->index * ROUNDS + i, SA_CLM_LOCAL_NODE_ID);
		if (rc != SA_AIS_OK)
			note_bad(w, rc);
		rc = saClmClusterTrack(w->h, SA_TRACK_CURRENT, NULL);
		if (rc != SA_AIS_OK)
			note_bad(w, rc);
		SaClmClusterNotificationT items[2];
		SaClmClusterNotificationBufferT buf = { 0, 2, items };
		rc = saClmClusterTrack(w->h, SA_TRACK_CURRENT, &buf);
		if (rc != SA_AIS_OK || buf.numberOfItems != 1 ||
		    items[0].clusterNode.nodeId != expect.node_id)
			note_bad(w, rc);
	}
	return NULL;
}

static bool wait_for(atomic_int *counter, int want, int ms)
{
	for (int t = 0; t < ms && atomic_load(counter) < want; t += 5)
		usleep(5000);
	return atomic_load(counter) == want;
}

static void test_shared_handle(void)
{
	SaClmHandleT h;
	struct dispatcher d;
	struct worker w[WORKERS];
	char note[128];

	if (!CHECK_RC(clm_init_ready(&h, &callbacks), SA_AIS_OK))
		return;
	dispatcher_start(&d, h);
	for (int i = 0; i < WORKERS; i++) {
		w[i] = (struct worker){ .h = h, .index = i, .errors = 0 };
		pthread_create(&w[i].tid, NULL, worker_main, &w[i]);
	}
	for (int i = 0; i < WORKERS; i++) {
		pthread_join(w[i].tid, NULL);
		snprintf(note, sizeof note, "worker %d: %d bad calls (last %s)", i, w[i].errors,
			w[i].errors ? check_err_name(w[i].last_bad) : "-");
		CHECK_NOTE(w[i].errors == 0, note);
	}

	const int want = WORKERS * ROUNDS;
	bool all_node = wait_for(&node_cbs, want, 10000);
	bool all_track = wait_for(&track_cbs, want, 10000);
	snprintf(note, sizeof note, "%d of %d node get callbacks", atomic_load(&node_cbs), want);
	CHECK_NOTE(all_node, note);
	snprintf(note, sizeof note, "%d of %d track callbacks", atomic_load(&track_cbs), want);
	CHECK_NOTE(all_track, note);
	CHECK(atomic_load(&node_cb_errors) == 0);
	CHECK(atomic_load(&track_cb_errors) == 0);
	CHECK(atomic_load(&bad_invocations) == 0);
	int once = 0;
	for (int i = 0; i < want; i++)
		once += atomic_load(&seen[i]) == 1;
	snprintf(note, sizeof note, "%d of %d invocations seen exactly once", once, want);
	CHECK_NOTE(once == want, note);

	/* the dispatcher is still blocked; Finalize from this thread wakes it */
	usleep(20000);
	CHECK(!atomic_load(&d.done));
	CHECK_RC(saClmFinalize(h), SA_AIS_OK);
	pthread_join(d.tid, NULL);
	CHECK_RC(d.rc, SA_AIS_OK);
	/* nothing more was delivered */
	CHECK(atomic_load(&node_cbs) == want && atomic_load(&track_cbs) == want);
}

/* A blocking dispatcher with nothing to do, woken by Finalize. */
static void test_idle_blocking(void)
{
	SaClmHandleT h;
	SaVersionT v = { 'B', 1, 1 };
	struct dispatcher d[2];

	CHECK_RC(saClmInitialize(&h, &callbacks, &v), SA_AIS_OK);
	dispatcher_start(&d[0], h);
	dispatcher_start(&d[1], h);	/* two threads in BLOCKING on one handle */
	usleep(100000);
	CHECK(!atomic_load(&d[0].done) && !atomic_load(&d[1].done));
	CHECK_RC(saClmFinalize(h), SA_AIS_OK);
	pthread_join(d[0].tid, NULL);
	pthread_join(d[1].tid, NULL);
	CHECK_RC(d[0].rc, SA_AIS_OK);
	CHECK_RC(d[1].rc, SA_AIS_OK);
}

/* Several threads finalize one handle at once: exactly one wins. */
static pthread_barrier_t fin_barrier;

struct finalizer {
	pthread_t tid;
	SaClmHandleT h;
	SaAisErrorT rc;
};

static void *finalize_main(void *arg)
{
	struct finalizer *f = arg;
	pthread_barrier_wait(&fin_barrier);
	f->rc = saClmFinalize(f->h);
	return NULL;
}

static void test_concurrent_finalize(void)
{
	enum { N = 6 };
	for (int round = 0; round < 5; round++) {
		SaClmHandleT h;
		SaVersionT v = { 'B', 1, 1 };
		struct finalizer f[N];

		if (!CHECK_RC(saClmInitialize(&h, &callbacks, &v), SA_AIS_OK))
			return;
		pthread_barrier_init(&fin_barrier, NULL, N);
		for (int i = 0; i < N; i++) {
			f[i].h = h;
			pthread_create(&f[i].tid, NULL, finalize_main, &f[i]);
		}
		int ok = 0, bad_handle = 0;
		for (int i = 0; i < N; i++) {
			pthread_join(f[i].tid, NULL);
			ok += f[i].rc == SA_AIS_OK;
			bad_handle += f[i].rc == SA_AIS_ERR_BAD_HANDLE;
		}
		pthread_barrier_destroy(&fin_barrier);
		char note[96];
		snprintf(note, sizeof note, "round %d: %d OK, %d BAD_HANDLE", round, ok, bad_handle);
		CHECK_NOTE(ok == 1 && bad_handle == N - 1, note);
	}
}

/* Calls racing a Finalize: each returns OK (before) or BAD_HANDLE (after). */
struct racer {
	pthread_t tid;
	SaClmHandleT h;
	int ok, bad_handle, other;
	SaAisErrorT other_rc;
};

static void *race_main(void *arg)
{
	struct racer *r = arg;
	for (;;) {
		SaClmClusterNodeT n;
		SaAisErrorT rc;
		switch ((r->ok + r->other) % 3) {
		case 0:
			rc = saClmClusterNodeGet(r->h, SA_CLM_LOCAL_NODE_ID, MS(10000), &n);
			break;
		case 1:
			rc = saClmClusterNodeGetAsync(r->h, 1, SA_CLM_LOCAL_NODE_ID);
			break;
		default:
			rc = saClmClusterTrack(r->h, SA_TRACK_CURRENT, NULL);
			break;
		}
		if (rc == SA_AIS_OK) {
			r->ok++;
		} else if (rc == SA_AIS_ERR_BAD_HANDLE) {
			r->bad_handle++;
			return NULL;
		} else {
			r->other++;
			r->other_rc = rc;
			if (r->other > 100)
				return NULL;
		}
	}
}

static void test_race_finalize(void)
{
	enum { N = 4 };
	SaClmHandleT h;
	SaVersionT v = { 'B', 1, 1 };
	struct racer r[N];
	struct dispatcher d;

	if (!CHECK_RC(saClmInitialize(&h, &callbacks, &v), SA_AIS_OK))
		return;
	dispatcher_start(&d, h);
	for (int i = 0; i < N; i++) {
		r[i] = (struct racer){ .h = h };
		pthread_create(&r[i].tid, NULL, race_main, &r[i]);
	}
	usleep(100000);
	CHECK_RC(saClmFinalize(h), SA_AIS_OK);
	int ok = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(r[i].tid, NULL);
		char note[128];
		snprintf(note, sizeof note, "racer %d: %d OK, then BAD_HANDLE; %d others (%s)",
			i, r[i].ok, r[i].other, r[i].other ? check_err_name(r[i].other_rc) : "-");
		CHECK_NOTE(r[i].bad_handle == 1 && r[i].other == 0, note);
		ok += r[i].ok;
	}
	CHECK(ok > 0);
	pthread_join(d.tid, NULL);
	CHECK_RC(d.rc, SA_AIS_OK);
}

/* Handles opened, used and closed in parallel: all distinct, all work. */
#define OPENERS 8
#define OPENS 10
static SaClmHandleT opened[OPENERS * OPENS];

struct opener {
	pthread_t tid;
	int index;
	int errors;
};

static void *open_main(void *arg)
{
	struct opener *o = arg;
	for (int i = 0; i < OPENS; i++) {
		SaClmHandleT h;
		SaVersionT v = { 'B', 1, 1 };
		SaClmClusterNodeT n;
		if (saClmInitialize(&h, &callbacks, &v) != SA_AIS_OK) {
			o->errors++;
			continue;
		}
		opened[o->index * OPENS + i] = h;
		if (saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, MS(10000), &n) != SA_AIS_OK ||
		    n.nodeId != expect.node_id)
			o->errors++;
		if (saClmFinalize(h) != SA_AIS_OK)
			o->errors++;
	}
	return NULL;
}

static int cmp_handle(const void *a, const void *b)
{
	SaClmHandleT x = *(const SaClmHandleT *)a, y = *(const SaClmHandleT *)b;
	return x < y ? -1 : x > y;
}

static void test_parallel_handles(void)
{
	struct opener o[OPENERS];
	for (int i = 0; i < OPENERS; i++) {
		o[i] = (struct opener){ .index = i };
		pthread_create(&o[i].tid, NULL, open_main, &o[i]);
	}
	int errors = 0;
	for (int i = 0; i < OPENERS; i++) {
		pthread_join(o[i].tid, NULL);
		errors += o[i].errors;
	}
	char note[64];
	snprintf(note, sizeof note, "%d errors", errors);
	CHECK_NOTE(errors == 0, note);
	qsort(opened, OPENERS * OPENS, sizeof opened[0], cmp_handle);
	int dups = 0;
	for (int i = 1; i < OPENERS * OPENS; i++)
		dups += opened[i] == opened[i - 1] || opened[i] == SA_HANDLE_INVALID;
	CHECK_NOTE(dups == 0, "every handle distinct (never reused)");
}

int main(void)
{
	check_start("clm_thread_test", 60);
	if (!clm_expect_load(&expect))
		return check_done();
	test_shared_handle();
	test_idle_blocking();
	test_concurrent_finalize();
	test_race_finalize();
	test_parallel_handles();
	return check_done();
}
