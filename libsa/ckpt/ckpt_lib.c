/* CKPT: library life cycle (saCkptInitialize, saCkptSelectionObjectGet,
 * saCkptDispatch, saCkptFinalize). */
#include "ckpt_internal.h"
#include "export.h"
#include "service.h"
#include "version.h"

static const SaVersionT ckpt_versions[] = { SA_VERSION_B_01_01 };

SA_EXPORT SaAisErrorT saCkptInitialize(SaCkptHandleT *ckptHandle,
	const SaCkptCallbacksT *callbacks, SaVersionT *version)
{
	if (ckptHandle == NULL || version == NULL)
		return SA_AIS_ERR_INVALID_PARAM;
	SaAisErrorT err = sa_version_check(version, ckpt_versions,
		sizeof ckpt_versions / sizeof ckpt_versions[0]);
	if (err != SA_AIS_OK)
		return err;

	void *inst;
	SaUint64T handle;
	err = sa_service_initialize(&ckpt_handles, AIS_SERVICE_CKPT, &handle, &inst);
	if (err != SA_AIS_OK)
		return err;
	struct ckpt_instance *ci = inst;
	if (callbacks != NULL)
		ci->callbacks = *callbacks;
	sa_handle_put(inst);
	*ckptHandle = handle;
	return SA_AIS_OK;
}

SA_EXPORT SaAisErrorT saCkptSelectionObjectGet(SaCkptHandleT ckptHandle,
	SaSelectionObjectT *selectionObject)
{
	return sa_service_selection_object(&ckpt_handles, ckptHandle, selectionObject);
}

SA_EXPORT SaAisErrorT saCkptDispatch(SaCkptHandleT ckptHandle,
	SaDispatchFlagsT dispatchFlags)
{
	return sa_service_dispatch(&ckpt_handles, ckptHandle, dispatchFlags,
		ckpt_dispatch_frame);
}

/* Finalize invalidates the checkpoint and iteration handles opened through
 * this handle; the executive closes the checkpoints when the connection goes. */
static void drop_sub_handles(void *instance)
{
	ckpt_drop_all_of(sa_handle_of(instance));
}

SA_EXPORT SaAisErrorT saCkptFinalize(SaCkptHandleT ckptHandle)
{
	return sa_service_finalize(&ckpt_handles, ckptHandle, drop_sub_handles);
}
