/* EVS: handle life cycle (evs_initialize, evs_finalize, evs_fd_get,
 * evs_dispatch). */
#include <errno.h>
#include <poll.h>

#include "dispatch.h"
#include "evs_internal.h"
#include "export.h"
#include "service.h"

struct sa_handle_table evs_handles =
	SA_HANDLE_TABLE_INIT(sizeof(struct evs_instance), sa_service_destructor);

SA_EXPORT evs_error_t evs_initialize(evs_handle_t *handle,
	evs_callbacks_t *callbacks)
{
	if (handle == NULL || callbacks == NULL)
		return EVS_ERR_INVALID_PARAM;
	void *inst;
	SaUint64T h;
	SaAisErrorT err = sa_service_initialize(&evs_handles, AIS_SERVICE_EVS, &h, &inst);
	if (err != SA_AIS_OK)
		return evs_error(err);
	struct evs_instance *ei = inst;
	ei->callbacks = *callbacks;
	sa_handle_put(inst);
	*handle = h;
	return EVS_OK;
}

/* The executive forgets the handle's groups when its connections close. */
SA_EXPORT evs_error_t evs_finalize(evs_handle_t handle)
{
	return evs_error(sa_service_finalize(&evs_handles, handle, NULL));
}

SA_EXPORT evs_error_t evs_fd_get(evs_handle_t handle, int *fd)
{
	if (fd == NULL)
		return EVS_ERR_INVALID_PARAM;
	SaSelectionObjectT sel;
	SaAisErrorT err = sa_service_selection_object(&evs_handles, handle, &sel);
	if (err == SA_AIS_OK)
		*fd = (int)sel;
	return evs_error(err);
}

/* Waits until the dispatch socket is readable (a callback, EOF, or the
 * shutdown of a finalize in another thread). */
static void wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN, .revents = 0 };
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}

/*
 * As in openais, EVS_DISPATCH_ONE waits for a callback and runs exactly one
 * (unlike SA_DISPATCH_ONE, which never waits); EVS_DISPATCH_ALL runs what is
 * pending; EVS_DISPATCH_BLOCKING runs callbacks until the handle is
 * finalized.  A finalized handle ends every mode with EVS_OK.
 */
SA_EXPORT evs_error_t evs_dispatch(evs_handle_t handle, evs_dispatch_t dispatch_types)
{
	SaDispatchFlagsT flags;
	switch (dispatch_types) {
	case EVS_DISPATCH_ONE:
		flags = SA_DISPATCH_ONE;
		break;
	case EVS_DISPATCH_ALL:
		flags = SA_DISPATCH_ALL;
		break;
	case EVS_DISPATCH_BLOCKING:
		flags = SA_DISPATCH_BLOCKING;
		break;
	default:
		return EVS_ERR_INVALID_PARAM;
	}
	void *inst;
	SaAisErrorT err = sa_handle_get(&evs_handles, handle, &inst);
	if (err != SA_AIS_OK)
		return evs_error(err);
	struct evs_dispatch_ctx ctx = { .inst = inst, .dispatched = 0 };
	struct sa_session *s = inst;
	for (;;) {
		if (flags == SA_DISPATCH_ONE)
			wait_readable(s->disp_fd);
		err = sa_dispatch(s, flags, evs_dispatch_frame, &ctx);
		if (err != SA_AIS_OK || flags != SA_DISPATCH_ONE || ctx.dispatched > 0 ||
		    atomic_load(&s->finalized))
			break;
		/* readable but no whole frame yet: wait for the rest */
	}
	sa_handle_put(inst);
	return evs_error(err);
}
