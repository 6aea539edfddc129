/* evs_api_test: the life cycle, argument checks, join and leave, the
 * membership, and the configuration every new handle gets at once. */
#include <stdlib.h>
#include <string.h>

#include "evs_check.h"

#define MAX_MSG 1046528		/* AIS_EVS_MAX_MSG (1 MiB - 2 KiB): the documented limit */
#define MAX_GROUPS 50		/* AIS_EVS_MAX_GROUPS */

static unsigned confchgs, delivered;
static unsigned members[8], left[8], joined[8];
static int n_members, n_left, n_joined;

static void copy_list(unsigned *dst, int *n, const unsigned *src, int count)
{
	*n = count;
	for (int i = 0; i < count && i < 8; i++)
		dst[i] = src[i];
}

static void on_confchg(unsigned int *m, int mn, unsigned int *l, int ln,
	unsigned int *j, int jn)
{
	confchgs++;
	copy_list(members, &n_members, m, mn);
	copy_list(left, &n_left, l, ln);
	copy_list(joined, &n_joined, j, jn);
}

static void on_deliver(unsigned int nodeid, void *msg, int len)
{
	(void)nodeid;
	(void)msg;
	(void)len;
	delivered++;
}

static void test_initial_configuration(evs_handle_t h, unsigned node)
{
	CHECK(evs_test_readable(h, 5000));
	CHECK_RC(evs_dispatch(h, EVS_DISPATCH_ALL), EVS_OK);
	CHECK(confchgs == 1);
	CHECK(n_members == 1 && members[0] == node);
	CHECK(n_left == 0);
	CHECK(n_joined == 1 && joined[0] == node);
	CHECK(!evs_test_readable(h, 0));
}

static void test_membership(evs_handle_t h, unsigned node)
{
	unsigned local = 0, list[4] = { 0 }, n = 4;
	CHECK_RC(evs_membership_get(h, &local, list, &n), EVS_OK);
	CHECK(local == node);
	CHECK(n == 1 && list[0] == node);
	n = 0;
	list[0] = 0;
	CHECK_RC(evs_membership_get(h, &local, list, &n), EVS_OK);
	CHECK(n == 0 && list[0] == 0);	/* cut short, as openais does */
	n = 4;
	CHECK_RC(evs_membership_get(h, NULL, NULL, &n), EVS_OK);
	CHECK(n == 1);
	CHECK_RC(evs_membership_get(h, &local, list, NULL), EVS_ERR_INVALID_PARAM);
}

static void test_join_leave(evs_handle_t h)
{
	struct evs_group g[3] = { evs_test_group("a"), evs_test_group("b"),
		evs_test_group("c") };
	CHECK_RC(evs_join(h, g, 3), EVS_OK);
	CHECK_RC(evs_leave(h, &g[0], 1), EVS_OK);
	CHECK_RC(evs_leave(h, &g[0], 1), EVS_ERR_NOT_EXIST);
	/* all or nothing: "b" stays joined when "a" is not */
	struct evs_group ba[2] = { g[1], g[0] };
	CHECK_RC(evs_leave(h, ba, 2), EVS_ERR_NOT_EXIST);
	CHECK_RC(evs_leave(h, &g[1], 1), EVS_OK);
	/* joined twice: joined until left twice */
	CHECK_RC(evs_join(h, &g[2], 1), EVS_OK);
	CHECK_RC(evs_leave(h, &g[2], 1), EVS_OK);
	CHECK_RC(evs_leave(h, &g[2], 1), EVS_OK);
	CHECK_RC(evs_leave(h, &g[2], 1), EVS_ERR_NOT_EXIST);
	CHECK_RC(evs_join(h, g, 0), EVS_OK);
	CHECK_RC(evs_leave(h, g, 0), EVS_OK);
	CHECK_RC(evs_join(h, NULL, 1), EVS_ERR_INVALID_PARAM);
	CHECK_RC(evs_join(h, g, -1), EVS_ERR_INVALID_PARAM);
	CHECK_RC(evs_leave(h, NULL, 1), EVS_ERR_INVALID_PARAM);
	/* a group name is all 32 bytes */
	struct evs_group x = evs_test_group("x"), y = x;
	y.key[31] = 1;
	CHECK_RC(evs_join(h, &x, 1), EVS_OK);
	CHECK_RC(evs_leave(h, &y, 1), EVS_ERR_NOT_EXIST);
	CHECK_RC(evs_leave(h, &x, 1), EVS_OK);
}

static void test_too_many_groups(evs_handle_t h)
{
	struct evs_group many[MAX_GROUPS + 1];
	for (int i = 0; i <= MAX_GROUPS; i++) {
		char name[16];
		snprintf(name, sizeof name, "g%d", i);
		many[i] = evs_test_group(name);
	}
	CHECK_RC(evs_join(h, many, MAX_GROUPS + 1), EVS_ERR_TOO_MANY_GROUPS);
	CHECK_RC(evs_join(h, many, MAX_GROUPS), EVS_OK);
	CHECK_RC(evs_join(h, &many[MAX_GROUPS], 1), EVS_ERR_TOO_MANY_GROUPS);
	CHECK_RC(evs_join(h, &many[7], 1), EVS_OK);	/* not a new group */
	CHECK_RC(evs_leave(h, &many[7], 1), EVS_OK);
	CHECK_RC(evs_leave(h, many, MAX_GROUPS), EVS_OK);
	CHECK_RC(evs_leave(h, &many[0], 1), EVS_ERR_NOT_EXIST);
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	CHECK_RC(evs_mcast_groups(h, EVS_TYPE_AGREED, many, MAX_GROUPS + 1, &iov, 1),
		EVS_ERR_TOO_MANY_GROUPS);
}

static void test_mcast_arguments(evs_handle_t h)
{
	struct evs_group g = evs_test_group("args");
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	CHECK_RC(evs_mcast_joined(h, (evs_guarantee_t)7, &iov, 1), EVS_ERR_INVALID_PARAM);
	CHECK_RC(evs_mcast_joined(h, EVS_TYPE_AGREED, NULL, 1), EVS_ERR_INVALID_PARAM);
	CHECK_RC(evs_mcast_joined(h, EVS_TYPE_AGREED, &iov, -1), EVS_ERR_INVALID_PARAM);
	struct iovec null_base = { .iov_base = NULL, .iov_len = 3 };
	CHECK_RC(evs_mcast_joined(h, EVS_TYPE_AGREED, &null_base, 1), EVS_ERR_INVALID_PARAM);
	CHECK_RC(evs_mcast_groups(h, EVS_TYPE_AGREED, NULL, 1, &iov, 1), EVS_ERR_INVALID_PARAM);
	CHECK_RC(evs_mcast_groups(h, EVS_TYPE_AGREED, &g, -1, &iov, 1), EVS_ERR_INVALID_PARAM);
	CHECK_RC(evs_mcast_groups(h, (evs_guarantee_t)-1, &g, 1, &iov, 1), EVS_ERR_INVALID_PARAM);
	char *big = calloc(1, MAX_MSG + 1);
	struct iovec two[2] = { { .iov_base = big, .iov_len = MAX_MSG },
		{ .iov_base = big, .iov_len = 1 } };
	CHECK_RC(evs_mcast_joined(h, EVS_TYPE_AGREED, two, 2), EVS_ERR_INVALID_PARAM);
	CHECK_RC(evs_mcast_groups(h, EVS_TYPE_AGREED, &g, 1, two, 2), EVS_ERR_INVALID_PARAM);
	free(big);
	/* joined to nothing, or to no group: accepted, and nobody gets it */
	CHECK_RC(evs_mcast_joined(h, EVS_TYPE_SAFE, &iov, 1), EVS_OK);
	CHECK_RC(evs_mcast_groups(h, EVS_TYPE_UNORDERED, &g, 0, &iov, 1), EVS_OK);
	CHECK(!evs_test_readable(h, 200));
	CHECK(delivered == 0);
}

static void test_bad_handles(evs_handle_t h)
{
	struct evs_group g = evs_test_group("bad");
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	unsigned n = 1, list[1];
	int fd;
	evs_handle_t bad[2] = { 0, h };
	for (int i = 0; i < 2; i++) {
		CHECK_RC(evs_fd_get(bad[i], &fd), EVS_ERR_BAD_HANDLE);
		CHECK_RC(evs_dispatch(bad[i], EVS_DISPATCH_ALL), EVS_ERR_BAD_HANDLE);
		CHECK_RC(evs_join(bad[i], &g, 1), EVS_ERR_BAD_HANDLE);
		CHECK_RC(evs_leave(bad[i], &g, 1), EVS_ERR_BAD_HANDLE);
		CHECK_RC(evs_mcast_joined(bad[i], EVS_TYPE_AGREED, &iov, 1), EVS_ERR_BAD_HANDLE);
		CHECK_RC(evs_mcast_groups(bad[i], EVS_TYPE_AGREED, &g, 1, &iov, 1),
			EVS_ERR_BAD_HANDLE);
		CHECK_RC(evs_membership_get(bad[i], NULL, list, &n), EVS_ERR_BAD_HANDLE);
		CHECK_RC(evs_finalize(bad[i]), EVS_ERR_BAD_HANDLE);
	}
}

int main(void)
{
	check_start("evs_api_test", 60);
	unsigned node = evs_test_nodeid();
	evs_callbacks_t cbs = { .evs_deliver_fn = on_deliver, .evs_confchg_fn = on_confchg };
	evs_handle_t h;

	CHECK_RC(evs_initialize(NULL, &cbs), EVS_ERR_INVALID_PARAM);
	CHECK_RC(evs_initialize(&h, NULL), EVS_ERR_INVALID_PARAM);
	if (!CHECK_RC(evs_test_init(&h, &cbs), EVS_OK))
		return check_done();
	int fd = -1;
	CHECK_RC(evs_fd_get(h, &fd), EVS_OK);
	CHECK(fd >= 0);
	CHECK_RC(evs_fd_get(h, NULL), EVS_ERR_INVALID_PARAM);
	CHECK_RC(evs_dispatch(h, (evs_dispatch_t)3), EVS_ERR_INVALID_PARAM);

	test_initial_configuration(h, node);
	test_membership(h, node);
	test_join_leave(h);
	test_too_many_groups(h);
	test_mcast_arguments(h);

	CHECK_RC(evs_finalize(h), EVS_OK);
	test_bad_handles(h);

	/* a second handle gets the same configuration */
	evs_handle_t h2;
	confchgs = 0;
	if (CHECK_RC(evs_test_init(&h2, &cbs), EVS_OK)) {
		test_initial_configuration(h2, node);
		CHECK_RC(evs_finalize(h2), EVS_OK);
	}
	return check_done();
}
