/* Shared helpers of the CKPT test programs (run by tests/test_ckpt.py against a
 * live one-node executive named by $AIS_IPC_SOCKET). */
#ifndef CKPT_TEST_H
#define CKPT_TEST_H

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <saCkpt.h>

static int failures;
static int checks;

#define EXPECT(call, want) do { \
	SaAisErrorT got_ = (call); \
	checks++; \
	if (got_ != (want)) { \
		fprintf(stderr, "%s:%d: %s = %d, expected %d\n", __FILE__, __LINE__, \
			#call, (int)got_, (int)(want)); \
		failures++; \
	} \
} while (0)

#define CHECK(cond) do { \
	checks++; \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

static inline int report(const char *prog)
{
	printf("%s: %d passed, %d failed\n", prog, checks - failures, failures);
	return failures ? 1 : 0;
}

static inline SaNameT name_of(const char *s)
{
	SaNameT n;
	memset(&n, 0, sizeof n);
	n.length = (SaUint16T)strlen(s);
	memcpy(n.value, s, n.length);
	return n;
}

static inline SaCkptCheckpointCreationAttributesT attrs_of(SaCkptCheckpointCreationFlagsT flags,
	SaSizeT size, SaTimeT retention, SaUint32T sections, SaSizeT section_size, SaSizeT id_size)
{
	SaCkptCheckpointCreationAttributesT a = {
		.creationFlags = flags, .checkpointSize = size, .retentionDuration = retention,
		.maxSections = sections, .maxSectionSize = section_size, .maxSectionIdSize = id_size,
	};
	return a;
}

static inline SaCkptHandleT init_handle(const SaCkptCallbacksT *cb)
{
	SaCkptHandleT h = 0;
	SaVersionT v = { 'B', 1, 1 };
	EXPECT(saCkptInitialize(&h, cb, &v), SA_AIS_OK);
	return h;
}

static inline SaCkptSectionIdT sid_of(const char *s)
{
	SaCkptSectionIdT id = { (SaUint16T)strlen(s), (SaUint8T *)s };
	return id;
}

static inline SaTimeT now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (SaTimeT)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Waits until the selection object is readable (a callback is pending). */
static inline int wait_readable(SaSelectionObjectT so, int ms)
{
	struct pollfd p = { .fd = (int)so, .events = POLLIN, .revents = 0 };
	return poll(&p, 1, ms);
}

#define SEC ((SaTimeT)1000000000)

#endif
