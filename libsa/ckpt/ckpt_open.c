/* CKPT: saCkptCheckpointOpen and saCkptCheckpointOpenAsync. */
#include <string.h>

#include "call.h"
#include "ckpt_internal.h"
#include "export.h"
#include "name.h"

#define OPEN_FLAGS (SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE | SA_CKPT_CHECKPOINT_CREATE)
#define UPDATE_FLAGS (SA_CKPT_WR_ALL_REPLICAS | SA_CKPT_WR_ACTIVE_REPLICA | \
	SA_CKPT_WR_ACTIVE_REPLICA_WEAK)

/* Creation attributes: exactly one update option (optionally collocated), at
 * least one section, a checkpoint size its sections can hold, and a retention
 * duration that is not negative. */
static bool attrs_ok(const SaCkptCheckpointCreationAttributesT *a)
{
	SaCkptCheckpointCreationFlagsT f = a->creationFlags;
	SaCkptCheckpointCreationFlagsT update = f & UPDATE_FLAGS;
	if ((f & ~(UPDATE_FLAGS | SA_CKPT_CHECKPOINT_COLLOCATED)) != 0)
		return false;
	if (update != SA_CKPT_WR_ALL_REPLICAS && update != SA_CKPT_WR_ACTIVE_REPLICA &&
	    update != SA_CKPT_WR_ACTIVE_REPLICA_WEAK)
		return false;
	if (a->maxSections < 1 || a->retentionDuration < 0)
		return false;
	/* checkpointSize <= maxSections * maxSectionSize, without overflow */
	if (a->maxSectionSize != 0 && a->maxSections > 0 &&
	    a->checkpointSize / a->maxSections > a->maxSectionSize)
		return false;
	if (a->maxSectionSize == 0 && a->checkpointSize > 0)
		return false;
	return true;
}

SaAisErrorT ckpt_open_args(const SaNameT *name,
	const SaCkptCheckpointCreationAttributesT *attrs, SaCkptCheckpointOpenFlagsT flags)
{
	if (name == NULL || name->length > SA_MAX_NAME_LENGTH)
		return SA_AIS_ERR_INVALID_PARAM;
	if ((flags & ~OPEN_FLAGS) != 0)
		return SA_AIS_ERR_BAD_FLAGS;
	bool create = (flags & SA_CKPT_CHECKPOINT_CREATE) != 0;
	if (create != (attrs != NULL))
		return SA_AIS_ERR_INVALID_PARAM;
	if (attrs != NULL && !attrs_ok(attrs))
		return SA_AIS_ERR_INVALID_PARAM;
	return SA_AIS_OK;
}

void ckpt_fill_open(struct ais_req_ckpt_open *req, const SaNameT *name,
	const SaCkptCheckpointCreationAttributesT *attrs, SaCkptCheckpointOpenFlagsT flags)
{
	memset(req, 0, sizeof *req);
	req->header.id = AIS_CKPT_OPEN;
	sa_name_to_wire(&req->name, name);
	req->open_flags = flags;
	if (attrs != NULL) {
		req->attrs_set = 1;
		req->attrs.creation_flags = attrs->creationFlags;
		req->attrs.max_sections = attrs->maxSections;
		req->attrs.checkpoint_size = attrs->checkpointSize;
		req->attrs.retention_duration = attrs->retentionDuration;
		req->attrs.max_section_size = attrs->maxSectionSize;
		req->attrs.max_section_id_size = attrs->maxSectionIdSize;
	}
}

void ckpt_attrs_from_wire(SaCkptCheckpointCreationAttributesT *a,
	const struct ais_ckpt_attrs *w)
{
	a->creationFlags = w->creation_flags;
	a->checkpointSize = w->checkpoint_size;
	a->retentionDuration = w->retention_duration;
	a->maxSections = w->max_sections;
	a->maxSectionSize = w->max_section_size;
	a->maxSectionIdSize = w->max_section_id_size;
}

/* A checkpoint handle for an open through `lib` (held by the caller). */
static SaAisErrorT new_checkpoint(SaCkptHandleT lib, SaCkptCheckpointOpenFlagsT flags,
	bool pending, SaCkptCheckpointHandleT *h, struct ckpt_checkpoint **cp)
{
	void *inst;
	SaAisErrorT err = sa_handle_create(&ckpt_checkpoints, h, &inst);
	if (err != SA_AIS_OK)
		return err;
	*cp = inst;
	(*cp)->lib = lib;
	(*cp)->open_flags = flags;
	(*cp)->pending = pending;
	return SA_AIS_OK;
}

SA_EXPORT SaAisErrorT saCkptCheckpointOpen(SaCkptHandleT ckptHandle,
	const SaNameT *checkpointName,
	const SaCkptCheckpointCreationAttributesT *checkpointCreationAttributes,
	SaCkptCheckpointOpenFlagsT checkpointOpenFlags, SaTimeT timeout,
	SaCkptCheckpointHandleT *checkpointHandle)
{
	if (checkpointHandle == NULL)
		return SA_AIS_ERR_INVALID_PARAM;
	SaAisErrorT err = ckpt_open_args(checkpointName, checkpointCreationAttributes,
		checkpointOpenFlags);
	if (err != SA_AIS_OK)
		return err;

	void *inst;
	err = sa_handle_get(&ckpt_handles, ckptHandle, &inst);
	if (err != SA_AIS_OK)
		return err;
	struct ckpt_instance *ci = inst;
	SaTimeT wait = 0;
	err = ckpt_call_timeout(timeout, &wait);
	if (err == SA_AIS_OK)
		err = sa_session_state(&ci->session);
	SaCkptCheckpointHandleT h = 0;
	struct ckpt_checkpoint *cp = NULL;
	if (err == SA_AIS_OK)
		err = new_checkpoint(ckptHandle, checkpointOpenFlags, false, &h, &cp);
	if (err != SA_AIS_OK) {
		sa_handle_put(inst);
		return err;
	}

	struct ais_req_ckpt_open req;
	ckpt_fill_open(&req, checkpointName, checkpointCreationAttributes, checkpointOpenFlags);
	struct ais_res_ckpt_open res;
	err = sa_call(&ci->session, &req, sizeof req, &res, sizeof res, wait);
	if (err == SA_AIS_OK) {
		pthread_mutex_lock(sa_handle_mutex(cp));
		cp->open_id = res.open_id;
		pthread_mutex_unlock(sa_handle_mutex(cp));
		*checkpointHandle = h;
	} else {
		sa_handle_destroy(&ckpt_checkpoints, h);
	}
	sa_handle_put(cp);
	sa_handle_put(inst);
	return err;
}

/* Argument errors are returned at once; what the executive finds (the
 * checkpoint does not exist, other attributes, ...) comes with the callback. */
SA_EXPORT SaAisErrorT saCkptCheckpointOpenAsync(SaCkptHandleT ckptHandle,
	SaInvocationT invocation, const SaNameT *checkpointName,
	const SaCkptCheckpointCreationAttributesT *checkpointCreationAttributes,
	SaCkptCheckpointOpenFlagsT checkpointOpenFlags)
{
	void *inst;
	SaAisErrorT err = sa_handle_get(&ckpt_handles, ckptHandle, &inst);
	if (err != SA_AIS_OK)
		return err;
	struct ckpt_instance *ci = inst;
	if (ci->callbacks.saCkptCheckpointOpenCallback == NULL)
		err = SA_AIS_ERR_INIT;
	if (err == SA_AIS_OK)
		err = ckpt_open_args(checkpointName, checkpointCreationAttributes,
			checkpointOpenFlags);
	SaCkptCheckpointHandleT h = 0;
	struct ckpt_checkpoint *cp = NULL;
	if (err == SA_AIS_OK)
		err = new_checkpoint(ckptHandle, checkpointOpenFlags, true, &h, &cp);
	if (err != SA_AIS_OK) {
		sa_handle_put(inst);
		return err;
	}

	struct ais_req_ckpt_open req;
	ckpt_fill_open(&req, checkpointName, checkpointCreationAttributes, checkpointOpenFlags);
	req.options = AIS_CKPT_OPEN_ASYNC;
	req.invocation = invocation;
	req.handle = h;
	struct ais_ipc_header res;
	err = sa_call(&ci->session, &req, sizeof req, &res, sizeof res, SA_DEFAULT_TIMEOUT);
	if (err != SA_AIS_OK)
		sa_handle_destroy(&ckpt_checkpoints, h);
	sa_handle_put(cp);
	sa_handle_put(inst);
	return err;
}
