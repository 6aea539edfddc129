/*
 * The library life cycle shared by every service (Initialize, Finalize,
 * SelectionObjectGet, Dispatch), over a handle table whose instance struct
 * starts with a struct sa_session.
 *
 * A service library typically:
 *
 *   struct clm_instance { struct sa_session session; SaClmCallbacksT cb; };
 *   static struct sa_handle_table clm_handles =
 *           SA_HANDLE_TABLE_INIT(sizeof (struct clm_instance), sa_service_destructor);
 *
 *   saClmInitialize:  check args; sa_version_check(); sa_service_initialize();
 *                     fill in the instance; sa_handle_put().
 *   saClmFinalize:    sa_service_finalize().
 *   other calls:      sa_handle_get(); sa_call(&inst->session, ...); sa_handle_put().
 */
#ifndef AIS_LIBSA_SERVICE_H
#define AIS_LIBSA_SERVICE_H

#include <saAis.h>

#include "dispatch.h"
#include "handle.h"
#include "session.h"

/* Creates a handle and opens its session.  On SA_AIS_OK *instance is held
 * (one reference: sa_handle_put() it once it is filled in).  On error no
 * handle exists.  Errors: those of sa_handle_create() and conn.h. */
SaAisErrorT sa_service_initialize(struct sa_handle_table *t, uint32_t service,
	SaUint64T *handle, void **instance);

/* Finalize: unlinks the handle (later uses: SA_AIS_ERR_BAD_HANDLE), runs
 * on_finalize(instance) if given (e.g. to unlink sub-handles), shuts the
 * session down (the executive drops its state for it; blocked calls and
 * dispatchers wake up).  The instance is freed with the last reference.
 * SA_AIS_OK also for a dead session; SA_AIS_ERR_BAD_HANDLE for an unknown
 * or already finalized handle. */
SaAisErrorT sa_service_finalize(struct sa_handle_table *t, SaUint64T handle,
	void (*on_finalize)(void *instance));

SaAisErrorT sa_service_selection_object(struct sa_handle_table *t,
	SaUint64T handle, SaSelectionObjectT *selection_object);

/* Dispatch; fn gets the instance as its ctx. */
SaAisErrorT sa_service_dispatch(struct sa_handle_table *t, SaUint64T handle,
	SaDispatchFlagsT flags, sa_dispatch_fn fn);

/* A handle destructor for instances that own nothing but their session. */
void sa_service_destructor(void *instance);

#endif
