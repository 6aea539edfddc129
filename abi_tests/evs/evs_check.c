/* The shared part of the EVS test programs: see evs_check.h. */
#include "evs_check.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool check_rc(evs_error_t got, evs_error_t want, const char *file, int line,
	const char *text)
{
	check_count++;
	if (got == want) {
		printf("ok   %s == %d\n", text, (int)want);
		return true;
	}
	check_failures++;
	printf("FAIL %s == %d, expected %d  (%s:%d)\n", text, (int)got, (int)want,
		file, line);
	return false;
}

unsigned int evs_test_nodeid(void)
{
	const char *id = getenv("EVS_TEST_NODE_ID");
	return id != NULL ? (unsigned int)strtoul(id, NULL, 0) : 0x7F000001u;
}

struct evs_group evs_test_group(const char *name)
{
	struct evs_group g;
	memset(&g, 0, sizeof g);
	memcpy(g.key, name, strnlen(name, sizeof g.key));
	return g;
}

evs_error_t evs_test_init(evs_handle_t *h, evs_callbacks_t *cbs)
{
	evs_error_t err = EVS_ERR_TRY_AGAIN;
	for (int i = 0; i < 200 && err == EVS_ERR_TRY_AGAIN; i++) {
		err = evs_initialize(h, cbs);
		if (err == EVS_ERR_TRY_AGAIN)
			usleep(50000);
	}
	return err;
}

evs_error_t evs_test_send(evs_handle_t h, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	evs_error_t err;
	while ((err = evs_mcast_joined(h, EVS_TYPE_AGREED, &iov, 1)) == EVS_ERR_TRY_AGAIN)
		usleep(1000);
	return err;
}

evs_error_t evs_test_send_groups(evs_handle_t h, struct evs_group *groups, int n,
	const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	evs_error_t err;
	while ((err = evs_mcast_groups(h, EVS_TYPE_AGREED, groups, n, &iov, 1)) ==
	       EVS_ERR_TRY_AGAIN)
		usleep(1000);
	return err;
}

int evs_test_readable(evs_handle_t h, int timeout_ms)
{
	int fd;
	if (evs_fd_get(h, &fd) != EVS_OK)
		return 0;
	struct pollfd p = { .fd = fd, .events = POLLIN, .revents = 0 };
	return poll(&p, 1, timeout_ms) > 0 && (p.revents & (POLLIN | POLLHUP)) ? 1 : 0;
}

bool evs_test_dispatch_until(evs_handle_t h, const unsigned *counter, unsigned target)
{
	while (*counter < target) {
		if (evs_dispatch(h, EVS_DISPATCH_ONE) != EVS_OK)
			return false;
	}
	return true;
}
