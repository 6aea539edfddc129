/*
 * Frames on a library socket (see ipc_wire.h): sending one frame from an
 * iovec, and receiving frames incrementally without ever reading past the end
 * of the current frame (so a dispatch socket is readable exactly while a
 * callback frame, or part of one, is waiting in it).
 *
 * Neither function blocks: sa_frame_send() waits for socket space with poll()
 * bounded by a deadline; sa_frame_recv() takes what the socket has
 * (MSG_DONTWAIT) and keeps a partial frame in its struct sa_frame_rx for the
 * next call.  Sends use MSG_NOSIGNAL: a closed peer is EPIPE, never SIGPIPE.
 */
#ifndef AIS_LIBSA_FRAME_H
#define AIS_LIBSA_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include <saAis.h>

#include "deadline.h"
#include "ipc.h"

#define SA_FRAME_MAX_IOV 16

/* Sends iov[0..iovcnt) as it is (the caller has filled in the header).
 * Returns SA_AIS_OK, SA_AIS_ERR_TIMEOUT (deadline passed; *sent_any tells
 * whether the stream now holds a partial frame), SA_AIS_ERR_LIBRARY (peer
 * gone: EPIPE, ECONNRESET, ...), SA_AIS_ERR_NO_MEMORY or
 * SA_AIS_ERR_INVALID_PARAM (iovcnt out of range). */
SaAisErrorT sa_frame_send(int fd, const struct iovec *iov, int iovcnt,
	const struct sa_deadline *deadline, bool *sent_any);

/* Receive state of one socket; zero-initialize (or SA_FRAME_RX_INIT). */
struct sa_frame_rx {
	struct ais_ipc_header hdr;
	size_t got;			/* bytes of the current frame received */
	unsigned char *frame;		/* the whole frame, once the header is in */
};

#define SA_FRAME_RX_INIT { .got = 0, .frame = NULL }

enum sa_rx_result {
	SA_RX_FRAME,	/* a whole frame: *frame (malloc'd, caller frees) and *size */
	SA_RX_AGAIN,	/* nothing more to read now */
	SA_RX_EOF,	/* the peer closed the stream */
	SA_RX_ERROR,	/* the stream failed (ECONNRESET, ...) */
	SA_RX_BAD,	/* the header's size is out of bounds: the stream is unusable */
	SA_RX_NOMEM	/* no memory for the frame; calling again retries */
};

enum sa_rx_result sa_frame_recv(int fd, struct sa_frame_rx *rx,
	void **frame, size_t *size);

/* Drops a partial frame. */
void sa_frame_rx_reset(struct sa_frame_rx *rx);

#endif
