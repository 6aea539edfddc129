/* CKPT benchmark against a running executive ($AIS_IPC_SOCKET).
 *
 *   ckpt_bench write SIZE SECONDS      one writer: writes/s and MB/s of SIZE-byte writes
 *   ckpt_bench writers N SIZE SECONDS  N threads, a library handle and checkpoint each
 *   ckpt_bench read SIZE SECONDS       reads/s of SIZE-byte reads
 *   ckpt_bench hold COUNT SIZE         create COUNT checkpoints of SIZE bytes, keep them
 *                                      open, print "holding" and wait for stdin to close
 * Output: one line "name key=value ..." per measurement; write and writers add the
 * 50th, 90th and 99th percentile of one write's latency in µs (p50_us=...). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <saCkpt.h>

#define SEC ((SaTimeT)1000000000)

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, SaAisErrorT err)
{
	fprintf(stderr, "ckpt_bench: %s: error %d\n", what, (int)err);
	exit(1);
}

static SaCkptHandleT init(void)
{
	SaCkptHandleT h;
	SaVersionT v = { 'B', 1, 1 };
	SaAisErrorT err;
	while ((err = saCkptInitialize(&h, NULL, &v)) == SA_AIS_ERR_TRY_AGAIN)
		;
	if (err != SA_AIS_OK)
		die("saCkptInitialize", err);
	return h;
}

static SaCkptCheckpointHandleT open_one(SaCkptHandleT h, const char *name, SaSizeT size)
{
	SaNameT n;
	memset(&n, 0, sizeof n);
	n.length = (SaUint16T)snprintf((char *)n.value, sizeof n.value, "%s", name);
	SaCkptCheckpointCreationAttributesT a = {
		.creationFlags = SA_CKPT_WR_ALL_REPLICAS, .checkpointSize = size,
		.retentionDuration = SA_TIME_END, .maxSections = 1, .maxSectionSize = size,
		.maxSectionIdSize = 0,
	};
	SaCkptCheckpointHandleT c;
	SaAisErrorT err = saCkptCheckpointOpen(h, &n, &a, SA_CKPT_CHECKPOINT_CREATE |
		SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE, 10 * SEC, &c);
	if (err != SA_AIS_OK)
		die("saCkptCheckpointOpen", err);
	return c;
}

#define LAT_MAX_US 10000     /* the latency histogram's last bucket: this or more */

struct writer {
	SaCkptCheckpointHandleT c;
	size_t size;
	double seconds;
	long ops;
	long lat[LAT_MAX_US + 1];  /* writes by latency, µs */
};

static void *write_loop(void *arg)
{
	struct writer *w = arg;
	char *buf = malloc(w->size ? w->size : 1);
	memset(buf, 'w', w->size);
	SaCkptSectionIdT def = SA_CKPT_DEFAULT_SECTION_ID;
	SaCkptIOVectorElementT v = { def, buf, w->size, 0, 0 };
	double end = now_s() + w->seconds;
	w->ops = 0;
	double t = now_s();
	while (t < end) {
		SaAisErrorT err = saCkptCheckpointWrite(w->c, &v, 1, NULL);
		double done = now_s();
		if (err != SA_AIS_OK && err != SA_AIS_ERR_TRY_AGAIN)
			die("saCkptCheckpointWrite", err);
		if (err == SA_AIS_OK) {
			long us = (long)((done - t) * 1e6);
			w->lat[us < LAT_MAX_US ? us : LAT_MAX_US]++;
			w->ops++;
		}
		t = done;
	}
	free(buf);
	return NULL;
}

/* pct: the 50th, 90th and 99th percentile of a write's latency, or NULL */
static void report(const char *name, size_t size, int writers, long ops, double secs,
                   const long *pct)
{
	printf("%s size=%zu writers=%d ops=%ld seconds=%.2f ops_per_s=%.0f MB_per_s=%.2f",
		name, size, writers, ops, secs, ops / secs, ops * (double)size / secs / 1e6);
	if (pct != NULL)
		printf(" p50_us=%ld p90_us=%ld p99_us=%ld", pct[0], pct[1], pct[2]);
	printf("\n");
	fflush(stdout);
}

/* The latency (µs) below which a fraction q of all writers' writes took. */
static long percentile(const struct writer *w, int n, long ops, double q)
{
	long seen = 0;
	for (long us = 0; us <= LAT_MAX_US; us++) {
		for (int i = 0; i < n; i++)
			seen += w[i].lat[us];
		if (seen >= (long)(q * (double)ops) && seen > 0)
			return us;
	}
	return LAT_MAX_US;
}

static void bench_writers(int n, size_t size, double seconds)
{
	SaCkptHandleT h[16];
	static struct writer w[16];
	pthread_t t[16];
	for (int i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof name, "bench-w%d-%zu", i, size);
		h[i] = init();
		memset(&w[i], 0, sizeof w[i]);
		w[i].c = open_one(h[i], name, size ? size : 1);
		w[i].size = size;
		w[i].seconds = seconds;
	}
	double t0 = now_s();
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, write_loop, &w[i]);
	long ops = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		ops += w[i].ops;
	}
	double secs = now_s() - t0;
	long pct[3] = { percentile(w, n, ops, 0.5), percentile(w, n, ops, 0.9),
	                percentile(w, n, ops, 0.99) };
	report(n == 1 ? "write" : "writers", size, n, ops, secs, pct);
	for (int i = 0; i < n; i++)
		saCkptFinalize(h[i]);
}

static void bench_read(size_t size, double seconds)
{
	SaCkptHandleT h = init();
	SaCkptCheckpointHandleT c = open_one(h, "bench-read", size);
	char *buf = calloc(1, size);
	SaCkptSectionIdT def = SA_CKPT_DEFAULT_SECTION_ID;
	SaCkptIOVectorElementT w = { def, buf, size, 0, 0 };
	SaAisErrorT err = saCkptCheckpointWrite(c, &w, 1, NULL);
	if (err != SA_AIS_OK)
		die("saCkptCheckpointWrite", err);
	long ops = 0;
	double t0 = now_s(), end = t0 + seconds;
	while (now_s() < end) {
		for (int i = 0; i < 16; i++) {
			SaCkptIOVectorElementT r = { def, buf, size, 0, 0 };
			err = saCkptCheckpointRead(c, &r, 1, NULL);
			if (err != SA_AIS_OK || r.readSize != size)
				die("saCkptCheckpointRead", err);
			ops++;
		}
	}
	report("read", size, 1, ops, now_s() - t0, NULL);
	free(buf);
	saCkptFinalize(h);
}

static void bench_hold(long count, size_t size)
{
	SaCkptHandleT h = init();
	char *buf = malloc(size);
	memset(buf, 'h', size);
	double t0 = now_s();
	for (long i = 0; i < count; i++) {
		char name[32];
		snprintf(name, sizeof name, "bench-hold-%ld", i);
		SaCkptCheckpointHandleT c = open_one(h, name, size);
		SaCkptSectionIdT def = SA_CKPT_DEFAULT_SECTION_ID;
		SaCkptIOVectorElementT w = { def, buf, size, 0, 0 };
		SaAisErrorT err = saCkptCheckpointWrite(c, &w, 1, NULL);
		if (err != SA_AIS_OK)
			die("saCkptCheckpointWrite", err);
	}
	printf("hold count=%ld size=%zu seconds=%.2f creates_per_s=%.0f\nholding\n", count, size,
		now_s() - t0, count / (now_s() - t0));
	fflush(stdout);
	while (getchar() != EOF)
		;
	free(buf);
	saCkptFinalize(h);
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "write") == 0)
		bench_writers(1, strtoul(argv[2], NULL, 10), atof(argv[3]));
	else if (argc >= 5 && strcmp(argv[1], "writers") == 0)
		bench_writers(atoi(argv[2]) > 16 ? 16 : atoi(argv[2]), strtoul(argv[3], NULL, 10),
			atof(argv[4]));
	else if (argc >= 4 && strcmp(argv[1], "read") == 0)
		bench_read(strtoul(argv[2], NULL, 10), atof(argv[3]));
	else if (argc >= 4 && strcmp(argv[1], "hold") == 0)
		bench_hold(atol(argv[2]), strtoul(argv[3], NULL, 10));
	else {
		fprintf(stderr, "usage: ckpt_bench write SIZE SECONDS | writers N SIZE SECONDS |"
			" read SIZE SECONDS | hold COUNT SIZE\n");
		return 2;
	}
	return 0;
}
