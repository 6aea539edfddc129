/* CKPT: saCkptSectionCreate, saCkptSectionDelete, saCkptSectionExpirationTimeSet. */
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "ckpt_internal.h"
#include "export.h"

/* The generated id goes to the caller in memory from malloc(): B.01.01 leaves
 * it to the process to free. */
static SaAisErrorT take_generated(SaCkptSectionIdT *id, const void *frame, size_t size)
{
	const struct ais_res_ckpt_section_create *res = frame;
	if (size < sizeof *res || res->id_len > size - sizeof *res || res->id_len > UINT16_MAX)
		return SA_AIS_ERR_LIBRARY;
	SaUint8T *p = malloc(res->id_len ? res->id_len : 1);
	if (p == NULL)
		return SA_AIS_ERR_NO_MEMORY;
	memcpy(p, (const unsigned char *)frame + sizeof *res, res->id_len);
	id->id = p;
	id->idLen = (SaUint16T)res->id_len;
	return SA_AIS_OK;
}

/* SA_CKPT_GENERATED_SECTION_ID ({0, NULL}, idLen 0) asks for a generated id:
 * the default section cannot be created (it exists when maxSections is 1). */
SA_EXPORT SaAisErrorT saCkptSectionCreate(SaCkptCheckpointHandleT checkpointHandle,
	SaCkptSectionCreationAttributesT *sectionCreationAttributes,
	const void *initialData, SaSizeT initialDataSize)
{
	if (sectionCreationAttributes == NULL || !ckpt_section_id_ok(sectionCreationAttributes->sectionId) ||
	    (initialData == NULL && initialDataSize > 0))
		return SA_AIS_ERR_INVALID_PARAM;
	struct ckpt_checkpoint *cp;
	struct ckpt_instance *ci;
	uint64_t open_id;
	SaAisErrorT err = ckpt_get_for(checkpointHandle, SA_CKPT_CHECKPOINT_WRITE, &cp, &ci, &open_id);
	if (err != SA_AIS_OK)
		return err;

	SaCkptSectionIdT *sid = sectionCreationAttributes->sectionId;
	bool generated = sid->idLen == 0;
	struct ais_req_ckpt_section_create req;
	memset(&req, 0, sizeof req);
	req.header.id = AIS_CKPT_SECTION_CREATE;
	req.open_id = open_id;
	req.expiration_time = sectionCreationAttributes->expirationTime;
	req.data_size = initialDataSize;
	req.id_len = sid->idLen;
	req.options = generated ? AIS_CKPT_SECTION_GENERATED : 0;
	struct iovec iov[5] = {
		{ .iov_base = &req, .iov_len = sizeof req },
		{ .iov_base = sid->id, .iov_len = sid->idLen },
		{ .iov_base = (void *)ckpt_zeros, .iov_len = ckpt_pad(sid->idLen) },
		{ .iov_base = (void *)initialData, .iov_len = initialDataSize },
		{ .iov_base = (void *)ckpt_zeros, .iov_len = ckpt_pad(initialDataSize) },
	};
	void *res = NULL;
	size_t size = 0;
	err = ckpt_call_error(sa_callv_alloc(&ci->session, iov, 5, &res, &size, SA_DEFAULT_TIMEOUT));
	if (err == SA_AIS_OK && generated)
		err = take_generated(sid, res, size);
	free(res);
	ckpt_put(cp, ci);
	return err;
}

static SaAisErrorT section_call(SaCkptCheckpointHandleT checkpointHandle, uint32_t id,
	const SaCkptSectionIdT *sectionId, SaTimeT expirationTime)
{
	if (!ckpt_section_id_ok(sectionId))
		return SA_AIS_ERR_INVALID_PARAM;
	struct ckpt_checkpoint *cp;
	struct ckpt_instance *ci;
	uint64_t open_id;
	SaAisErrorT err = ckpt_get_for(checkpointHandle, SA_CKPT_CHECKPOINT_WRITE, &cp, &ci, &open_id);
	if (err != SA_AIS_OK)
		return err;
	struct ais_req_ckpt_section req;
	memset(&req, 0, sizeof req);
	req.header.id = id;
	req.open_id = open_id;
	req.expiration_time = expirationTime;
	req.id_len = sectionId->idLen;
	struct iovec iov[3] = {
		{ .iov_base = &req, .iov_len = sizeof req },
		{ .iov_base = sectionId->id, .iov_len = sectionId->idLen },
		{ .iov_base = (void *)ckpt_zeros, .iov_len = ckpt_pad(sectionId->idLen) },
	};
	struct ais_ipc_header res;
	err = sa_callv(&ci->session, iov, 3, &res, sizeof res, SA_DEFAULT_TIMEOUT);
	ckpt_put(cp, ci);
	return err;
}

/* The default section cannot be deleted: SA_AIS_ERR_INVALID_PARAM (executive). */
SA_EXPORT SaAisErrorT saCkptSectionDelete(SaCkptCheckpointHandleT checkpointHandle,
	const SaCkptSectionIdT *sectionId)
{
	return section_call(checkpointHandle, AIS_CKPT_SECTION_DELETE, sectionId, 0);
}

/* The default section never expires: SA_AIS_ERR_INVALID_PARAM (executive). */
SA_EXPORT SaAisErrorT saCkptSectionExpirationTimeSet(
	SaCkptCheckpointHandleT checkpointHandle,
	const SaCkptSectionIdT *sectionId, SaTimeT expirationTime)
{
	return section_call(checkpointHandle, AIS_CKPT_EXPIRATION_SET, sectionId, expirationTime);
}
