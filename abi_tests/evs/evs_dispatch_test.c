/* evs_dispatch_test: the three dispatch modes, and finalize while another
 * thread, or the callback itself, is dispatching. */
#include <pthread.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "evs_check.h"

static unsigned delivered, confchgs;
static evs_handle_t finalize_in_callback;	/* if set, the deliver callback finalizes it */
static evs_error_t finalize_rc;

static void on_deliver(unsigned int nodeid, void *msg, int len)
{
	(void)nodeid, (void)msg, (void)len;
	delivered++;
	if (finalize_in_callback != 0) {
		finalize_rc = evs_finalize(finalize_in_callback);
		finalize_in_callback = 0;
	}
}

static void on_confchg(unsigned int *m, int mn, unsigned int *l, int ln,
	unsigned int *j, int jn)
{
	(void)m, (void)mn, (void)l, (void)ln, (void)j, (void)jn;
	confchgs++;
}

static evs_callbacks_t cbs = { .evs_deliver_fn = on_deliver, .evs_confchg_fn = on_confchg };
static struct evs_group group;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A receiving handle that joined `group`, its first configuration dispatched. */
static bool open_receiver(evs_handle_t *h)
{
	confchgs = 0;
	return CHECK_RC(evs_test_init(h, &cbs), EVS_OK) &&
		CHECK(evs_test_readable(*h, 5000)) &&
		CHECK_RC(evs_dispatch(*h, EVS_DISPATCH_ALL), EVS_OK) &&
		CHECK(confchgs == 1) &&
		CHECK_RC(evs_join(*h, &group, 1), EVS_OK);
}

struct later {
	evs_handle_t h;
	int delay_ms;
	bool send;		/* multicast one byte, else finalize */
	evs_error_t rc;
};

static void *act_later(void *arg)
{
	struct later *l = arg;
	usleep((useconds_t)l->delay_ms * 1000);
	l->rc = l->send ? evs_test_send_groups(l->h, &group, 1, "x", 1) : evs_finalize(l->h);
	return NULL;
}

static void test_one_and_all(evs_handle_t rx, evs_handle_t tx)
{
	/* ONE waits for a callback (as openais's EVS_DISPATCH_ONE does) */
	delivered = 0;
	struct later l = { .h = tx, .delay_ms = 300, .send = true };
	pthread_t t;
	pthread_create(&t, NULL, act_later, &l);
	double t0 = now_s();
	CHECK_RC(evs_dispatch(rx, EVS_DISPATCH_ONE), EVS_OK);
	double waited = now_s() - t0;
	pthread_join(t, NULL);
	CHECK_RC(l.rc, EVS_OK);
	char note[64];
	snprintf(note, sizeof note, "waited %.3f s", waited);
	CHECK_NOTE(delivered == 1 && waited > 0.2, note);

	/* three pending: ONE runs one, ALL the rest, ALL with none returns */
	delivered = 0;
	for (int i = 0; i < 3; i++)
		CHECK_RC(evs_test_send_groups(tx, &group, 1, "y", 1), EVS_OK);
	/* wait (bounded) until all three callback frames are in the socket: a
	 * deliver frame of a 1-byte message has 33 bytes (ipc_wire.h) */
	int fd = -1, queued = 0;
	evs_fd_get(rx, &fd);
	for (int i = 0; i < 500 && queued < 3 * 33; i++) {
		if (ioctl(fd, FIONREAD, &queued) != 0)
			break;
		usleep(10000);
	}
	CHECK(queued == 3 * 33);
	CHECK_RC(evs_dispatch(rx, EVS_DISPATCH_ONE), EVS_OK);
	CHECK(delivered == 1);
	CHECK_RC(evs_dispatch(rx, EVS_DISPATCH_ALL), EVS_OK);
	CHECK(delivered == 3);
	t0 = now_s();
	CHECK_RC(evs_dispatch(rx, EVS_DISPATCH_ALL), EVS_OK);
	CHECK(delivered == 3 && now_s() - t0 < 1.0);
}

static void test_blocking_finalized_by_callback(evs_handle_t tx)
{
	evs_handle_t rx;
	if (!open_receiver(&rx))
		return;
	delivered = 0;
	finalize_in_callback = rx;
	CHECK_RC(evs_test_send_groups(tx, &group, 1, "z", 1), EVS_OK);
	CHECK_RC(evs_dispatch(rx, EVS_DISPATCH_BLOCKING), EVS_OK);
	CHECK(delivered == 1);
	CHECK_RC(finalize_rc, EVS_OK);
	CHECK_RC(evs_dispatch(rx, EVS_DISPATCH_ALL), EVS_ERR_BAD_HANDLE);
}

static void test_finalized_by_thread(evs_dispatch_t mode)
{
	evs_handle_t rx;
	if (!open_receiver(&rx))
		return;
	struct later l = { .h = rx, .delay_ms = 200, .send = false };
	pthread_t t;
	pthread_create(&t, NULL, act_later, &l);
	CHECK_RC(evs_dispatch(rx, mode), EVS_OK);
	pthread_join(t, NULL);
	CHECK_RC(l.rc, EVS_OK);
}

int main(void)
{
	check_start("evs_dispatch_test", 60);
	group = evs_test_group("dispatch");
	/* tx sends with evs_mcast_groups and joins nothing: it receives nothing */
	evs_handle_t rx, tx;
	if (!open_receiver(&rx) || !CHECK_RC(evs_test_init(&tx, &cbs), EVS_OK))
		return check_done();
	test_one_and_all(rx, tx);
	CHECK_RC(evs_finalize(rx), EVS_OK);

	test_blocking_finalized_by_callback(tx);
	test_finalized_by_thread(EVS_DISPATCH_BLOCKING);
	test_finalized_by_thread(EVS_DISPATCH_ONE);
	CHECK_RC(evs_finalize(tx), EVS_OK);
	return check_done();
}
