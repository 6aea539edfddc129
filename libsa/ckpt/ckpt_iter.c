/* CKPT: saCkptSectionIterationInitialize, saCkptSectionIterationNext,
 * saCkptSectionIterationFinalize.
 *
 * Initialize takes a snapshot of the descriptors of the chosen sections; Next
 * walks it.  Sections created or deleted later may or may not be returned, as
 * the specification allows (here: they are not, or they still are).  The
 * sectionId.id handed out by Next points into the snapshot: library memory,
 * valid until saCkptSectionIterationFinalize. */
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "ckpt_internal.h"
#include "export.h"

/* The whole response walks as count descriptors with their ids. */
static bool snapshot_ok(const unsigned char *frame, size_t size)
{
	const struct ais_res_ckpt_iter *res = (const void *)frame;
	if (size < sizeof *res)
		return false;
	size_t off = sizeof *res;
	for (uint32_t i = 0; i < res->count; i++) {
		if (size - off < sizeof(struct ais_ckpt_section_desc))
			return false;
		const struct ais_ckpt_section_desc *d = (const void *)(frame + off);
		off += sizeof *d;
		if (d->id_len > UINT16_MAX || size - off < (size_t)d->id_len + ckpt_pad(d->id_len))
			return false;
		off += d->id_len + ckpt_pad(d->id_len);
	}
	return off == size;
}

SA_EXPORT SaAisErrorT saCkptSectionIterationInitialize(
	const SaCkptCheckpointHandleT checkpointHandle,
	SaCkptSectionsChosenT sectionsChosen, SaTimeT expirationTime,
	SaCkptSectionIterationHandleT *sectionIterationHandle)
{
	if (sectionIterationHandle == NULL || sectionsChosen < SA_CKPT_SECTIONS_FOREVER ||
	    sectionsChosen > SA_CKPT_SECTIONS_ANY)
		return SA_AIS_ERR_INVALID_PARAM;
	struct ckpt_checkpoint *cp;
	struct ckpt_instance *ci;
	uint64_t open_id;
	SaAisErrorT err = ckpt_get(checkpointHandle, &cp, &ci, &open_id);
	if (err != SA_AIS_OK)
		return err;

	struct ais_req_ckpt_iter req;
	memset(&req, 0, sizeof req);
	req.header.id = AIS_CKPT_ITER_INIT;
	req.open_id = open_id;
	req.expiration_time = expirationTime;
	req.sections_chosen = sectionsChosen;
	void *frame = NULL;
	size_t size = 0;
	err = sa_call_alloc(&ci->session, &req, sizeof req, &frame, &size, SA_DEFAULT_TIMEOUT);
	if (err == SA_AIS_OK && !snapshot_ok(frame, size)) {
		sa_session_kill(&ci->session);
		err = SA_AIS_ERR_LIBRARY;
	}
	if (err == SA_AIS_OK) {
		void *inst;
		SaCkptSectionIterationHandleT h;
		err = sa_handle_create(&ckpt_iters, &h, &inst);
		if (err == SA_AIS_OK) {
			struct ckpt_iter *it = inst;
			it->lib = cp->lib;
			it->checkpoint = checkpointHandle;
			it->frame = frame;
			it->size = size;
			it->count = ((const struct ais_res_ckpt_iter *)frame)->count;
			it->off = sizeof(struct ais_res_ckpt_iter);
			frame = NULL;
			sa_handle_put(inst);
			*sectionIterationHandle = h;
		}
	}
	free(frame);
	ckpt_put(cp, ci);
	return err;
}

SA_EXPORT SaAisErrorT saCkptSectionIterationNext(
	SaCkptSectionIterationHandleT sectionIterationHandle,
	SaCkptSectionDescriptorT *sectionDescriptor)
{
	if (sectionDescriptor == NULL)
		return SA_AIS_ERR_INVALID_PARAM;
	void *inst;
	SaAisErrorT err = sa_handle_get(&ckpt_iters, sectionIterationHandle, &inst);
	if (err != SA_AIS_OK)
		return err;
	struct ckpt_iter *it = inst;
	pthread_mutex_lock(sa_handle_mutex(it));
	if (it->next >= it->count) {
		err = SA_AIS_ERR_NO_SECTIONS;
	} else {
		const struct ais_ckpt_section_desc *d = (const void *)(it->frame + it->off);
		memset(sectionDescriptor, 0, sizeof *sectionDescriptor);
		sectionDescriptor->sectionId.idLen = (SaUint16T)d->id_len;
		sectionDescriptor->sectionId.id = d->id_len ? it->frame + it->off + sizeof *d : NULL;
		sectionDescriptor->expirationTime = d->expiration_time;
		sectionDescriptor->sectionSize = d->section_size;
		sectionDescriptor->sectionState = (SaCkptSectionStateT)d->section_state;
		sectionDescriptor->lastUpdate = d->last_update;
		it->off += sizeof *d + d->id_len + ckpt_pad(d->id_len);
		it->next++;
	}
	pthread_mutex_unlock(sa_handle_mutex(it));
	sa_handle_put(inst);
	return err;
}

SA_EXPORT SaAisErrorT saCkptSectionIterationFinalize(
	SaCkptSectionIterationHandleT sectionIterationHandle)
{
	return sa_handle_destroy(&ckpt_iters, sectionIterationHandle);
}
