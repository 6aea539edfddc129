/* CKPT: saCkptCheckpointClose, saCkptCheckpointUnlink,
 * saCkptCheckpointRetentionDurationSet, saCkptActiveReplicaSet,
 * saCkptCheckpointStatusGet. */
#include <string.h>

#include "call.h"
#include "ckpt_internal.h"
#include "export.h"
#include "name.h"

/* A request naming only the opener; the response is a bare header. */
static SaAisErrorT opened_call(struct ckpt_instance *ci, uint32_t id, uint64_t open_id)
{
	struct ais_req_ckpt_opened req;
	memset(&req, 0, sizeof req);
	req.header.id = id;
	req.open_id = open_id;
	struct ais_ipc_header res;
	return sa_call(&ci->session, &req, sizeof req, &res, sizeof res, SA_DEFAULT_TIMEOUT);
}

SA_EXPORT SaAisErrorT saCkptCheckpointClose(SaCkptCheckpointHandleT checkpointHandle)
{
	struct ckpt_checkpoint *cp;
	struct ckpt_instance *ci;
	uint64_t open_id;
	SaAisErrorT err = ckpt_get(checkpointHandle, &cp, &ci, &open_id);
	if (err != SA_AIS_OK)
		return err;
	err = opened_call(ci, AIS_CKPT_CLOSE, open_id);
	if (err == SA_AIS_OK) {
		ckpt_drop_iters_of_checkpoint(checkpointHandle);
		/* of two concurrent closes only one unlinks the handle */
		err = sa_handle_destroy(&ckpt_checkpoints, checkpointHandle);
	}
	ckpt_put(cp, ci);
	return err;
}

SA_EXPORT SaAisErrorT saCkptCheckpointUnlink(SaCkptHandleT ckptHandle,
	const SaNameT *checkpointName)
{
	if (checkpointName == NULL || checkpointName->length > SA_MAX_NAME_LENGTH)
		return SA_AIS_ERR_INVALID_PARAM;
	void *inst;
	SaAisErrorT err = sa_handle_get(&ckpt_handles, ckptHandle, &inst);
	if (err != SA_AIS_OK)
		return err;
	struct ckpt_instance *ci = inst;
	struct ais_req_ckpt_unlink req;
	memset(&req, 0, sizeof req);
	req.header.id = AIS_CKPT_UNLINK;
	sa_name_to_wire(&req.name, checkpointName);
	struct ais_ipc_header res;
	err = sa_call(&ci->session, &req, sizeof req, &res, sizeof res, SA_DEFAULT_TIMEOUT);
	sa_handle_put(inst);
	return err;
}

/* SA_AIS_ERR_BAD_OPERATION for an unlinked checkpoint: the executive knows. */
SA_EXPORT SaAisErrorT saCkptCheckpointRetentionDurationSet(
	SaCkptCheckpointHandleT checkpointHandle, SaTimeT retentionDuration)
{
	struct ckpt_checkpoint *cp;
	struct ckpt_instance *ci;
	uint64_t open_id;
	SaAisErrorT err = ckpt_get(checkpointHandle, &cp, &ci, &open_id);
	if (err != SA_AIS_OK)
		return err;
	if (retentionDuration < 0) {
		ckpt_put(cp, ci);
		return SA_AIS_ERR_INVALID_PARAM;
	}
	struct ais_req_ckpt_retention_set req;
	memset(&req, 0, sizeof req);
	req.header.id = AIS_CKPT_RETENTION_SET;
	req.open_id = open_id;
	req.retention_duration = retentionDuration;
	struct ais_ipc_header res;
	err = sa_call(&ci->session, &req, sizeof req, &res, sizeof res, SA_DEFAULT_TIMEOUT);
	ckpt_put(cp, ci);
	return err;
}

/* SA_AIS_ERR_ACCESS without write access (known here); SA_AIS_ERR_BAD_OPERATION
 * for a checkpoint that is not collocated and asynchronous (the executive). */
SA_EXPORT SaAisErrorT saCkptActiveReplicaSet(const SaCkptCheckpointHandleT checkpointHandle)
{
	struct ckpt_checkpoint *cp;
	struct ckpt_instance *ci;
	uint64_t open_id;
	SaAisErrorT err = ckpt_get_for(checkpointHandle, SA_CKPT_CHECKPOINT_WRITE, &cp, &ci, &open_id);
	if (err != SA_AIS_OK)
		return err;
	err = opened_call(ci, AIS_CKPT_ACTIVE_REPLICA_SET, open_id);
	ckpt_put(cp, ci);
	return err;
}

SA_EXPORT SaAisErrorT saCkptCheckpointStatusGet(SaCkptCheckpointHandleT checkpointHandle,
	SaCkptCheckpointDescriptorT *checkpointStatus)
{
	if (checkpointStatus == NULL)
		return SA_AIS_ERR_INVALID_PARAM;
	struct ckpt_checkpoint *cp;
	struct ckpt_instance *ci;
	uint64_t open_id;
	SaAisErrorT err = ckpt_get(checkpointHandle, &cp, &ci, &open_id);
	if (err != SA_AIS_OK)
		return err;
	struct ais_req_ckpt_opened req;
	memset(&req, 0, sizeof req);
	req.header.id = AIS_CKPT_STATUS_GET;
	req.open_id = open_id;
	struct ais_res_ckpt_status res;
	err = sa_call(&ci->session, &req, sizeof req, &res, sizeof res, SA_DEFAULT_TIMEOUT);
	if (err == SA_AIS_OK) {
		memset(checkpointStatus, 0, sizeof *checkpointStatus);
		ckpt_attrs_from_wire(&checkpointStatus->checkpointCreationAttributes, &res.attrs);
		checkpointStatus->numberOfSections = res.number_of_sections;
		checkpointStatus->memoryUsed = res.memory_used;
	}
	ckpt_put(cp, ci);
	return err;
}
