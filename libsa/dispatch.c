/* Dispatching callbacks: see dispatch.h. */
#include "dispatch.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "frame.h"

/* Waits until the dispatch socket is readable (or shut down). */
static void wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN, .revents = 0 };
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}

SaAisErrorT sa_dispatch(struct sa_session *s, SaDispatchFlagsT flags,
	sa_dispatch_fn fn, void *ctx)
{
	if (flags != SA_DISPATCH_ONE && flags != SA_DISPATCH_ALL &&
	    flags != SA_DISPATCH_BLOCKING)
		return SA_AIS_ERR_INVALID_PARAM;

	for (;;) {
		if (atomic_load(&s->finalized))
			return SA_AIS_OK;
		if (atomic_load(&s->disp_broken))
			return SA_AIS_ERR_LIBRARY;

		void *frame = NULL;
		size_t size = 0;
		pthread_mutex_lock(&s->disp_lock);
		enum sa_rx_result r = sa_frame_recv(s->disp_fd, &s->disp_rx, &frame, &size);
		if (r == SA_RX_BAD)
			atomic_store(&s->disp_broken, true);
		pthread_mutex_unlock(&s->disp_lock);

		switch (r) {
		case SA_RX_FRAME: {
			if (atomic_load(&s->finalized)) {
				free(frame);
				return SA_AIS_OK;
			}
			SaAisErrorT err = fn(ctx, frame, size);
			free(frame);
			if (err != SA_AIS_OK)
				return err;
			if (flags == SA_DISPATCH_ONE)
				return SA_AIS_OK;
			break;
		}
		case SA_RX_AGAIN:
			if (flags != SA_DISPATCH_BLOCKING)
				return SA_AIS_OK;
			wait_readable(s->disp_fd);
			break;
		case SA_RX_EOF:
		case SA_RX_ERROR:
			if (atomic_load(&s->finalized))
				return SA_AIS_OK;
			atomic_store(&s->dead, true);
			return SA_AIS_ERR_LIBRARY;
		case SA_RX_BAD:
			sa_session_kill(s);
			return SA_AIS_ERR_LIBRARY;
		case SA_RX_NOMEM:
			return SA_AIS_ERR_NO_MEMORY;
		}
	}
}
