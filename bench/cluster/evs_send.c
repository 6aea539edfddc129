/*
 * evs_send SECONDS: multicast to group LOAD_GROUP, for SECONDS at each size of
 * load_sizes, as fast as the executive accepts (EVS_ERR_TRY_AGAIN: wait a
 * little and retry), then a DONE_LEN message.  The sender does not join the
 * group (evs_mcast_groups), so it receives nothing; receivers count.
 * Prints "sent SIZE COUNT TRY_AGAIN" per size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <evs.h>

#include "evs_load.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int send_one(evs_handle_t h, struct evs_group *g, void *buf, size_t len,
	unsigned long long *again)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	for (;;) {
		evs_error_t err = evs_mcast_groups(h, EVS_TYPE_AGREED, g, 1, &iov, 1);
		if (err == EVS_OK)
			return 0;
		if (err != EVS_ERR_TRY_AGAIN) {
			fprintf(stderr, "evs_send: evs_mcast_groups: %d\n", err);
			return -1;
		}
		(*again)++;
		struct timespec pause = { 0, 200000 };
		nanosleep(&pause, NULL);
	}
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 3;
	evs_callbacks_t cb = { 0 };
	evs_handle_t h;
	struct evs_group g;
	memset(&g, 0, sizeof g);
	strncpy(g.key, LOAD_GROUP, sizeof g.key - 1);
	if (evs_initialize(&h, &cb) != EVS_OK) {
		fprintf(stderr, "evs_send: evs_initialize failed\n");
		return 1;
	}
	char *buf = calloc(1, load_sizes[LOAD_NSIZES - 1]);
	if (buf == NULL)
		return 1;
	for (size_t i = 0; i < LOAD_NSIZES; i++) {
		unsigned long long n = 0, again = 0;
		double stop = now_s() + seconds;
		while (now_s() < stop) {
			if (send_one(h, &g, buf, load_sizes[i], &again) != 0)
				return 1;
			n++;
		}
		printf("sent %zu %llu %llu\n", load_sizes[i], n, again);
		fflush(stdout);
	}
	unsigned long long again = 0;
	if (send_one(h, &g, buf, DONE_LEN, &again) != 0)
		return 1;
	free(buf);
	evs_finalize(h);
	return 0;
}
