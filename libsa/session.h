/*
 * A session: what one saXxxInitialize opens.  Two connections to the
 * executive (ipc_wire.h): the request connection, used by sa_call() under
 * req_lock, and the dispatch connection, whose descriptor is the selection
 * object and which only sa_dispatch() reads.
 *
 * States:
 *   finalized  saXxxFinalize ran: both sockets are shut down (which wakes any
 *              thread blocked on them), every later use answers
 *              SA_AIS_ERR_BAD_HANDLE, a blocking dispatch returns SA_AIS_OK.
 *   dead       the executive went away (EOF, ECONNRESET, EPIPE) or broke the
 *              protocol: every later call returns SA_AIS_ERR_LIBRARY (the
 *              specification allows it for every call); callbacks already
 *              queued on the dispatch connection are still delivered, then
 *              dispatch returns SA_AIS_ERR_LIBRARY.  The handle stays valid
 *              until saXxxFinalize, which frees it and returns SA_AIS_OK.
 * The descriptors are closed only by sa_session_close(), i.e. when the last
 * reference to the handle is dropped, so no thread ever uses a descriptor
 * number that was closed and reused.
 *
 * The session must be the first member of a service's instance struct (the
 * generic code in service.c relies on it).
 */
#ifndef AIS_LIBSA_SESSION_H
#define AIS_LIBSA_SESSION_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <saAis.h>

#include "frame.h"

struct sa_session {
	bool open;			/* sa_session_open() succeeded */
	uint32_t service;		/* AIS_SERVICE_* */
	int req_fd;
	int disp_fd;
	pthread_mutex_t req_lock;	/* one request/response exchange at a time */
	pthread_mutex_t disp_lock;	/* guards disp_rx */
	struct sa_frame_rx req_rx;	/* under req_lock */
	struct sa_frame_rx disp_rx;	/* under disp_lock */
	uint64_t next_context;		/* under req_lock */
	atomic_bool finalized;
	atomic_bool dead;
	atomic_bool disp_broken;	/* the dispatch stream lost its framing */
};

/* Opens both connections.  Errors as in conn.h.  On failure nothing is left
 * open and sa_session_close() is a no-op. */
SaAisErrorT sa_session_open(struct sa_session *s, uint32_t service);

/* Finalize: marks the session finalized and shuts both sockets down.  Safe
 * to call while other threads use the session. */
void sa_session_shutdown(struct sa_session *s);

/* Marks the session dead and shuts the request socket down, so the
 * executive drops the pair (and the dispatch socket reaches EOF too). */
void sa_session_kill(struct sa_session *s);

/* The error for a session that can no longer be used:
 * SA_AIS_ERR_BAD_HANDLE if finalized, SA_AIS_ERR_LIBRARY if dead, else SA_AIS_OK. */
SaAisErrorT sa_session_state(const struct sa_session *s);

/* Releases everything (the handle destructor's job). */
void sa_session_close(struct sa_session *s);

#endif
