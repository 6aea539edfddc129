/* CLM: library life cycle (saClmInitialize, saClmSelectionObjectGet,
 * saClmDispatch, saClmFinalize). */
#include "clm_internal.h"
#include "export.h"
#include "service.h"
#include "version.h"

struct sa_handle_table clm_handles =
	SA_HANDLE_TABLE_INIT(sizeof(struct clm_instance), sa_service_destructor);

static const SaVersionT clm_versions[] = { SA_VERSION_B_01_01 };

SA_EXPORT SaAisErrorT saClmInitialize(SaClmHandleT *clmHandle,
	const SaClmCallbacksT *clmCallbacks, SaVersionT *version)
{
	if (clmHandle == NULL || version == NULL)
		return SA_AIS_ERR_INVALID_PARAM;
	SaAisErrorT err = sa_version_check(version, clm_versions,
		sizeof clm_versions / sizeof clm_versions[0]);
	if (err != SA_AIS_OK)
		return err;

	void *inst;
	SaUint64T handle;
	err = sa_service_initialize(&clm_handles, AIS_SERVICE_CLM, &handle, &inst);
	if (err != SA_AIS_OK)
		return err;
	struct clm_instance *ci = inst;
	if (clmCallbacks != NULL)
		ci->callbacks = *clmCallbacks;
	sa_handle_put(inst);
	*clmHandle = handle;
	return SA_AIS_OK;
}

SA_EXPORT SaAisErrorT saClmSelectionObjectGet(SaClmHandleT clmHandle,
	SaSelectionObjectT *selectionObject)
{
	return sa_service_selection_object(&clm_handles, clmHandle, selectionObject);
}

SA_EXPORT SaAisErrorT saClmDispatch(SaClmHandleT clmHandle,
	SaDispatchFlagsT dispatchFlags)
{
	return sa_service_dispatch(&clm_handles, clmHandle, dispatchFlags,
		clm_dispatch_frame);
}

/* Tracking ends with the connection: the executive drops it when the
 * session's sockets close. */
SA_EXPORT SaAisErrorT saClmFinalize(SaClmHandleT clmHandle)
{
	return sa_service_finalize(&clm_handles, clmHandle, NULL);
}
