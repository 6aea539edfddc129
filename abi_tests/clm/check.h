/* A tiny test harness for the CLM programs: one line per check on stdout,
 * a non-zero exit status if any check failed. */
#ifndef CLM_CHECK_H
#define CLM_CHECK_H

#include <saAis.h>
#include <saClm.h>

#include "check_core.h"

/* Evaluates an SaAisErrorT expression once and compares it with `want`. */
#define CHECK_RC(expr, want) \
	check_rc((expr), (want), __FILE__, __LINE__, #expr)

bool check_rc(SaAisErrorT got, SaAisErrorT want, const char *file, int line,
	const char *text);
const char *check_err_name(SaAisErrorT err);

/* What the test harness tells us about this node (environment:
 * CLM_TEST_NODE_ID, CLM_TEST_NODE_ADDR, CLM_TEST_NODE_NAME). */
struct clm_expect {
	SaClmNodeIdT node_id;
	unsigned char addr[4];
	char name[256];
};
bool clm_expect_load(struct clm_expect *e);
/* Checks every field of a node record against the expectation. */
void clm_check_node(const char *what, const SaClmClusterNodeT *n,
	const struct clm_expect *e);

/* saClmInitialize with B.01.01, retried while the executive answers
 * TRY_AGAIN; then waits (bounded) until the first view is complete, so that
 * saClmClusterNodeGet of the local node succeeds. */
SaAisErrorT clm_init_ready(SaClmHandleT *h, const SaClmCallbacksT *cbs);

/* poll() of a selection object with the given timeout: 1 readable, 0 not. */
int clm_readable(SaSelectionObjectT sel, int timeout_ms);

/* CLOCK_REALTIME in ns (the clock of bootTimestamp). */
SaTimeT clm_now_ns(void);

#define MS(x) ((SaTimeT)(x) * 1000000LL)

#endif
