/* clm_gone_test: the executive stops answering, then goes away.
 *
 *   clm_gone_test gone     with a running executive; talks to the harness:
 *                          prints "@STOP", "@CONT" or "@KILL" and waits for a
 *                          line on stdin once the harness has sent SIGSTOP,
 *                          SIGCONT or SIGKILL to the executive.
 *   clm_gone_test noexec   no executive at all.
 *   clm_gone_test closed   $AIS_IPC_SOCKET accepts and closes every connection.
 *
 * Checked (libsa/README.md): a call's timeout, also when waiting for the
 * handle's request lock; a late answer is dropped; a call without a timeout
 * ends at Finalize (BAD_HANDLE) or when the executive dies; once it is gone
 * every call returns SA_AIS_ERR_LIBRARY, the selection object is readable,
 * callbacks already received are still dispatched, a blocking dispatcher
 * returns SA_AIS_ERR_LIBRARY, Finalize returns SA_AIS_OK; Initialize then
 * returns SA_AIS_ERR_TRY_AGAIN.  Nothing hangs (alarm). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static struct clm_expect expect;
static atomic_int node_cbs, track_cbs;
static SaInvocationT last_invocation;

static void node_get_cb(SaInvocationT inv, const SaClmClusterNodeT *n, SaAisErrorT e)
{
	(void)n;
	(void)e;
	last_invocation = inv;
	atomic_fetch_add(&node_cbs, 1);
}

static void track_cb(const SaClmClusterNotificationBufferT *b, SaUint32T m, SaAisErrorT e)
{
	(void)b;
	(void)m;
	(void)e;
	atomic_fetch_add(&track_cbs, 1);
}

static const SaClmCallbacksT callbacks = { node_get_cb, track_cb };

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Asks the harness to do something to the executive and waits until done. */
static bool harness(const char *what)
{
	char line[64];
	printf("@%s\n", what);
	fflush(stdout);
	if (fgets(line, sizeof line, stdin) == NULL) {
		printf("FAIL the harness did not answer @%s\n", what);
		check_failures++;
		return false;
	}
	return true;
}

struct caller {
	pthread_t tid;
	SaClmHandleT h;
	SaTimeT timeout;
	SaAisErrorT rc;
	SaClmClusterNodeT node;
	atomic_bool done;
};

static void *node_get_main(void *arg)
{
	struct caller *c = arg;
	c->rc = saClmClusterNodeGet(c->h, SA_CLM_LOCAL_NODE_ID, c->timeout, &c->node);
	atomic_store(&c->done, true);
	return NULL;
}

static void *dispatch_main(void *arg)
{
	struct caller *c = arg;
	c->rc = saClmDispatch(c->h, SA_DISPATCH_BLOCKING);
	atomic_store(&c->done, true);
	return NULL;
}

static bool wait_done(struct caller *c, int ms)
{
	for (int t = 0; t < ms && !atomic_load(&c->done); t += 5)
		usleep(5000);
	return atomic_load(&c->done);
}

/* The executive stopped (SIGSTOP): timeouts. */
static void test_stopped(SaClmHandleT a, SaClmHandleT f)
{
	SaClmClusterNodeT n;

	if (!harness("STOP"))
		return;
	int64_t t0 = mono_ms();
	CHECK_RC(saClmClusterNodeGet(a, SA_CLM_LOCAL_NODE_ID, MS(200), &n), SA_AIS_ERR_TIMEOUT);
	int64_t took = mono_ms() - t0;
	char note[64];
	snprintf(note, sizeof note, "took %lld ms", (long long)took);
	CHECK_NOTE(took >= 190 && took < 2000, note);

	/* one call waits for the answer, holding the handle's request lock; a
	 * second one times out waiting for the lock */
	struct caller c = { .h = a, .timeout = MS(15000) };
	atomic_init(&c.done, false);
	pthread_create(&c.tid, NULL, node_get_main, &c);
	usleep(100000);
	CHECK(!atomic_load(&c.done));
	t0 = mono_ms();
	CHECK_RC(saClmClusterNodeGet(a, SA_CLM_LOCAL_NODE_ID, MS(100), &n), SA_AIS_ERR_TIMEOUT);
	took = mono_ms() - t0;
	snprintf(note, sizeof note, "took %lld ms", (long long)took);
	CHECK_NOTE(took >= 90 && took < 2000, note);
	CHECK_RC(saClmClusterNodeGet(a, SA_CLM_LOCAL_NODE_ID, 0, &n), SA_AIS_ERR_TIMEOUT);

	/* a call that would wait forever ends when its handle is finalized:
	 * SA_AIS_ERR_BAD_HANDLE */
	struct caller fc = { .h = f, .timeout = SA_TIME_END };
	atomic_init(&fc.done, false);
	pthread_create(&fc.tid, NULL, node_get_main, &fc);
	usleep(100000);
	CHECK(!atomic_load(&fc.done));
	CHECK_RC(saClmFinalize(f), SA_AIS_OK);
	CHECK(wait_done(&fc, 5000));
	if (atomic_load(&fc.done))
		pthread_join(fc.tid, NULL);
	else
		pthread_detach(fc.tid);
	CHECK_RC(fc.rc, SA_AIS_ERR_BAD_HANDLE);

	if (!harness("CONT")) {
		pthread_detach(c.tid);
		return;
	}
	/* the waiting call gets its own answer (the late one of the first call,
	 * which timed out, is recognised and dropped) */
	CHECK(wait_done(&c, 10000));
	pthread_join(c.tid, NULL);
	CHECK_RC(c.rc, SA_AIS_OK);
	CHECK(c.node.nodeId == expect.node_id);
	memset(&n, 0, sizeof n);
	CHECK_RC(saClmClusterNodeGet(a, SA_CLM_LOCAL_NODE_ID, MS(5000), &n), SA_AIS_OK);
	clm_check_node("after the executive resumed", &n, &expect);
}

/* Every call on a handle whose executive is gone.  A handle without
 * callbacks still gets SA_AIS_ERR_INIT for what needs a callback: that is
 * decided in the library, before the executive is asked. */
static void all_library(const char *what, SaClmHandleT h, bool has_callbacks)
{
	const SaAisErrorT needs_cb = has_callbacks ? SA_AIS_ERR_LIBRARY : SA_AIS_ERR_INIT;
	SaClmClusterNodeT n;
	SaClmClusterNotificationT items[2];
	SaClmClusterNotificationBufferT buf = { 0, 2, items };

	printf("# every call on %s\n", what);
	CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, MS(5000), &n), SA_AIS_ERR_LIBRARY);
	CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, 0, &n), SA_AIS_ERR_LIBRARY);
	CHECK_RC(saClmClusterNodeGet(h, 12345, SA_TIME_END, &n), SA_AIS_ERR_LIBRARY);
	CHECK_RC(saClmClusterNodeGetAsync(h, 5, SA_CLM_LOCAL_NODE_ID), needs_cb);
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, &buf), SA_AIS_ERR_LIBRARY);
	buf = (SaClmClusterNotificationBufferT){ 0, 0, NULL };
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, &buf), SA_AIS_ERR_LIBRARY);
	CHECK(buf.notification == NULL);
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, NULL), needs_cb);
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CHANGES, NULL), needs_cb);
	CHECK_RC(saClmClusterTrackStop(h), SA_AIS_ERR_LIBRARY);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ONE), SA_AIS_ERR_LIBRARY);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ALL), SA_AIS_ERR_LIBRARY);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_BLOCKING), SA_AIS_ERR_LIBRARY);
	/* the selection object stays available, and readable, so a poll loop
	 * wakes up and finds out */
	SaSelectionObjectT sel;
	CHECK_RC(saClmSelectionObjectGet(h, &sel), SA_AIS_OK);
	CHECK(clm_readable(sel, 0) == 1);
	/* argument errors are still argument errors */
	CHECK_RC(saClmDispatch(h, (SaDispatchFlagsT)0), SA_AIS_ERR_INVALID_PARAM);
	CHECK_RC(saClmClusterTrack(h, 0, NULL), SA_AIS_ERR_BAD_FLAGS);
	CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, MS(1), NULL), SA_AIS_ERR_INVALID_PARAM);
}

static void finalize_dead(const char *what, SaClmHandleT h)
{
	SaClmClusterNodeT n;
	printf("# Finalize %s\n", what);
	CHECK_RC(saClmFinalize(h), SA_AIS_OK);
	CHECK_RC(saClmFinalize(h), SA_AIS_ERR_BAD_HANDLE);
	CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, MS(5000), &n), SA_AIS_ERR_BAD_HANDLE);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ALL), SA_AIS_ERR_BAD_HANDLE);
}

static int run_gone(void)
{
	SaClmHandleT a, b, c, d, e;
	SaVersionT v;
	SaSelectionObjectT sel_a, sel_c, sel_e;
	SaClmClusterNodeT n;

	/* a: tracks changes; b: no callbacks; c: a callback waiting;
	 * d: a thread in a blocking dispatch; e: tracking, everything dispatched */
	if (!CHECK_RC(clm_init_ready(&a, &callbacks), SA_AIS_OK))
		return check_done();
	CHECK_RC(saClmClusterTrack(a, SA_TRACK_CHANGES, NULL), SA_AIS_OK);
	CHECK_RC(saClmSelectionObjectGet(a, &sel_a), SA_AIS_OK);
	v = (SaVersionT){ 'B', 1, 1 };
	CHECK_RC(saClmInitialize(&b, NULL, &v), SA_AIS_OK);
	v = (SaVersionT){ 'B', 1, 1 };
	CHECK_RC(saClmInitialize(&c, &callbacks, &v), SA_AIS_OK);
	CHECK_RC(saClmSelectionObjectGet(c, &sel_c), SA_AIS_OK);
	CHECK_RC(saClmClusterNodeGetAsync(c, 77, SA_CLM_LOCAL_NODE_ID), SA_AIS_OK);
	CHECK_RC(saClmClusterNodeGet(c, SA_CLM_LOCAL_NODE_ID, MS(5000), &n), SA_AIS_OK);
	CHECK(clm_readable(sel_c, 0) == 1);
	v = (SaVersionT){ 'B', 1, 1 };
	CHECK_RC(saClmInitialize(&d, &callbacks, &v), SA_AIS_OK);
	struct caller disp = { .h = d };
	atomic_init(&disp.done, false);
	pthread_create(&disp.tid, NULL, dispatch_main, &disp);
	v = (SaVersionT){ 'B', 1, 1 };
	CHECK_RC(saClmInitialize(&e, &callbacks, &v), SA_AIS_OK);
	CHECK_RC(saClmSelectionObjectGet(e, &sel_e), SA_AIS_OK);
	CHECK_RC(saClmClusterTrack(e, SA_TRACK_CURRENT | SA_TRACK_CHANGES_ONLY, NULL), SA_AIS_OK);
	CHECK(clm_readable(sel_e, 5000) == 1);
	CHECK_RC(saClmDispatch(e, SA_DISPATCH_ALL), SA_AIS_OK);
	CHECK(atomic_load(&track_cbs) == 1);

	SaClmHandleT f;
	v = (SaVersionT){ 'B', 1, 1 };
	CHECK_RC(saClmInitialize(&f, &callbacks, &v), SA_AIS_OK);
	test_stopped(a, f);

	/* stopped again: a call that would wait forever ends when the executive
	 * is killed */
	struct caller forever = { .h = b, .timeout = SA_TIME_END };
	atomic_init(&forever.done, false);
	if (!harness("STOP"))
		return check_done();
	pthread_create(&forever.tid, NULL, node_get_main, &forever);
	usleep(100000);
	CHECK(!atomic_load(&forever.done));

	if (!harness("KILL"))
		return check_done();
	int64_t t0 = mono_ms();
	CHECK(wait_done(&forever, 5000));
	if (atomic_load(&forever.done))
		pthread_join(forever.tid, NULL);
	else
		pthread_detach(forever.tid);
	CHECK_RC(forever.rc, SA_AIS_ERR_LIBRARY);

	/* the blocked dispatcher wakes up */
	CHECK(wait_done(&disp, 5000));
	if (atomic_load(&disp.done))
		pthread_join(disp.tid, NULL);
	else
		pthread_detach(disp.tid);
	CHECK_RC(disp.rc, SA_AIS_ERR_LIBRARY);

	/* a poll loop on the tracking handle wakes up */
	CHECK(clm_readable(sel_a, 5000) == 1);
	all_library("the tracking handle", a, true);
	all_library("the handle without callbacks", b, false);

	/* the callback received before the end is still delivered, once */
	CHECK(clm_readable(sel_c, 0) == 1);
	CHECK_RC(saClmDispatch(c, SA_DISPATCH_ONE), SA_AIS_OK);
	CHECK(atomic_load(&node_cbs) == 1 && last_invocation == 77);
	CHECK_RC(saClmDispatch(c, SA_DISPATCH_ONE), SA_AIS_ERR_LIBRARY);
	CHECK(atomic_load(&node_cbs) == 1);
	all_library("the handle whose callback was waiting", c, true);

	/* found out by a blocking dispatch first */
	CHECK(clm_readable(sel_e, 0) == 1);
	CHECK_RC(saClmDispatch(e, SA_DISPATCH_BLOCKING), SA_AIS_ERR_LIBRARY);
	all_library("the handle that found out in Dispatch", e, true);
	all_library("the handle of the blocked dispatcher", d, true);

	finalize_dead("a", a);
	finalize_dead("b", b);
	finalize_dead("c", c);
	finalize_dead("d", d);
	finalize_dead("e", e);
	CHECK(atomic_load(&track_cbs) == 1 && atomic_load(&node_cbs) == 1);

	/* no executive: come back later */
	SaClmHandleT h;
	v = (SaVersionT){ 'B', 1, 1 };
	CHECK_RC(saClmInitialize(&h, &callbacks, &v), SA_AIS_ERR_TRY_AGAIN);
	int64_t took = mono_ms() - t0;
	char note[64];
	snprintf(note, sizeof note, "all of it took %lld ms", (long long)took);
	CHECK_NOTE(took < 10000, note);
	return check_done();
}

static void init_no_executive(const char *socket_name)
{
	SaClmHandleT h = 0x4242;
	SaVersionT v = { 'B', 1, 1 };

	printf("# AIS_IPC_SOCKET=%s\n", socket_name);
	setenv("AIS_IPC_SOCKET", socket_name, 1);
	int64_t t0 = mono_ms();
	CHECK_RC(saClmInitialize(&h, &callbacks, &v), SA_AIS_ERR_TRY_AGAIN);
	CHECK(mono_ms() - t0 < 2000);
	CHECK(h == 0x4242);	/* not written */
	/* arguments and versions are checked without the executive */
	v = (SaVersionT){ 'B', 3, 1 };
	CHECK_RC(saClmInitialize(&h, &callbacks, &v), SA_AIS_ERR_VERSION);
	CHECK(v.releaseCode == 'B' && v.majorVersion == 1 && v.minorVersion == 1);
	CHECK_RC(saClmInitialize(NULL, &callbacks, &v), SA_AIS_ERR_INVALID_PARAM);
}

static int run_noexec(void)
{
	char name[128];
	snprintf(name, sizeof name, "@clm-gone-test-nobody-listens-%ld", (long)getpid());
	init_no_executive(name);
	init_no_executive("/nonexistent-clm-test-dir/aisexec.socket");
	/* a path that exists but is no listening socket */
	char path[] = "/tmp/clm-gone-test-XXXXXX";
	int fd = mkstemp(path);
	if (CHECK(fd >= 0)) {
		close(fd);
		init_no_executive(path);
		unlink(path);
	}
	return check_done();
}

/* $AIS_IPC_SOCKET accepts connections and closes them at once (an
 * executive on its way down): come back later. */
static int run_closed(void)
{
	for (int i = 0; i < 3; i++) {
		SaClmHandleT h = 0x4242;
		SaVersionT v = { 'B', 1, 1 };
		int64_t t0 = mono_ms();
		CHECK_RC(saClmInitialize(&h, &callbacks, &v), SA_AIS_ERR_TRY_AGAIN);
		CHECK(mono_ms() - t0 < 2000);
		CHECK(h == 0x4242);
	}
	return check_done();
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	check_start("clm_gone_test", 40);
	if (strcmp(mode, "noexec") == 0)
		return run_noexec();
	if (strcmp(mode, "closed") == 0)
		return run_closed();
	if (strcmp(mode, "gone") != 0) {
		fprintf(stderr, "usage: clm_gone_test gone|noexec|closed\n");
		return 2;
	}
	if (!clm_expect_load(&expect))
		return check_done();
	return run_gone();
}
