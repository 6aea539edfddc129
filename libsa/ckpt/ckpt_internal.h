/* libSaCkpt internals shared by its source files. */
#ifndef AIS_LIBSA_CKPT_INTERNAL_H
#define AIS_LIBSA_CKPT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <saCkpt.h>

#include "handle.h"
#include "ipc.h"
#include "session.h"

/* A library handle (saCkptInitialize). */
struct ckpt_instance {
	struct sa_session session;	/* first: see session.h */
	SaCkptCallbacksT callbacks;	/* set once by saCkptInitialize, then read-only */
};

/* A checkpoint handle (saCkptCheckpointOpen[Async]).  open_id and pending are
 * guarded by the instance mutex (sa_handle_mutex). */
struct ckpt_checkpoint {
	SaCkptHandleT lib;		/* the library handle it was opened through */
	SaCkptCheckpointOpenFlagsT open_flags;
	uint64_t open_id;		/* the executive's name for this opener */
	bool pending;			/* OpenAsync whose callback has not come yet */
};

/* A section iteration handle: a snapshot of the chosen sections' descriptors,
 * taken by saCkptSectionIterationInitialize.  Guarded by the instance mutex. */
struct ckpt_iter {
	SaCkptHandleT lib;
	SaCkptCheckpointHandleT checkpoint;
	unsigned char *frame;		/* the AIS_CKPT_ITER_INIT response */
	size_t size;
	uint32_t count;
	uint32_t next;
	size_t off;			/* of the next descriptor in frame */
};

extern struct sa_handle_table ckpt_handles;
extern struct sa_handle_table ckpt_checkpoints;
extern struct sa_handle_table ckpt_iters;

/* ckpt_handle.c: a checkpoint handle and its library instance, both held.
 * SA_AIS_ERR_BAD_HANDLE for an unknown, closed or still pending checkpoint
 * handle, or one whose library handle was finalized. */
SaAisErrorT ckpt_get(SaCkptCheckpointHandleT h, struct ckpt_checkpoint **cp,
	struct ckpt_instance **ci, uint64_t *open_id);
void ckpt_put(struct ckpt_checkpoint *cp, struct ckpt_instance *ci);
/* ckpt_get() for an operation that needs the checkpoint opened with `flag`
 * (SA_CKPT_CHECKPOINT_READ or _WRITE): SA_AIS_ERR_ACCESS, nothing held, if it
 * was not. */
SaAisErrorT ckpt_get_for(SaCkptCheckpointHandleT h, SaCkptCheckpointOpenFlagsT flag,
	struct ckpt_checkpoint **cp, struct ckpt_instance **ci, uint64_t *open_id);

/* Unlinks the section iterators of a checkpoint handle. */
void ckpt_drop_iters_of_checkpoint(SaCkptCheckpointHandleT h);
/* Unlinks the checkpoint handles and iterators of a library handle. */
void ckpt_drop_all_of(SaCkptHandleT lib);

/* Bytes of padding after n bytes of a variable part (ipc_wire.h: AIS_CKPT_PAD). */
size_t ckpt_pad(size_t n);
/* A section id is usable when its bytes are there (the default section,
 * idLen 0, needs none). */
bool ckpt_section_id_ok(const SaCkptSectionIdT *id);
extern const unsigned char ckpt_zeros[AIS_CKPT_PAD];

/* Creation attributes and open flags, as saCkptCheckpointOpen[Async] check them. */
SaAisErrorT ckpt_open_args(const SaNameT *name,
	const SaCkptCheckpointCreationAttributesT *attrs, SaCkptCheckpointOpenFlagsT flags);
void ckpt_fill_open(struct ais_req_ckpt_open *req, const SaNameT *name,
	const SaCkptCheckpointCreationAttributesT *attrs, SaCkptCheckpointOpenFlagsT flags);
void ckpt_attrs_from_wire(SaCkptCheckpointCreationAttributesT *a,
	const struct ais_ckpt_attrs *w);

/* Timeouts of calls that take one: < 0 is SA_AIS_ERR_INVALID_PARAM, 0 is
 * SA_AIS_ERR_TIMEOUT (no time to get an answer; as the CLM library does). */
SaAisErrorT ckpt_call_timeout(SaTimeT timeout, SaTimeT *wait);

/* The library-side transport errors that the CKPT API cannot return as they are. */
SaAisErrorT ckpt_call_error(SaAisErrorT err);

/* ckpt_callback.c: the dispatch handler (ctx: the struct ckpt_instance). */
SaAisErrorT ckpt_dispatch_frame(void *ctx, const struct ais_ipc_header *frame,
	size_t size);

#endif
