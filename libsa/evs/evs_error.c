/* EVS: SaAisErrorT (runtime and wire) -> evs_error_t. */
#include "evs_internal.h"

evs_error_t evs_error(SaAisErrorT err)
{
	switch (err) {
	case SA_AIS_OK:
	case SA_AIS_ERR_LIBRARY:
	case SA_AIS_ERR_TIMEOUT:
	case SA_AIS_ERR_TRY_AGAIN:
	case SA_AIS_ERR_INVALID_PARAM:
	case SA_AIS_ERR_NO_MEMORY:
	case SA_AIS_ERR_BAD_HANDLE:
	case SA_AIS_ERR_ACCESS:
	case SA_AIS_ERR_NOT_EXIST:
	case SA_AIS_ERR_EXIST:
	case SA_AIS_ERR_NOT_SUPPORTED:
		return (evs_error_t)err;
	case SA_AIS_ERR_NO_RESOURCES:	/* the handle table is full */
		return EVS_ERR_NO_MEMORY;
	case SA_AIS_ERR_TOO_BIG:	/* a request beyond AIS_IPC_MAX_FRAME */
		return EVS_ERR_INVALID_PARAM;
	default:
		return EVS_ERR_LIBRARY;
	}
}

evs_error_t evs_reply_error(SaAisErrorT err)
{
	if (err == AIS_EVS_ERR_TOO_MANY_GROUPS)
		return EVS_ERR_TOO_MANY_GROUPS;
	return evs_error(err);
}
