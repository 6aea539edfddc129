/* libSaClm internals shared by its source files. */
#ifndef AIS_LIBSA_CLM_INTERNAL_H
#define AIS_LIBSA_CLM_INTERNAL_H

#include <stddef.h>

#include <saClm.h>

#include "handle.h"
#include "ipc.h"
#include "session.h"

struct clm_instance {
	struct sa_session session;	/* first: see session.h */
	SaClmCallbacksT callbacks;	/* set once by saClmInitialize, then read-only */
};

extern struct sa_handle_table clm_handles;

/* clm_marshal.c: wire structs -> B.01.01 structs. */
void clm_node_from_wire(SaClmClusterNodeT *node, const struct ais_clm_node *w);
void clm_notification_from_wire(SaClmClusterNotificationT *n,
	const struct ais_clm_notification *w);

/* The view in a frame of `size` bytes, or NULL if its item count does not
 * match its size. */
const struct ais_clm_track_view *clm_view_check(const void *frame, size_t size);

/* clm_callback.c: the dispatch handler (ctx: the struct clm_instance). */
SaAisErrorT clm_dispatch_frame(void *ctx, const struct ais_ipc_header *frame,
	size_t size);

#endif
