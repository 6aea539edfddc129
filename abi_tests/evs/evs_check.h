/* A tiny test harness for the EVS programs: one line per check on stdout,
 * a non-zero exit status if any check failed. */
#ifndef EVS_CHECK_H
#define EVS_CHECK_H

#include <stddef.h>

#include <evs.h>

#include "check_core.h"

/* Evaluates an evs_error_t expression once and compares it with `want`. */
#define CHECK_RC(expr, want) check_rc((expr), (want), __FILE__, __LINE__, #expr)

bool check_rc(evs_error_t got, evs_error_t want, const char *file, int line,
	const char *text);

/* The node id of the test executive's node (EVS_TEST_NODE_ID). */
unsigned int evs_test_nodeid(void);

/* A group named `name` (NUL padded). */
struct evs_group evs_test_group(const char *name);

/* evs_initialize, retried while the executive answers TRY_AGAIN. */
evs_error_t evs_test_init(evs_handle_t *h, evs_callbacks_t *cbs);

/* evs_mcast_joined / evs_mcast_groups of one buffer, retried on TRY_AGAIN. */
evs_error_t evs_test_send(evs_handle_t h, const void *buf, size_t len);
evs_error_t evs_test_send_groups(evs_handle_t h, struct evs_group *groups, int n,
	const void *buf, size_t len);

/* poll() of a handle's descriptor: 1 readable within timeout_ms, else 0. */
int evs_test_readable(evs_handle_t h, int timeout_ms);

/* evs_dispatch(ONE) until `*counter` reaches `target` (bounded by the
 * alarm); false if a dispatch failed. */
bool evs_test_dispatch_until(evs_handle_t h, const unsigned *counter, unsigned target);

#endif
