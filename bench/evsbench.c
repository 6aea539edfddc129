/* evsbench: EVS throughput on one handle, as openais's evsbench measures it.
 *
 *     evsbench [seconds-per-size]      (default 3)
 *
 * The handle joins one group and, for each message size, multicasts to it
 * with evs_mcast_joined (EVS_TYPE_AGREED) in a loop, dispatching what has
 * arrived after every send (EVS_DISPATCH_ALL) and retrying on
 * EVS_ERR_TRY_AGAIN.  What counts is what the handle receives: messages and
 * megabytes (10^6 bytes) per second from the first send to the last
 * delivery.  One line per size: "size msgs msgs/s MB/s try_again". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <evs.h>

static unsigned long long received, received_bytes;

static void on_deliver(unsigned int nodeid, void *msg, int len)
{
	(void)nodeid, (void)msg;
	received++;
	received_bytes += (unsigned long long)len;
}

static void on_confchg(unsigned int *m, int mn, unsigned int *l, int ln,
	unsigned int *j, int jn)
{
	(void)m, (void)mn, (void)l, (void)ln, (void)j, (void)jn;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(evs_handle_t h, size_t size, double seconds, void *buf)
{
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	unsigned long long sent = 0, again = 0;
	received = received_bytes = 0;
	double start = now_s(), stop = start + seconds;
	while (now_s() < stop) {
		evs_error_t err = evs_mcast_joined(h, EVS_TYPE_AGREED, &iov, 1);
		if (err == EVS_ERR_TRY_AGAIN)
			again++;
		else if (err == EVS_OK)
			sent++;
		else {
			fprintf(stderr, "evsbench: evs_mcast_joined: %d\n", err);
			return 1;
		}
		if (evs_dispatch(h, EVS_DISPATCH_ALL) != EVS_OK)
			return 1;
	}
	while (received < sent) {
		if (evs_dispatch(h, EVS_DISPATCH_ONE) != EVS_OK)
			return 1;
	}
	double t = now_s() - start;
	printf("%7zu %9llu %11.1f %9.2f %7llu\n", size, received, (double)received / t,
		(double)received_bytes / t / 1e6, again);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 1, 1024, 4096, 8192, 16384, 65536 };
	double seconds = argc > 1 ? atof(argv[1]) : 3.0;
	evs_callbacks_t cbs = { .evs_deliver_fn = on_deliver, .evs_confchg_fn = on_confchg };
	evs_handle_t h;
	evs_error_t err;
	int tries = 0;

	while ((err = evs_initialize(&h, &cbs)) == EVS_ERR_TRY_AGAIN && ++tries < 100)
		usleep(100000);
	if (err != EVS_OK) {
		fprintf(stderr, "evsbench: evs_initialize: %d\n", err);
		return 1;
	}
	struct evs_group g;
	memset(&g, 0, sizeof g);
	memcpy(g.key, "evsbench", 8);
	if (evs_join(h, &g, 1) != EVS_OK || evs_dispatch(h, EVS_DISPATCH_ALL) != EVS_OK) {
		fprintf(stderr, "evsbench: cannot join\n");
		return 1;
	}
	void *buf = calloc(1, sizes[sizeof sizes / sizeof sizes[0] - 1]);
	if (buf == NULL)
		return 1;
	printf("%7s %9s %11s %9s %7s\n", "size", "msgs", "msgs/s", "MB/s", "again");
	int rc = 0;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && rc == 0; i++)
		rc = run(h, sizes[i], seconds, buf);
	free(buf);
	evs_finalize(h);
	return rc;
}
