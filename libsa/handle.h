/*
 * Handle tables: map the 64-bit handles given to applications (SaClmHandleT,
 * SaCkptCheckpointHandleT, section iterators, ...) to library instance data.
 *
 * One table per handle type.  A handle is (serial << SA_HANDLE_INDEX_BITS) |
 * slot index, where the serial comes from one process-wide counter that only
 * grows: a handle is never issued twice in a process's lifetime, 0
 * (SA_HANDLE_INVALID) is never issued, and a handle of one table is unknown
 * to every other table.  A stale, finalized or forged handle yields
 * SA_AIS_ERR_BAD_HANDLE.
 *
 * Instances are reference counted: sa_handle_get() takes a reference,
 * sa_handle_put() drops it.  sa_handle_destroy() unlinks the handle at once
 * (later lookups fail) but the instance lives on until the last reference is
 * dropped; then the table's destructor runs and the memory is freed.  So a
 * handle finalized by one thread while another thread (or a callback) uses
 * it stays valid memory for that user.
 *
 * Every instance also has a mutex of its own (sa_handle_mutex()) for the
 * service's use; the table never holds it.
 */
#ifndef AIS_LIBSA_HANDLE_H
#define AIS_LIBSA_HANDLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <saAis.h>

#define SA_HANDLE_INDEX_BITS 24

struct sa_hobj;

struct sa_handle_table {
	pthread_mutex_t mutex;		/* guards slots, nslots, free list, refcounts */
	size_t instance_size;		/* bytes of instance data, zeroed at creation */
	void (*destructor)(void *instance);	/* may be NULL; runs without locks */
	struct sa_hobj **slots;
	uint32_t nslots;
	uint32_t free_hint;		/* lowest index that may be free */
};

/* Static initializer: SA_HANDLE_TABLE_INIT(sizeof (struct my_instance), my_destructor) */
#define SA_HANDLE_TABLE_INIT(size, dtor) \
	{ .mutex = PTHREAD_MUTEX_INITIALIZER, .instance_size = (size), \
	  .destructor = (dtor), .slots = NULL, .nslots = 0, .free_hint = 0 }

/* Creates an instance (zeroed) and its handle.  On SA_AIS_OK the caller holds
 * one reference (drop it with sa_handle_put()).  Errors: SA_AIS_ERR_NO_MEMORY,
 * SA_AIS_ERR_NO_RESOURCES (table full). */
SaAisErrorT sa_handle_create(struct sa_handle_table *t, SaUint64T *handle,
	void **instance);

/* Looks a handle up and takes a reference.  SA_AIS_ERR_BAD_HANDLE if unknown. */
SaAisErrorT sa_handle_get(struct sa_handle_table *t, SaUint64T handle,
	void **instance);

/* Drops a reference taken by sa_handle_create() or sa_handle_get(). */
void sa_handle_put(void *instance);

/* Unlinks the handle: from now on sa_handle_get() fails for it.  Only the
 * first caller gets SA_AIS_OK; a second gets SA_AIS_ERR_BAD_HANDLE (so two
 * threads finalizing one handle cannot both succeed).  The destructor runs
 * when the last reference is dropped. */
SaAisErrorT sa_handle_destroy(struct sa_handle_table *t, SaUint64T handle);

/* Unlinks every handle of the table whose instance `match` accepts (e.g. all
 * checkpoint handles opened through one finalized library handle).  `match`
 * runs with the table locked: it may only look at the instance.  Returns the
 * number of handles unlinked. */
size_t sa_handle_destroy_matching(struct sa_handle_table *t,
	bool (*match)(void *instance, void *arg), void *arg);

/* The handle an instance was created with. */
SaUint64T sa_handle_of(const void *instance);

/* The per-instance mutex (a plain, non-recursive mutex). */
pthread_mutex_t *sa_handle_mutex(void *instance);

#endif
