/* Handle tables: see handle.h. */
#include "handle.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define INDEX_MASK ((UINT64_C(1) << SA_HANDLE_INDEX_BITS) - 1)
#define MAX_SLOTS (UINT32_C(1) << SA_HANDLE_INDEX_BITS)
#define SERIAL_LIMIT (UINT64_C(1) << (64 - SA_HANDLE_INDEX_BITS))

struct sa_hobj {
	pthread_mutex_t lock;		/* the per-instance mutex for the service */
	struct sa_handle_table *table;
	SaUint64T handle;
	uint32_t refs;			/* under table->mutex; the table's link counts as one */
	struct sa_hobj *next_dead;	/* sa_handle_destroy_matching()'s free list */
	max_align_t data[];		/* the instance */
};

/* One counter for every table of the process: handles are never reused. */
static _Atomic uint64_t next_serial = 1;

static struct sa_hobj *obj_of(const void *instance)
{
	return (struct sa_hobj *)((const char *)instance - offsetof(struct sa_hobj, data));
}

static void obj_free(struct sa_hobj *obj)
{
	if (obj->table->destructor != NULL)
		obj->table->destructor(obj->data);
	pthread_mutex_destroy(&obj->lock);
	free(obj);
}

/* Finds a free slot, growing the array when needed.  Table locked. */
static SaAisErrorT slot_alloc(struct sa_handle_table *t, uint32_t *index)
{
	for (uint32_t i = t->free_hint; i < t->nslots; i++) {
		if (t->slots[i] == NULL) {
			*index = i;
			return SA_AIS_OK;
		}
	}
	if (t->nslots >= MAX_SLOTS)
		return SA_AIS_ERR_NO_RESOURCES;
	uint32_t n = t->nslots ? t->nslots * 2 : 16;
	if (n > MAX_SLOTS)
		n = MAX_SLOTS;
	struct sa_hobj **slots = realloc(t->slots, n * sizeof *slots);
	if (slots == NULL)
		return SA_AIS_ERR_NO_MEMORY;
	memset(slots + t->nslots, 0, (n - t->nslots) * sizeof *slots);
	*index = t->nslots;
	t->slots = slots;
	t->nslots = n;
	return SA_AIS_OK;
}

/* The live object of a handle, or NULL.  Table locked. */
static struct sa_hobj *lookup(struct sa_handle_table *t, SaUint64T handle)
{
	if (handle == SA_HANDLE_INVALID)
		return NULL;
	uint64_t index = handle & INDEX_MASK;
	if (index >= t->nslots)
		return NULL;
	struct sa_hobj *obj = t->slots[index];
	if (obj == NULL || obj->handle != handle)
		return NULL;
	return obj;
}

/* Removes a live object from its slot and drops the table's reference.
 * Returns true when that was the last reference.  Table locked. */
static bool unlink_obj(struct sa_handle_table *t, struct sa_hobj *obj)
{
	uint32_t index = (uint32_t)(obj->handle & INDEX_MASK);
	t->slots[index] = NULL;
	if (index < t->free_hint)
		t->free_hint = index;
	return --obj->refs == 0;
}

SaAisErrorT sa_handle_create(struct sa_handle_table *t, SaUint64T *handle,
	void **instance)
{
	struct sa_hobj *obj = calloc(1, sizeof *obj + t->instance_size);
	if (obj == NULL)
		return SA_AIS_ERR_NO_MEMORY;
	if (pthread_mutex_init(&obj->lock, NULL) != 0) {
		free(obj);
		return SA_AIS_ERR_NO_RESOURCES;
	}
	obj->table = t;

	pthread_mutex_lock(&t->mutex);
	uint32_t index;
	SaAisErrorT err = slot_alloc(t, &index);
	uint64_t serial = 0;
	if (err == SA_AIS_OK) {
		serial = atomic_fetch_add(&next_serial, 1);
		if (serial >= SERIAL_LIMIT)
			err = SA_AIS_ERR_NO_RESOURCES;
	}
	if (err == SA_AIS_OK) {
		obj->handle = (serial << SA_HANDLE_INDEX_BITS) | index;
		obj->refs = 2;		/* the table's link and the caller's */
		t->slots[index] = obj;
		t->free_hint = index + 1;
	}
	pthread_mutex_unlock(&t->mutex);

	if (err != SA_AIS_OK) {
		pthread_mutex_destroy(&obj->lock);
		free(obj);
		return err;
	}
	*handle = obj->handle;
	*instance = obj->data;
	return SA_AIS_OK;
}

SaAisErrorT sa_handle_get(struct sa_handle_table *t, SaUint64T handle,
	void **instance)
{
	SaAisErrorT err = SA_AIS_ERR_BAD_HANDLE;

	pthread_mutex_lock(&t->mutex);
	struct sa_hobj *obj = lookup(t, handle);
	if (obj != NULL) {
		obj->refs++;
		*instance = obj->data;
		err = SA_AIS_OK;
	}
	pthread_mutex_unlock(&t->mutex);
	return err;
}

void sa_handle_put(void *instance)
{
	struct sa_hobj *obj = obj_of(instance);
	struct sa_handle_table *t = obj->table;

	pthread_mutex_lock(&t->mutex);
	bool last = --obj->refs == 0;
	pthread_mutex_unlock(&t->mutex);
	if (last)
		obj_free(obj);
}

SaAisErrorT sa_handle_destroy(struct sa_handle_table *t, SaUint64T handle)
{
	pthread_mutex_lock(&t->mutex);
	struct sa_hobj *obj = lookup(t, handle);
	bool last = obj != NULL && unlink_obj(t, obj);
	pthread_mutex_unlock(&t->mutex);

	if (obj == NULL)
		return SA_AIS_ERR_BAD_HANDLE;
	if (last)
		obj_free(obj);
	return SA_AIS_OK;
}

size_t sa_handle_destroy_matching(struct sa_handle_table *t,
	bool (*match)(void *instance, void *arg), void *arg)
{
	struct sa_hobj *dead = NULL;
	size_t n = 0;

	pthread_mutex_lock(&t->mutex);
	for (uint32_t i = 0; i < t->nslots; i++) {
		struct sa_hobj *obj = t->slots[i];
		if (obj == NULL || !match(obj->data, arg))
			continue;
		n++;
		if (unlink_obj(t, obj)) {
			obj->next_dead = dead;
			dead = obj;
		}
	}
	pthread_mutex_unlock(&t->mutex);

	while (dead != NULL) {
		struct sa_hobj *next = dead->next_dead;
		obj_free(dead);
		dead = next;
	}
	return n;
}

SaUint64T sa_handle_of(const void *instance)
{
	return obj_of(instance)->handle;
}

pthread_mutex_t *sa_handle_mutex(void *instance)
{
	return &obj_of(instance)->lock;
}
