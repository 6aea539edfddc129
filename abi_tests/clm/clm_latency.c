/* clm_latency: the round trip of saClmClusterNodeGet (library -> executive
 * -> library), 10,000 calls on one handle; prints p50, p99 and max in
 * microseconds.  Checks only that every call succeeded with the same data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"

#define CALLS 10000
#define WARMUP 200

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int calls = argc > 1 ? atoi(argv[1]) : CALLS;
	if (calls < 100)
		calls = 100;
	check_start("clm_latency", 120);

	SaClmHandleT h;
	SaClmClusterNodeT first, n;
	if (!CHECK_RC(clm_init_ready(&h, NULL), SA_AIS_OK))
		return check_done();
	if (!CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, MS(5000), &first), SA_AIS_OK))
		return check_done();

	for (int i = 0; i < WARMUP; i++)
		saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, MS(5000), &n);

	int64_t *lat = calloc((size_t)calls, sizeof *lat);
	if (!CHECK(lat != NULL))
		return check_done();
	int bad = 0;
	int64_t start = now_ns();
	for (int i = 0; i < calls; i++) {
		int64_t t0 = now_ns();
		SaAisErrorT err = saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, MS(5000), &n);
		lat[i] = now_ns() - t0;
		if (err != SA_AIS_OK || n.nodeId != first.nodeId ||
		    n.bootTimestamp != first.bootTimestamp)
			bad++;
	}
	int64_t total = now_ns() - start;
	char note[64];
	snprintf(note, sizeof note, "%d of %d calls failed", bad, calls);
	CHECK_NOTE(bad == 0, note);

	qsort(lat, (size_t)calls, sizeof *lat, cmp);
	printf("calls=%d p50_us=%.1f p99_us=%.1f max_us=%.1f calls_per_s=%.0f\n", calls,
		lat[calls / 2] / 1000.0, lat[(calls * 99) / 100] / 1000.0,
		lat[calls - 1] / 1000.0, calls / (total / 1e9));
	free(lat);
	CHECK_RC(saClmFinalize(h), SA_AIS_OK);
	return check_done();
}
