/*
 * saXxxDispatch on a session's dispatch connection.
 *
 * Reads one whole callback frame at a time under the session's dispatch lock,
 * then releases every lock and hands the frame to the service's handler, which
 * turns it into the application's callback.  The callback may call any API
 * function on the same handle, Finalize included.
 *
 *   SA_DISPATCH_ONE       at most one pending callback; SA_AIS_OK also if none.
 *   SA_DISPATCH_ALL       every pending callback, without blocking.
 *   SA_DISPATCH_BLOCKING  callbacks as they come, until the handle is
 *                         finalized (by another thread or by a callback):
 *                         then SA_AIS_OK.
 * Other flags: SA_AIS_ERR_INVALID_PARAM.  Once the handle is finalized,
 * pending callbacks are dropped and SA_AIS_OK returned.  EOF on the dispatch
 * connection (the executive is gone): SA_AIS_ERR_LIBRARY, every time; the
 * selection object stays readable (at EOF) so the application's poll loop
 * wakes up and sees it.  A frame the handler rejects (malformed, unknown id)
 * is dropped and SA_AIS_ERR_LIBRARY returned; the next dispatch goes on with
 * the next frame.
 */
#ifndef AIS_LIBSA_DISPATCH_H
#define AIS_LIBSA_DISPATCH_H

#include <stddef.h>

#include <saAis.h>

#include "ipc.h"
#include "session.h"

/* Called without locks with one complete frame (valid only during the call).
 * Returns SA_AIS_OK, or an error for a frame it cannot use. */
typedef SaAisErrorT (*sa_dispatch_fn)(void *ctx,
	const struct ais_ipc_header *frame, size_t size);

SaAisErrorT sa_dispatch(struct sa_session *s, SaDispatchFlagsT flags,
	sa_dispatch_fn fn, void *ctx);

#endif
