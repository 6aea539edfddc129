/* Unit test of the handle table of libsa (libsa/handle.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handle.h"

static int failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

struct inst {
	int value;
	int *freed;		/* incremented by the destructor */
};

static atomic_int destroyed;

static void inst_destructor(void *p)
{
	struct inst *i = p;
	if (i->freed != NULL)
		(*i->freed)++;
	atomic_fetch_add(&destroyed, 1);
}

static struct sa_handle_table table_a = SA_HANDLE_TABLE_INIT(sizeof(struct inst), inst_destructor);
static struct sa_handle_table table_b = SA_HANDLE_TABLE_INIT(sizeof(struct inst), inst_destructor);

static SaUint64T make(struct sa_handle_table *t, int value, int *freed)
{
	SaUint64T h = 0;
	void *p;
	CHECK(sa_handle_create(t, &h, &p) == SA_AIS_OK);
	struct inst *i = p;
	CHECK(i->value == 0 && i->freed == NULL);	/* zeroed */
	i->value = value;
	i->freed = freed;
	sa_handle_put(p);
	CHECK(h != SA_HANDLE_INVALID);
	return h;
}

static void test_lifecycle(void)
{
	int freed = 0;
	SaUint64T h = make(&table_a, 42, &freed);
	void *p;

	CHECK(sa_handle_get(&table_a, h, &p) == SA_AIS_OK);
	CHECK(((struct inst *)p)->value == 42);
	CHECK(sa_handle_of(p) == h);
	pthread_mutex_lock(sa_handle_mutex(p));
	pthread_mutex_unlock(sa_handle_mutex(p));
	sa_handle_put(p);
	CHECK(freed == 0);

	CHECK(sa_handle_destroy(&table_a, h) == SA_AIS_OK);
	CHECK(freed == 1);
	CHECK(sa_handle_get(&table_a, h, &p) == SA_AIS_ERR_BAD_HANDLE);
	CHECK(sa_handle_destroy(&table_a, h) == SA_AIS_ERR_BAD_HANDLE);
}

/* Destroyed while referenced: freed at the last put, not before. */
static void test_deferred_free(void)
{
	int freed = 0;
	SaUint64T h = make(&table_a, 7, &freed);
	void *p1, *p2;

	CHECK(sa_handle_get(&table_a, h, &p1) == SA_AIS_OK);
	CHECK(sa_handle_get(&table_a, h, &p2) == SA_AIS_OK);
	CHECK(p1 == p2);
	CHECK(sa_handle_destroy(&table_a, h) == SA_AIS_OK);
	CHECK(freed == 0);
	CHECK(((struct inst *)p1)->value == 7);	/* still valid memory */
	void *p3;
	CHECK(sa_handle_get(&table_a, h, &p3) == SA_AIS_ERR_BAD_HANDLE);
	sa_handle_put(p1);
	CHECK(freed == 0);
	sa_handle_put(p2);
	CHECK(freed == 1);
}

/* Handles are never reused, even when their slot is. */
static void test_no_reuse(void)
{
	enum { N = 2000 };
	static SaUint64T seen[N];
	void *p;

	for (int i = 0; i < N; i++) {
		seen[i] = make(&table_a, i, NULL);
		CHECK(sa_handle_destroy(&table_a, seen[i]) == SA_AIS_OK);
	}
	for (int i = 0; i < N; i++) {
		CHECK(sa_handle_get(&table_a, seen[i], &p) == SA_AIS_ERR_BAD_HANDLE);
		for (int j = i + 1; j < N; j++)
			CHECK(seen[i] != seen[j]);
	}
	/* same slot, different handle */
	CHECK((seen[0] & ((1u << SA_HANDLE_INDEX_BITS) - 1)) ==
	      (seen[1] & ((1u << SA_HANDLE_INDEX_BITS) - 1)));
}

/* Forged, stale and foreign handles are refused without harm. */
static void test_forged(void)
{
	SaUint64T live[64];
	void *p;

	for (int i = 0; i < 64; i++)
		live[i] = make(&table_a, i, NULL);

	CHECK(sa_handle_get(&table_a, SA_HANDLE_INVALID, &p) == SA_AIS_ERR_BAD_HANDLE);
	CHECK(sa_handle_get(&table_a, ~(SaUint64T)0, &p) == SA_AIS_ERR_BAD_HANDLE);
	CHECK(sa_handle_get(&table_a, live[5] + 1, &p) == SA_AIS_ERR_BAD_HANDLE ||
	      live[5] + 1 == live[6]);
	CHECK(sa_handle_get(&table_a, live[5] ^ ((SaUint64T)1 << 40), &p) == SA_AIS_ERR_BAD_HANDLE);
	CHECK(sa_handle_get(&table_a, (SaUint64T)1 << SA_HANDLE_INDEX_BITS, &p) == SA_AIS_ERR_BAD_HANDLE);
	srand(1);
	for (int i = 0; i < 100000; i++) {
		SaUint64T h = ((SaUint64T)rand() << 33) ^ ((SaUint64T)rand() << 11) ^ (SaUint64T)rand();
		int known = 0;
		for (int j = 0; j < 64; j++)
			known |= h == live[j];
		if (!known)
			CHECK(sa_handle_get(&table_a, h, &p) == SA_AIS_ERR_BAD_HANDLE);
	}

	/* a handle of one table means nothing to another */
	SaUint64T hb = make(&table_b, 1, NULL);
	CHECK(sa_handle_get(&table_a, hb, &p) == SA_AIS_ERR_BAD_HANDLE);
	CHECK(sa_handle_get(&table_b, live[0], &p) == SA_AIS_ERR_BAD_HANDLE);
	CHECK(sa_handle_destroy(&table_b, hb) == SA_AIS_OK);

	for (int i = 0; i < 64; i++)
		CHECK(sa_handle_destroy(&table_a, live[i]) == SA_AIS_OK);
}

static bool is_odd(void *instance, void *arg)
{
	(void)arg;
	return ((struct inst *)instance)->value % 2 == 1;
}

static void test_destroy_matching(void)
{
	SaUint64T h[10];
	void *p;

	for (int i = 0; i < 10; i++)
		h[i] = make(&table_b, i, NULL);
	CHECK(sa_handle_get(&table_b, h[3], &p) == SA_AIS_OK);	/* held across */
	int before = atomic_load(&destroyed);
	CHECK(sa_handle_destroy_matching(&table_b, is_odd, NULL) == 5);
	CHECK(atomic_load(&destroyed) == before + 4);
	sa_handle_put(p);
	CHECK(atomic_load(&destroyed) == before + 5);
	for (int i = 0; i < 10; i++) {
		SaAisErrorT want = i % 2 ? SA_AIS_ERR_BAD_HANDLE : SA_AIS_OK;
		CHECK(sa_handle_get(&table_b, h[i], &p) == want);
		if (want == SA_AIS_OK) {
			sa_handle_put(p);
			CHECK(sa_handle_destroy(&table_b, h[i]) == SA_AIS_OK);
		}
	}
}

/* Threads get/put shared handles while others destroy and create them. */
enum { SHARED = 32, THREADS = 8, ROUNDS = 20000 };
static _Atomic SaUint64T shared[SHARED];
static atomic_int finalize_wins;

static void *worker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	for (int r = 0; r < ROUNDS; r++) {
		int k = (int)(rand_r(&seed) % SHARED);
		SaUint64T h = atomic_load(&shared[k]);
		void *p;
		switch (rand_r(&seed) % 4) {
		case 0:
			if (sa_handle_destroy(&table_a, h) == SA_AIS_OK) {
				atomic_fetch_add(&finalize_wins, 1);
				SaUint64T nh;
				void *np;
				if (sa_handle_create(&table_a, &nh, &np) == SA_AIS_OK) {
					((struct inst *)np)->value = k;
					sa_handle_put(np);
					atomic_store(&shared[k], nh);
				}
			}
			break;
		default:
			if (sa_handle_get(&table_a, h, &p) == SA_AIS_OK) {
				pthread_mutex_lock(sa_handle_mutex(p));
				struct inst *i = p;
				if (i->value != k)
					atomic_fetch_add(&finalize_wins, 1000000);	/* wrong instance */
				pthread_mutex_unlock(sa_handle_mutex(p));
				sa_handle_put(p);
			}
			break;
		}
	}
	return NULL;
}

static void test_threads(void)
{
	pthread_t th[THREADS];
	int before = atomic_load(&destroyed);

	for (int k = 0; k < SHARED; k++)
		atomic_store(&shared[k], make(&table_a, k, NULL));
	for (int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(i + 1));
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	CHECK(atomic_load(&finalize_wins) < 1000000);
	for (int k = 0; k < SHARED; k++)
		CHECK(sa_handle_destroy(&table_a, atomic_load(&shared[k])) == SA_AIS_OK);
	/* every instance ever created in this test is freed exactly once */
	CHECK(atomic_load(&destroyed) - before == atomic_load(&finalize_wins) + SHARED);
}

int main(void)
{
	test_lifecycle();
	test_deferred_free();
	test_no_reuse();
	test_forged();
	test_destroy_matching();
	test_threads();
	if (failures) {
		fprintf(stderr, "handle_test: %d failure(s)\n", failures);
		return 1;
	}
	printf("handle_test: ok\n");
	return 0;
}
