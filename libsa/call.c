/* Request/response exchanges: see call.h. */
#include "call.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deadline.h"
#include "frame.h"
#include "ipc.h"

/* Takes the request lock, waiting no longer than the deadline.
 * pthread_mutex_timedlock() measures on CLOCK_REALTIME, so the time left is
 * converted at the last moment (a clock step during the wait only shortens or
 * lengthens this wait); pthread_mutex_clocklock() would avoid that but is not
 * understood by ThreadSanitizer. */
static SaAisErrorT lock_until(pthread_mutex_t *m, const struct sa_deadline *d)
{
	int e;
	if (d->forever) {
		e = pthread_mutex_lock(m);
	} else {
		e = pthread_mutex_trylock(m);
		if (e == EBUSY) {
			int64_t left = sa_deadline_left_ns(d);
			struct timespec at;
			clock_gettime(CLOCK_REALTIME, &at);
			int64_t ns = at.tv_nsec + left % 1000000000;
			at.tv_sec += (time_t)(left / 1000000000 + ns / 1000000000);
			at.tv_nsec = (long)(ns % 1000000000);
			e = pthread_mutex_timedlock(m, &at);
		}
	}
	if (e == 0)
		return SA_AIS_OK;
	return e == ETIMEDOUT ? SA_AIS_ERR_TIMEOUT : SA_AIS_ERR_LIBRARY;
}

/* The connection failed under us: finalized by another thread, or dead. */
static SaAisErrorT broken(struct sa_session *s)
{
	if (atomic_load(&s->finalized))
		return SA_AIS_ERR_BAD_HANDLE;
	sa_session_kill(s);
	return SA_AIS_ERR_LIBRARY;
}

static SaAisErrorT send_request(struct sa_session *s, const struct iovec *iov,
	int iovcnt, const struct sa_deadline *d)
{
	bool sent_any;
	SaAisErrorT err = sa_frame_send(s->req_fd, iov, iovcnt, d, &sent_any);
	if (err == SA_AIS_OK)
		return SA_AIS_OK;
	if (err == SA_AIS_ERR_LIBRARY)
		return broken(s);
	if (sent_any)		/* a partial frame is in the stream: it cannot be used again */
		sa_session_kill(s);
	return err;
}

/* A received response for context ctx: checked, or a protocol error. */
static bool response_ok(const struct ais_ipc_header *h, uint32_t req_id)
{
	return h->id == (req_id | AIS_MSG_RESPONSE) &&
		h->error >= SA_AIS_OK && h->error <= SA_AIS_ERR_NO_SECTIONS;
}

static SaAisErrorT await_response(struct sa_session *s, uint32_t req_id, uint64_t ctx,
	const struct sa_deadline *d, void **res, size_t *reslen)
{
	for (;;) {
		/* poll first: an answer is never there the moment the request
		 * left, and a frame is never kept whole in req_rx (sa_frame_recv
		 * hands it out), so a recv before the wait would only say EAGAIN */
		struct pollfd p = { .fd = s->req_fd, .events = POLLIN, .revents = 0 };
		int n = poll(&p, 1, sa_deadline_poll_ms(d));
		if (n == 0)
			return SA_AIS_ERR_TIMEOUT;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return broken(s);
		}
		void *frame;
		size_t size;
		enum sa_rx_result r = sa_frame_recv(s->req_fd, &s->req_rx, &frame, &size);
		switch (r) {
		case SA_RX_FRAME: {
			const struct ais_ipc_header *h = frame;
			if (h->context != ctx) {	/* late answer to a call that timed out */
				free(frame);
				continue;
			}
			if (!response_ok(h, req_id)) {
				free(frame);
				sa_session_kill(s);
				return SA_AIS_ERR_LIBRARY;
			}
			*res = frame;
			*reslen = size;
			return SA_AIS_OK;
		}
		case SA_RX_AGAIN:
			break;
		case SA_RX_EOF:
		case SA_RX_ERROR:
			return broken(s);
		case SA_RX_BAD:
			sa_session_kill(s);
			return SA_AIS_ERR_LIBRARY;
		case SA_RX_NOMEM:
			return SA_AIS_ERR_NO_MEMORY;
		}
	}
}

/* The exchange: on SA_AIS_OK *res holds the checked response frame. */
static SaAisErrorT exchange(struct sa_session *s, const struct iovec *iov, int iovcnt,
	SaTimeT timeout, void **res, size_t *reslen)
{
	*res = NULL;
	*reslen = 0;
	if (iovcnt < 1 || iovcnt > SA_FRAME_MAX_IOV ||
	    iov[0].iov_len < sizeof(struct ais_ipc_header))
		return SA_AIS_ERR_LIBRARY;	/* a bug in the service library */
	size_t total = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > AIS_IPC_MAX_FRAME - total)
			return SA_AIS_ERR_TOO_BIG;
		total += iov[i].iov_len;
	}

	SaAisErrorT err = sa_session_state(s);
	if (err != SA_AIS_OK)
		return err;
	struct sa_deadline d = sa_deadline_after(timeout);
	err = lock_until(&s->req_lock, &d);
	if (err != SA_AIS_OK)
		return err;

	err = sa_session_state(s);
	if (err == SA_AIS_OK) {
		struct ais_ipc_header *h = iov[0].iov_base;
		uint64_t ctx = ++s->next_context;
		h->size = (uint32_t)total;
		h->error = 0;
		h->flags = 0;
		h->context = ctx;
		uint32_t req_id = h->id;
		err = send_request(s, iov, iovcnt, &d);
		if (err == SA_AIS_OK)
			err = await_response(s, req_id, ctx, &d, res, reslen);
	}
	pthread_mutex_unlock(&s->req_lock);
	return err;
}

SaAisErrorT sa_callv_alloc(struct sa_session *s, const struct iovec *iov,
	int iovcnt, void **res, size_t *reslen, SaTimeT timeout)
{
	SaAisErrorT err = exchange(s, iov, iovcnt, timeout, res, reslen);
	if (err != SA_AIS_OK)
		return err;
	return (SaAisErrorT)((const struct ais_ipc_header *)*res)->error;
}

SaAisErrorT sa_call_alloc(struct sa_session *s, void *req, size_t reqlen,
	void **res, size_t *reslen, SaTimeT timeout)
{
	struct iovec iov = { .iov_base = req, .iov_len = reqlen };
	return sa_callv_alloc(s, &iov, 1, res, reslen, timeout);
}

SaAisErrorT sa_callv(struct sa_session *s, const struct iovec *iov, int iovcnt,
	void *res, size_t reslen, SaTimeT timeout)
{
	void *frame;
	size_t size;
	SaAisErrorT err = exchange(s, iov, iovcnt, timeout, &frame, &size);
	if (err != SA_AIS_OK)
		return err;

	const struct ais_ipc_header *h = frame;
	err = (SaAisErrorT)h->error;
	if (size > reslen || (err == SA_AIS_OK && size != reslen)) {
		/* the executive's layout does not match ours */
		free(frame);
		sa_session_kill(s);
		return SA_AIS_ERR_LIBRARY;
	}
	memcpy(res, frame, size);
	memset((char *)res + size, 0, reslen - size);
	free(frame);
	return err;
}

SaAisErrorT sa_call(struct sa_session *s, void *req, size_t reqlen,
	void *res, size_t reslen, SaTimeT timeout)
{
	struct iovec iov = { .iov_base = req, .iov_len = reqlen };
	return sa_callv(s, &iov, 1, res, reslen, timeout);
}

SaAisErrorT sa_send_noreply(struct sa_session *s, const struct iovec *iov, int iovcnt)
{
	if (iovcnt < 1 || iovcnt > SA_FRAME_MAX_IOV ||
	    iov[0].iov_len < sizeof(struct ais_ipc_header))
		return SA_AIS_ERR_LIBRARY;	/* a bug in the service library */
	size_t total = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > AIS_IPC_NOREPLY_MAX - total)
			return SA_AIS_ERR_TOO_BIG;
		total += iov[i].iov_len;
	}

	SaAisErrorT err = sa_session_state(s);
	if (err != SA_AIS_OK)
		return err;
	struct sa_deadline d = sa_deadline_after(SA_DEFAULT_TIMEOUT);
	err = lock_until(&s->req_lock, &d);
	if (err != SA_AIS_OK)
		return err;
	err = sa_session_state(s);
	if (err == SA_AIS_OK) {
		/* No room now: the executive is holding this connection back because
		 * the cluster is busy.  Nothing is sent. */
		struct pollfd p = { .fd = s->req_fd, .events = POLLOUT };
		int r = poll(&p, 1, 0);
		if (r == 0 || (r > 0 && !(p.revents & POLLOUT) && !(p.revents & (POLLERR | POLLHUP))))
			err = SA_AIS_ERR_TRY_AGAIN;
	}
	if (err == SA_AIS_OK) {
		struct ais_ipc_header *h = iov[0].iov_base;
		h->size = (uint32_t)total;
		h->error = 0;
		h->flags = AIS_IPC_FLAG_NOREPLY;
		h->context = 0;
		err = send_request(s, iov, iovcnt, &d);
	}
	pthread_mutex_unlock(&s->req_lock);
	return err;
}
