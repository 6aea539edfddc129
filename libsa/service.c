/* The shared library life cycle: see service.h. */
#include "service.h"

SaAisErrorT sa_service_initialize(struct sa_handle_table *t, uint32_t service,
	SaUint64T *handle, void **instance)
{
	void *inst;
	SaUint64T h;
	SaAisErrorT err = sa_handle_create(t, &h, &inst);
	if (err != SA_AIS_OK)
		return err;
	err = sa_session_open(inst, service);
	if (err != SA_AIS_OK) {
		sa_handle_destroy(t, h);
		sa_handle_put(inst);
		return err;
	}
	*handle = h;
	*instance = inst;
	return SA_AIS_OK;
}

SaAisErrorT sa_service_finalize(struct sa_handle_table *t, SaUint64T handle,
	void (*on_finalize)(void *instance))
{
	void *inst;
	SaAisErrorT err = sa_handle_get(t, handle, &inst);
	if (err != SA_AIS_OK)
		return err;
	err = sa_handle_destroy(t, handle);	/* only one finalizer wins */
	if (err == SA_AIS_OK) {
		if (on_finalize != NULL)
			on_finalize(inst);
		sa_session_shutdown(inst);
	}
	sa_handle_put(inst);
	return err;
}

SaAisErrorT sa_service_selection_object(struct sa_handle_table *t,
	SaUint64T handle, SaSelectionObjectT *selection_object)
{
	if (selection_object == NULL)
		return SA_AIS_ERR_INVALID_PARAM;
	void *inst;
	SaAisErrorT err = sa_handle_get(t, handle, &inst);
	if (err != SA_AIS_OK)
		return err;
	const struct sa_session *s = inst;
	*selection_object = (SaSelectionObjectT)s->disp_fd;
	sa_handle_put(inst);
	return SA_AIS_OK;
}

SaAisErrorT sa_service_dispatch(struct sa_handle_table *t, SaUint64T handle,
	SaDispatchFlagsT flags, sa_dispatch_fn fn)
{
	if (flags != SA_DISPATCH_ONE && flags != SA_DISPATCH_ALL &&
	    flags != SA_DISPATCH_BLOCKING)
		return SA_AIS_ERR_INVALID_PARAM;
	void *inst;
	SaAisErrorT err = sa_handle_get(t, handle, &inst);
	if (err != SA_AIS_OK)
		return err;
	err = sa_dispatch(inst, flags, fn, inst);
	sa_handle_put(inst);
	return err;
}

void sa_service_destructor(void *instance)
{
	sa_session_close(instance);
}
