/* CKPT: saCkptCheckpointSynchronize and saCkptCheckpointSynchronizeAsync.
 *
 * Every replica applies the updates in one agreed order, so the executive
 * answers once its own synchronize message is delivered: every update before
 * it is then in the replicas.  SA_AIS_ERR_BAD_OPERATION for a checkpoint
 * created with SA_CKPT_WR_ALL_REPLICAS, SA_AIS_ERR_NOT_EXIST when a
 * collocated checkpoint has no active replica (the executive knows both). */
#include <string.h>

#include "call.h"
#include "ckpt_internal.h"
#include "export.h"

static SaAisErrorT synchronize(SaCkptCheckpointHandleT checkpointHandle, bool async,
	SaInvocationT invocation, SaTimeT timeout)
{
	struct ckpt_checkpoint *cp;
	struct ckpt_instance *ci;
	uint64_t open_id;
	SaTimeT wait = SA_DEFAULT_TIMEOUT;
	SaAisErrorT err = ckpt_get(checkpointHandle, &cp, &ci, &open_id);
	if (err != SA_AIS_OK)
		return err;
	if (async && ci->callbacks.saCkptCheckpointSynchronizeCallback == NULL)
		err = SA_AIS_ERR_INIT;
	else if ((cp->open_flags & SA_CKPT_CHECKPOINT_WRITE) == 0)
		err = SA_AIS_ERR_ACCESS;
	else if (!async)
		err = ckpt_call_timeout(timeout, &wait);
	if (err == SA_AIS_OK) {
		struct ais_req_ckpt_synchronize req;
		memset(&req, 0, sizeof req);
		req.header.id = AIS_CKPT_SYNCHRONIZE;
		req.open_id = open_id;
		req.invocation = invocation;
		req.options = async ? AIS_CKPT_SYNC_ASYNC : 0;
		struct ais_ipc_header res;
		err = sa_call(&ci->session, &req, sizeof req, &res, sizeof res, wait);
	}
	ckpt_put(cp, ci);
	return err;
}

SA_EXPORT SaAisErrorT saCkptCheckpointSynchronize(
	SaCkptCheckpointHandleT checkpointHandle, SaTimeT timeout)
{
	return synchronize(checkpointHandle, false, 0, timeout);
}

SA_EXPORT SaAisErrorT saCkptCheckpointSynchronizeAsync(
	SaCkptCheckpointHandleT checkpointHandle, SaInvocationT invocation)
{
	return synchronize(checkpointHandle, true, invocation, SA_DEFAULT_TIMEOUT);
}
