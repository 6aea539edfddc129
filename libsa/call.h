/*
 * Request/response on a session's request connection.
 *
 * The first iovec (or `req`) must start with a struct ais_ipc_header whose
 * `id` the caller has set; sa_call*() fills in size, context (a fresh one per
 * call), error and reserved.  Under the session's request lock the frame is
 * sent and the response awaited until the timeout.  A response whose context
 * is not this call's (the late answer to an earlier call that timed out) is
 * read and dropped.  A response is checked: size within
 * [sizeof header, AIS_IPC_MAX_FRAME], id == request id | AIS_MSG_RESPONSE,
 * error a valid SaAisErrorT; anything else is a protocol error.
 *
 * Return value: the transport error if the exchange failed, else the
 * response's header.error.  Transport errors:
 *   SA_AIS_ERR_TIMEOUT     no (complete) response before the timeout; a late
 *                          response is dropped by a later call.  Also when
 *                          the request lock could not be had in time;
 *   SA_AIS_ERR_BAD_HANDLE  the handle was finalized (before or during the call);
 *   SA_AIS_ERR_LIBRARY     the executive is gone (EOF, ECONNRESET, EPIPE) or
 *                          broke the protocol: the session is dead and every
 *                          later call returns SA_AIS_ERR_LIBRARY as well;
 *   SA_AIS_ERR_NO_MEMORY   no memory for the response;
 *   SA_AIS_ERR_TOO_BIG     the request exceeds AIS_IPC_MAX_FRAME.
 *
 * Calls whose AIS function has no timeout parameter use SA_DEFAULT_TIMEOUT.
 */
#ifndef AIS_LIBSA_CALL_H
#define AIS_LIBSA_CALL_H

#include <stddef.h>
#include <sys/uio.h>

#include <saAis.h>

#include "session.h"

/* 30 s: long enough for an executive busy with a membership change, short
 * enough that a wedged one cannot hang the application. */
#define SA_DEFAULT_TIMEOUT ((SaTimeT)(30 * SA_TIME_ONE_SECOND))

/* Fixed-size response into res[0..reslen).  A response with error SA_AIS_OK
 * must be exactly reslen bytes; one with another error may be shorter (a bare
 * header): the rest of res is zeroed. */
SaAisErrorT sa_call(struct sa_session *s, void *req, size_t reqlen,
	void *res, size_t reslen, SaTimeT timeout);
SaAisErrorT sa_callv(struct sa_session *s, const struct iovec *iov, int iovcnt,
	void *res, size_t reslen, SaTimeT timeout);

/* Variable-size response: *res is the whole frame, malloc'd (the caller
 * frees it; NULL when no response arrived) and *reslen its size. */
SaAisErrorT sa_call_alloc(struct sa_session *s, void *req, size_t reqlen,
	void **res, size_t *reslen, SaTimeT timeout);
SaAisErrorT sa_callv_alloc(struct sa_session *s, const struct iovec *iov,
	int iovcnt, void **res, size_t *reslen, SaTimeT timeout);

/* A request that gets no response (AIS_IPC_FLAG_NOREPLY; only for requests
 * whose service accepts that), of at most AIS_IPC_NOREPLY_MAX bytes.  The
 * caller sets header.id; the rest of the header is filled in.  SA_AIS_OK once
 * the whole frame is in the socket; SA_AIS_ERR_TRY_AGAIN, with nothing sent,
 * when the socket has no room (the executive holds the connection back while
 * the cluster is busy); SA_AIS_ERR_TOO_BIG above the limit; otherwise the
 * errors of sa_call(). */
SaAisErrorT sa_send_noreply(struct sa_session *s, const struct iovec *iov, int iovcnt);

#endif
