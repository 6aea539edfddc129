/* The shared part of the CLM test programs: see check.h. */
#include "check.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const err_names[] = {
	[SA_AIS_OK] = "OK",
	[SA_AIS_ERR_LIBRARY] = "ERR_LIBRARY",
	[SA_AIS_ERR_VERSION] = "ERR_VERSION",
	[SA_AIS_ERR_INIT] = "ERR_INIT",
	[SA_AIS_ERR_TIMEOUT] = "ERR_TIMEOUT",
	[SA_AIS_ERR_TRY_AGAIN] = "ERR_TRY_AGAIN",
	[SA_AIS_ERR_INVALID_PARAM] = "ERR_INVALID_PARAM",
	[SA_AIS_ERR_NO_MEMORY] = "ERR_NO_MEMORY",
	[SA_AIS_ERR_BAD_HANDLE] = "ERR_BAD_HANDLE",
	[SA_AIS_ERR_BUSY] = "ERR_BUSY",
	[SA_AIS_ERR_ACCESS] = "ERR_ACCESS",
	[SA_AIS_ERR_NOT_EXIST] = "ERR_NOT_EXIST",
	[SA_AIS_ERR_NAME_TOO_LONG] = "ERR_NAME_TOO_LONG",
	[SA_AIS_ERR_EXIST] = "ERR_EXIST",
	[SA_AIS_ERR_NO_SPACE] = "ERR_NO_SPACE",
	[SA_AIS_ERR_INTERRUPT] = "ERR_INTERRUPT",
	[SA_AIS_ERR_NAME_NOT_FOUND] = "ERR_NAME_NOT_FOUND",
	[SA_AIS_ERR_NO_RESOURCES] = "ERR_NO_RESOURCES",
	[SA_AIS_ERR_NOT_SUPPORTED] = "ERR_NOT_SUPPORTED",
	[SA_AIS_ERR_BAD_OPERATION] = "ERR_BAD_OPERATION",
	[SA_AIS_ERR_FAILED_OPERATION] = "ERR_FAILED_OPERATION",
	[SA_AIS_ERR_MESSAGE_ERROR] = "ERR_MESSAGE_ERROR",
	[SA_AIS_ERR_QUEUE_FULL] = "ERR_QUEUE_FULL",
	[SA_AIS_ERR_QUEUE_NOT_AVAILABLE] = "ERR_QUEUE_NOT_AVAILABLE",
	[SA_AIS_ERR_BAD_FLAGS] = "ERR_BAD_FLAGS",
	[SA_AIS_ERR_TOO_BIG] = "ERR_TOO_BIG",
	[SA_AIS_ERR_NO_SECTIONS] = "ERR_NO_SECTIONS",
};

const char *check_err_name(SaAisErrorT err)
{
	if ((int)err > 0 && (size_t)err < sizeof err_names / sizeof err_names[0])
		return err_names[err];
	return "(not an SaAisErrorT)";
}

bool check_rc(SaAisErrorT got, SaAisErrorT want, const char *file, int line,
	const char *text)
{
	check_count++;
	if (got == want) {
		printf("ok   %s == %s\n", text, check_err_name(want));
		return true;
	}
	check_failures++;
	printf("FAIL %s == %s (%d), expected %s (%d)  (%s:%d)\n", text,
		check_err_name(got), (int)got, check_err_name(want), (int)want,
		file, line);
	return false;
}

bool clm_expect_load(struct clm_expect *e)
{
	const char *id = getenv("CLM_TEST_NODE_ID");
	const char *addr = getenv("CLM_TEST_NODE_ADDR");
	const char *name = getenv("CLM_TEST_NODE_NAME");

	memset(e, 0, sizeof *e);
	if (id == NULL || addr == NULL || name == NULL) {
		printf("FAIL CLM_TEST_NODE_ID, CLM_TEST_NODE_ADDR and CLM_TEST_NODE_NAME must be set\n");
		check_failures++;
		return false;
	}
	e->node_id = (SaClmNodeIdT)strtoul(id, NULL, 0);
	if (inet_pton(AF_INET, addr, e->addr) != 1) {
		printf("FAIL CLM_TEST_NODE_ADDR %s is not an IPv4 address\n", addr);
		check_failures++;
		return false;
	}
	snprintf(e->name, sizeof e->name, "%s", name);
	return true;
}

void clm_check_node(const char *what, const SaClmClusterNodeT *n,
	const struct clm_expect *e)
{
	SaTimeT now = clm_now_ns();
	size_t name_len = strlen(e->name);
	char note[400];

	snprintf(note, sizeof note, "%s: nodeId %#" PRIx32, what, (uint32_t)n->nodeId);
	CHECK_NOTE(n->nodeId == e->node_id, note);
	snprintf(note, sizeof note, "%s: family %d length %u", what,
		(int)n->nodeAddress.family, (unsigned)n->nodeAddress.length);
	CHECK_NOTE(n->nodeAddress.family == SA_CLM_AF_INET && n->nodeAddress.length == 4, note);
	CHECK_NOTE(memcmp(n->nodeAddress.value, e->addr, 4) == 0, what);
	snprintf(note, sizeof note, "%s: name %.*s", what,
		(int)(n->nodeName.length < 256 ? n->nodeName.length : 256),
		(const char *)n->nodeName.value);
	CHECK_NOTE(n->nodeName.length == name_len &&
	      memcmp(n->nodeName.value, e->name, name_len) == 0, note);
	CHECK_NOTE(n->member == SA_TRUE, what);
	snprintf(note, sizeof note, "%s: bootTimestamp %lld, now %lld", what,
		(long long)n->bootTimestamp, (long long)now);
	CHECK_NOTE(n->bootTimestamp > now - 3600LL * 1000000000LL &&
	      n->bootTimestamp <= now + 1000000000LL, note);
	snprintf(note, sizeof note, "%s: initialViewNumber %llu", what,
		(unsigned long long)n->initialViewNumber);
	CHECK_NOTE(n->initialViewNumber > 0, note);
}

SaAisErrorT clm_init_ready(SaClmHandleT *h, const SaClmCallbacksT *cbs)
{
	SaAisErrorT err;

	for (int i = 0; i < 200; i++) {
		SaVersionT v = { 'B', 1, 1 };
		err = saClmInitialize(h, cbs, &v);
		if (err != SA_AIS_ERR_TRY_AGAIN)
			break;
		usleep(50000);
	}
	if (err != SA_AIS_OK)
		return err;
	for (int i = 0; i < 400; i++) {
		SaClmClusterNodeT n;
		err = saClmClusterNodeGet(*h, SA_CLM_LOCAL_NODE_ID, MS(5000), &n);
		if (err != SA_AIS_ERR_NOT_EXIST && err != SA_AIS_ERR_TRY_AGAIN)
			break;
		usleep(25000);	/* the first view is not complete yet */
	}
	if (err != SA_AIS_OK)
		saClmFinalize(*h);
	return err;
}

int clm_readable(SaSelectionObjectT sel, int timeout_ms)
{
	struct pollfd p = { .fd = (int)sel, .events = POLLIN, .revents = 0 };
	int n = poll(&p, 1, timeout_ms);
	return n > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) ? 1 : 0;
}

SaTimeT clm_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (SaTimeT)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
