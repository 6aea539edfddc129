/* CKPT: callback frames from the dispatch connection to the application's callbacks. */
#include "ckpt_internal.h"

static bool valid_error(int32_t e)
{
	return e >= SA_AIS_OK && e <= SA_AIS_ERR_NO_SECTIONS;
}

/* The open's result completes (or removes) the handle made by OpenAsync; the
 * callback gets the handle only on success. */
static SaAisErrorT open_callback(const struct ckpt_instance *ci,
	const struct ais_ipc_header *frame, size_t size)
{
	const struct ais_cb_ckpt_open *cb = (const void *)frame;
	if (size != sizeof *cb || !valid_error(frame->error))
		return SA_AIS_ERR_LIBRARY;
	SaAisErrorT err = (SaAisErrorT)frame->error;
	SaCkptCheckpointHandleT h = cb->handle;

	void *inst;
	if (sa_handle_get(&ckpt_checkpoints, h, &inst) != SA_AIS_OK)
		return SA_AIS_OK;	/* closed or finalized meanwhile */
	struct ckpt_checkpoint *cp = inst;
	pthread_mutex_lock(sa_handle_mutex(cp));
	bool was_pending = cp->pending;
	if (was_pending && err == SA_AIS_OK) {
		cp->open_id = cb->open_id;
		cp->pending = false;
	}
	pthread_mutex_unlock(sa_handle_mutex(cp));
	sa_handle_put(inst);
	if (!was_pending)
		return SA_AIS_OK;
	if (err != SA_AIS_OK)
		sa_handle_destroy(&ckpt_checkpoints, h);
	if (ci->callbacks.saCkptCheckpointOpenCallback != NULL)
		ci->callbacks.saCkptCheckpointOpenCallback(cb->invocation,
			err == SA_AIS_OK ? h : 0, err);
	return SA_AIS_OK;
}

static SaAisErrorT synchronize_callback(const struct ckpt_instance *ci,
	const struct ais_ipc_header *frame, size_t size)
{
	const struct ais_cb_ckpt_synchronize *cb = (const void *)frame;
	if (size != sizeof *cb || !valid_error(frame->error))
		return SA_AIS_ERR_LIBRARY;
	if (ci->callbacks.saCkptCheckpointSynchronizeCallback != NULL)
		ci->callbacks.saCkptCheckpointSynchronizeCallback(cb->invocation,
			(SaAisErrorT)frame->error);
	return SA_AIS_OK;
}

SaAisErrorT ckpt_dispatch_frame(void *ctx, const struct ais_ipc_header *frame,
	size_t size)
{
	const struct ckpt_instance *ci = ctx;

	switch (frame->id) {
	case AIS_CKPT_CB_OPEN:
		return open_callback(ci, frame, size);
	case AIS_CKPT_CB_SYNCHRONIZE:
		return synchronize_callback(ci, frame, size);
	default:
		return SA_AIS_ERR_LIBRARY;
	}
}
