/* libevs internals shared by its source files. */
#ifndef AIS_LIBSA_EVS_INTERNAL_H
#define AIS_LIBSA_EVS_INTERNAL_H

#include <stddef.h>

#include <evs.h>
#include <saAis.h>

#include "handle.h"
#include "ipc.h"
#include "session.h"

struct evs_instance {
	struct sa_session session;	/* first: see session.h */
	evs_callbacks_t callbacks;	/* set once by evs_initialize, then read-only */
};

extern struct sa_handle_table evs_handles;

/* evs_error.c: a runtime error as an evs_error_t.  The values both enums
 * share pass through; SA_AIS_ERR_NO_RESOURCES (handle table full) is
 * EVS_ERR_NO_MEMORY, SA_AIS_ERR_TOO_BIG EVS_ERR_INVALID_PARAM, anything else
 * the EVS API has no name for EVS_ERR_LIBRARY.  evs_reply_error() is the
 * same for the result of a request, where AIS_EVS_ERR_TOO_MANY_GROUPS is
 * EVS_ERR_TOO_MANY_GROUPS (the runtime itself never returns that value). */
evs_error_t evs_error(SaAisErrorT err);
evs_error_t evs_reply_error(SaAisErrorT err);

/* evs_callback.c: the dispatch handler (ctx: a struct evs_dispatch_ctx). */
struct evs_dispatch_ctx {
	struct evs_instance *inst;
	unsigned dispatched;		/* callback frames handled so far */
};

SaAisErrorT evs_dispatch_frame(void *ctx, const struct ais_ipc_header *frame,
	size_t size);

/* evs_mcast.c helpers shared by both multicasts: the message size of an
 * application iovec, or -1 if it is invalid (NULL with entries, negative
 * count, a NULL base with a length) or larger than AIS_EVS_MAX_MSG. */
long evs_iov_total(const struct iovec *iov, int iov_len);

#endif
