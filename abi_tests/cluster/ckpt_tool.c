/*
 * ckpt_tool: a checkpoint as the multi-node tests drive and inspect it, through
 * libSaCkpt.
 *
 *   ckpt_tool write NAME SECONDS   create NAME (32 sections s00..s31) and, for
 *                                  SECONDS, write "value-K" into section K % 32
 *                                  (K = 0, 1, ...), one synchronous write after
 *                                  the other; prints "ack K" once a write is
 *                                  acknowledged.  SA_AIS_ERR_TRY_AGAIN (a
 *                                  configuration change) is retried.
 *   ckpt_tool dump NAME            every section of NAME in id order (the ids
 *                                  stay the library's until the iteration ends):
 *                                  "section ID DATA"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <saAis.h>
#include <saCkpt.h>

#define SECTIONS 32

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set_name(SaNameT *n, const char *s)
{
	n->length = (SaUint16T)strlen(s);
	memcpy(n->value, s, n->length);
}

/* Retries while the cluster says "not now" (up to a minute). */
#define RETRY(rc, call) do { \
		int n_ = 0; \
		while (((rc) = (call)) == SA_AIS_ERR_TRY_AGAIN && n_++ < 6000) \
			pause_ms(10); \
	} while (0)

static int do_write(SaCkptHandleT h, const char *name, double seconds)
{
	SaNameT n;
	set_name(&n, name);
	SaCkptCheckpointCreationAttributesT attr = {
		.creationFlags = SA_CKPT_WR_ALL_REPLICAS,
		.checkpointSize = SECTIONS * 64,
		.retentionDuration = SA_TIME_ONE_HOUR,
		.maxSections = SECTIONS,
		.maxSectionSize = 64,
		.maxSectionIdSize = 8,
	};
	SaCkptCheckpointHandleT cp;
	SaAisErrorT rc;
	RETRY(rc, saCkptCheckpointOpen(h, &n, &attr, SA_CKPT_CHECKPOINT_CREATE |
		SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE, SA_TIME_ONE_MINUTE, &cp));
	if (rc != SA_AIS_OK) {
		printf("error open %d\n", rc);
		return 1;
	}
	double stop = now_s() + seconds;
	for (unsigned long k = 0; now_s() < stop || k < SECTIONS; k++) {
		char id[8], data[32];
		snprintf(id, sizeof id, "s%02lu", k % SECTIONS);
		int len = snprintf(data, sizeof data, "value-%lu", k);
		SaCkptSectionIdT sid = { .idLen = (SaUint16T)strlen(id), .id = (SaUint8T *)id };
		if (k < SECTIONS) {
			SaCkptSectionCreationAttributesT sa = { .sectionId = &sid,
				.expirationTime = SA_TIME_END };
			RETRY(rc, saCkptSectionCreate(cp, &sa, data, (SaSizeT)len));
		} else {
			RETRY(rc, saCkptSectionOverwrite(cp, &sid, data, (SaSizeT)len));
		}
		if (rc != SA_AIS_OK) {
			printf("error write %lu %d\n", k, rc);
			return 1;
		}
		printf("ack %lu\n", k);
		fflush(stdout);
	}
	return saCkptCheckpointClose(cp) == SA_AIS_OK ? 0 : 1;
}

static int cmp_desc(const void *a, const void *b)
{
	const SaCkptSectionDescriptorT *x = a, *y = b;
	size_t n = x->sectionId.idLen < y->sectionId.idLen ? x->sectionId.idLen : y->sectionId.idLen;
	int c = memcmp(x->sectionId.id, y->sectionId.id, n);
	return c ? c : (int)x->sectionId.idLen - (int)y->sectionId.idLen;
}

static int do_dump(SaCkptHandleT h, const char *name)
{
	SaNameT n;
	set_name(&n, name);
	SaCkptCheckpointHandleT cp;
	SaAisErrorT rc;
	RETRY(rc, saCkptCheckpointOpen(h, &n, NULL, SA_CKPT_CHECKPOINT_READ,
		SA_TIME_ONE_MINUTE, &cp));
	if (rc != SA_AIS_OK) {
		printf("error open %d\n", rc);
		return 1;
	}
	SaCkptSectionIterationHandleT it;
	rc = saCkptSectionIterationInitialize(cp, SA_CKPT_SECTIONS_ANY, 0, &it);
	if (rc != SA_AIS_OK) {
		printf("error iterate %d\n", rc);
		return 1;
	}
	SaCkptSectionDescriptorT d[SECTIONS + 1];
	int count = 0;
	while (count <= SECTIONS && (rc = saCkptSectionIterationNext(it, &d[count])) == SA_AIS_OK)
		count++;
	qsort(d, (size_t)count, sizeof d[0], cmp_desc);
	for (int i = 0; i < count; i++) {
		char data[65] = { 0 };
		SaCkptIOVectorElementT v = { .sectionId = d[i].sectionId, .dataBuffer = data,
			.dataSize = 64, .dataOffset = 0 };
		SaUint32T bad;
		rc = saCkptCheckpointRead(cp, &v, 1, &bad);
		printf("section %.*s %s\n", (int)d[i].sectionId.idLen, (const char *)d[i].sectionId.id,
			rc == SA_AIS_OK ? data : "?");
	}
	saCkptSectionIterationFinalize(it);
	saCkptCheckpointClose(cp);
	return 0;
}

int main(int argc, char **argv)
{
	SaCkptHandleT h;
	SaVersionT v = { 'B', 1, 1 };
	if (argc < 3 || saCkptInitialize(&h, NULL, &v) != SA_AIS_OK)
		return 2;
	int status = 2;
	if (strcmp(argv[1], "write") == 0 && argc > 3)
		status = do_write(h, argv[2], atof(argv[3]));
	else if (strcmp(argv[1], "dump") == 0)
		status = do_dump(h, argv[2]);
	saCkptFinalize(h);
	return status;
}
