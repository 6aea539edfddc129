/* Connecting to the executive: see conn.h. */
#include "conn.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "call.h"
#include "frame.h"
#include "ipc.h"

/* Fills in the executive's address; false if the name does not fit. */
static bool ipc_address(struct sockaddr_un *addr, socklen_t *len)
{
	const char *name = secure_getenv(AIS_IPC_SOCKET_ENV);
	if (name == NULL || name[0] == '\0')
		name = AIS_IPC_SOCKET_DEFAULT;

	memset(addr, 0, sizeof *addr);
	addr->sun_family = AF_UNIX;
	size_t n = strlen(name);
	if (name[0] == '@') {
		/* abstract: a leading NUL, then the name without the '@', no terminator */
		if (n > sizeof addr->sun_path)
			return false;
		memcpy(addr->sun_path + 1, name + 1, n - 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		if (n >= sizeof addr->sun_path)
			return false;
		memcpy(addr->sun_path, name, n + 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	return true;
}

static SaAisErrorT connect_errno(int e)
{
	switch (e) {
	case ECONNREFUSED:
	case ENOENT:
	case EAGAIN:
		return SA_AIS_ERR_TRY_AGAIN;
	case EACCES:
	case EPERM:
		return SA_AIS_ERR_ACCESS;
	case EMFILE:
	case ENFILE:
		return SA_AIS_ERR_NO_RESOURCES;
	case ENOMEM:
	case ENOBUFS:
		return SA_AIS_ERR_NO_MEMORY;
	default:
		return SA_AIS_ERR_LIBRARY;
	}
}

/* A non-blocking connect() that is still in progress: wait and collect its result. */
static int connect_finish(int fd, const struct sa_deadline *deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLOUT, .revents = 0 };
		int n = poll(&p, 1, sa_deadline_poll_ms(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return EAGAIN;
		int soerr = 0;
		socklen_t l = sizeof soerr;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &l) < 0)
			return errno;
		return soerr;
	}
}

static SaAisErrorT socket_connect(int *fd_out, const struct sa_deadline *deadline)
{
	struct sockaddr_un addr;
	socklen_t len;
	if (!ipc_address(&addr, &len))
		return SA_AIS_ERR_LIBRARY;

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return connect_errno(errno);
	int e = 0;
	if (connect(fd, (struct sockaddr *)&addr, len) < 0) {
		e = errno;
		if (e == EINPROGRESS || e == EINTR)
			e = connect_finish(fd, deadline);
	}
	if (e != 0) {
		close(fd);
		return connect_errno(e);
	}
	*fd_out = fd;
	return SA_AIS_OK;
}

/* Waits for the CONNECT response. */
static SaAisErrorT recv_response(int fd, const struct sa_deadline *deadline,
	struct ais_res_connect *res)
{
	struct sa_frame_rx rx = SA_FRAME_RX_INIT;
	void *frame = NULL;
	size_t size = 0;

	for (;;) {
		enum sa_rx_result r = sa_frame_recv(fd, &rx, &frame, &size);
		if (r == SA_RX_FRAME)
			break;
		if (r == SA_RX_EOF || r == SA_RX_ERROR) {
			sa_frame_rx_reset(&rx);
			return SA_AIS_ERR_TRY_AGAIN;
		}
		if (r != SA_RX_AGAIN) {
			sa_frame_rx_reset(&rx);
			return r == SA_RX_NOMEM ? SA_AIS_ERR_NO_MEMORY : SA_AIS_ERR_LIBRARY;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN, .revents = 0 };
		int n = poll(&p, 1, sa_deadline_poll_ms(deadline));
		if (n == 0 || (n < 0 && errno != EINTR)) {
			sa_frame_rx_reset(&rx);
			return SA_AIS_ERR_TRY_AGAIN;
		}
	}

	const struct ais_ipc_header *h = frame;
	SaAisErrorT err = SA_AIS_OK;
	if (h->id != (AIS_MSG_CONNECT | AIS_MSG_RESPONSE) || h->context != 1)
		err = SA_AIS_ERR_LIBRARY;
	else if (h->error != SA_AIS_OK)
		err = (SaAisErrorT)h->error;
	else if (size != sizeof *res)
		err = SA_AIS_ERR_LIBRARY;
	else
		memcpy(res, frame, sizeof *res);
	free(frame);

	switch (err) {
	case SA_AIS_OK:
	case SA_AIS_ERR_TRY_AGAIN:
	case SA_AIS_ERR_ACCESS:
	case SA_AIS_ERR_NO_MEMORY:
	case SA_AIS_ERR_NO_RESOURCES:
	case SA_AIS_ERR_VERSION:
		return err;
	default:	/* nothing else makes sense for an Initialize */
		return SA_AIS_ERR_LIBRARY;
	}
}

SaAisErrorT sa_conn_open(uint32_t service, uint32_t conn_type,
	uint64_t *conn_id, uint64_t *secret, int *fd_out)
{
	struct sa_deadline deadline = sa_deadline_after(SA_DEFAULT_TIMEOUT);
	int fd = -1;
	SaAisErrorT err = socket_connect(&fd, &deadline);
	if (err != SA_AIS_OK)
		return err;

	struct ais_req_connect req;
	memset(&req, 0, sizeof req);
	req.header.size = sizeof req;
	req.header.id = AIS_MSG_CONNECT;
	req.header.context = 1;
	req.ipc_version = AIS_IPC_VERSION;
	req.service = service;
	req.conn_type = conn_type;
	if (conn_type == AIS_CONN_DISPATCH) {
		req.conn_id = *conn_id;
		req.secret = *secret;
	}
	struct iovec iov = { .iov_base = &req, .iov_len = sizeof req };
	bool sent_any;
	err = sa_frame_send(fd, &iov, 1, &deadline, &sent_any);
	if (err == SA_AIS_ERR_TIMEOUT)
		err = SA_AIS_ERR_TRY_AGAIN;
	else if (err == SA_AIS_ERR_LIBRARY)
		err = SA_AIS_ERR_TRY_AGAIN;	/* the executive closed on us: stopping */

	struct ais_res_connect res;
	if (err == SA_AIS_OK)
		err = recv_response(fd, &deadline, &res);
	if (err != SA_AIS_OK) {
		close(fd);
		return err;
	}
	if (conn_type == AIS_CONN_REQUEST) {
		*conn_id = res.conn_id;
		*secret = res.secret;
	}
	*fd_out = fd;
	return SA_AIS_OK;
}
