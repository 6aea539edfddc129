/* CKPT: the three handle tables and what the API functions share about them. */
#include <stdlib.h>

#include "call.h"
#include "ckpt_internal.h"
#include "service.h"

static void iter_destructor(void *instance)
{
	struct ckpt_iter *it = instance;
	free(it->frame);
}

struct sa_handle_table ckpt_handles =
	SA_HANDLE_TABLE_INIT(sizeof(struct ckpt_instance), sa_service_destructor);
struct sa_handle_table ckpt_checkpoints =
	SA_HANDLE_TABLE_INIT(sizeof(struct ckpt_checkpoint), NULL);
struct sa_handle_table ckpt_iters =
	SA_HANDLE_TABLE_INIT(sizeof(struct ckpt_iter), iter_destructor);

const unsigned char ckpt_zeros[AIS_CKPT_PAD];

size_t ckpt_pad(size_t n)
{
	return (AIS_CKPT_PAD - n % AIS_CKPT_PAD) % AIS_CKPT_PAD;
}

bool ckpt_section_id_ok(const SaCkptSectionIdT *id)
{
	return id != NULL && (id->idLen == 0 || id->id != NULL);
}

SaAisErrorT ckpt_get(SaCkptCheckpointHandleT h, struct ckpt_checkpoint **cp_out,
	struct ckpt_instance **ci_out, uint64_t *open_id)
{
	void *c;
	SaAisErrorT err = sa_handle_get(&ckpt_checkpoints, h, &c);
	if (err != SA_AIS_OK)
		return err;
	struct ckpt_checkpoint *cp = c;
	pthread_mutex_lock(sa_handle_mutex(cp));
	bool pending = cp->pending;
	*open_id = cp->open_id;
	pthread_mutex_unlock(sa_handle_mutex(cp));
	void *i;
	if (pending || sa_handle_get(&ckpt_handles, cp->lib, &i) != SA_AIS_OK) {
		sa_handle_put(cp);
		return SA_AIS_ERR_BAD_HANDLE;
	}
	*cp_out = cp;
	*ci_out = i;
	return SA_AIS_OK;
}

void ckpt_put(struct ckpt_checkpoint *cp, struct ckpt_instance *ci)
{
	sa_handle_put(ci);
	sa_handle_put(cp);
}

SaAisErrorT ckpt_get_for(SaCkptCheckpointHandleT h, SaCkptCheckpointOpenFlagsT flag,
	struct ckpt_checkpoint **cp, struct ckpt_instance **ci, uint64_t *open_id)
{
	SaAisErrorT err = ckpt_get(h, cp, ci, open_id);
	if (err == SA_AIS_OK && ((*cp)->open_flags & flag) == 0) {
		ckpt_put(*cp, *ci);
		return SA_AIS_ERR_ACCESS;
	}
	return err;
}

static bool iter_of_checkpoint(void *instance, void *arg)
{
	return ((struct ckpt_iter *)instance)->checkpoint == *(SaCkptCheckpointHandleT *)arg;
}

static bool iter_of_lib(void *instance, void *arg)
{
	return ((struct ckpt_iter *)instance)->lib == *(SaCkptHandleT *)arg;
}

static bool checkpoint_of_lib(void *instance, void *arg)
{
	return ((struct ckpt_checkpoint *)instance)->lib == *(SaCkptHandleT *)arg;
}

void ckpt_drop_iters_of_checkpoint(SaCkptCheckpointHandleT h)
{
	sa_handle_destroy_matching(&ckpt_iters, iter_of_checkpoint, &h);
}

void ckpt_drop_all_of(SaCkptHandleT lib)
{
	sa_handle_destroy_matching(&ckpt_iters, iter_of_lib, &lib);
	sa_handle_destroy_matching(&ckpt_checkpoints, checkpoint_of_lib, &lib);
}

/*
 * The time a call with a timeout argument (saCkptCheckpointOpen,
 * saCkptCheckpointSynchronize) may wait.  B.01.01 gives 0 no meaning of its
 * own; openais 0.80 ignores the argument, and the programs written against it
 * pass 0 and expect the call to be carried out (Red Hat's dlm_controld opens
 * its deadlock-detection checkpoints with a timeout of 0).  So 0 means "no
 * limit of the caller's": the library's usual wait, as for the calls that take
 * no timeout.  A negative time is not a time: SA_AIS_ERR_INVALID_PARAM.
 */
SaAisErrorT ckpt_call_timeout(SaTimeT timeout, SaTimeT *wait)
{
	if (timeout < 0)
		return SA_AIS_ERR_INVALID_PARAM;
	*wait = timeout == 0 ? SA_DEFAULT_TIMEOUT : timeout;
	return SA_AIS_OK;
}

SaAisErrorT ckpt_call_error(SaAisErrorT err)
{
	/* a request beyond AIS_IPC_MAX_FRAME: more than this implementation can carry */
	return err == SA_AIS_ERR_TOO_BIG ? SA_AIS_ERR_NO_RESOURCES : err;
}
