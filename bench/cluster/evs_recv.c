/*
 * evs_recv SENDERS: join LOAD_GROUP and count what arrives, per message size,
 * until SENDERS DONE_LEN messages have arrived.  Then print, per size,
 * "recv SIZE COUNT SECONDS MSGS_PER_S MB_PER_S": SECONDS from the first to the
 * last message of that size (MB = 10^6 bytes).  Prints "ready" once joined.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <evs.h>

#include "evs_load.h"

static unsigned long long count[LOAD_NSIZES];
static double first[LOAD_NSIZES], last[LOAD_NSIZES];
static int done;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_deliver(unsigned int nodeid, void *msg, int len)
{
	(void)nodeid, (void)msg;
	if (len == DONE_LEN) {
		done++;
		return;
	}
	for (size_t i = 0; i < LOAD_NSIZES; i++) {
		if ((size_t)len == load_sizes[i]) {
			double t = now_s();
			if (count[i]++ == 0)
				first[i] = t;
			last[i] = t;
			return;
		}
	}
}

static void on_confchg(unsigned int *m, int mn, unsigned int *l, int ln,
	unsigned int *j, int jn)
{
	(void)m, (void)mn, (void)l, (void)ln, (void)j, (void)jn;
}

int main(int argc, char **argv)
{
	int senders = argc > 1 ? atoi(argv[1]) : 1;
	evs_callbacks_t cb = { .evs_deliver_fn = on_deliver, .evs_confchg_fn = on_confchg };
	evs_handle_t h;
	struct evs_group g;
	memset(&g, 0, sizeof g);
	strncpy(g.key, LOAD_GROUP, sizeof g.key - 1);
	if (evs_initialize(&h, &cb) != EVS_OK || evs_join(h, &g, 1) != EVS_OK) {
		fprintf(stderr, "evs_recv: cannot join\n");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (done < senders) {
		if (evs_dispatch(h, EVS_DISPATCH_ONE) != EVS_OK) {
			fprintf(stderr, "evs_recv: dispatch failed\n");
			return 1;
		}
	}
	for (size_t i = 0; i < LOAD_NSIZES; i++) {
		double secs = last[i] - first[i];
		double rate = secs > 0 ? (double)count[i] / secs : 0;
		printf("recv %zu %llu %.3f %.0f %.2f\n", load_sizes[i], count[i], secs, rate,
			rate * (double)load_sizes[i] / 1e6);
	}
	evs_finalize(h);
	return 0;
}
