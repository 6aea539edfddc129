/* Frame send and receive: see frame.h. */
#include "frame.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static SaAisErrorT send_errno(int e)
{
	switch (e) {
	case ENOMEM:
	case ENOBUFS:
		return SA_AIS_ERR_NO_MEMORY;
	default:	/* EPIPE, ECONNRESET, ENOTCONN, EBADF, ... */
		return SA_AIS_ERR_LIBRARY;
	}
}

/* Waits until fd is writable or the deadline passes. */
static SaAisErrorT wait_writable(int fd, const struct sa_deadline *deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLOUT, .revents = 0 };
		int n = poll(&p, 1, sa_deadline_poll_ms(deadline));
		if (n > 0)
			return SA_AIS_OK;	/* writable, or an error the send will report */
		if (n == 0)
			return SA_AIS_ERR_TIMEOUT;
		if (errno != EINTR)
			return send_errno(errno);
	}
}

SaAisErrorT sa_frame_send(int fd, const struct iovec *iov, int iovcnt,
	const struct sa_deadline *deadline, bool *sent_any)
{
	struct iovec v[SA_FRAME_MAX_IOV];
	int first = 0;

	*sent_any = false;
	if (iovcnt < 1 || iovcnt > SA_FRAME_MAX_IOV)
		return SA_AIS_ERR_INVALID_PARAM;
	memcpy(v, iov, (size_t)iovcnt * sizeof v[0]);

	while (first < iovcnt) {
		if (v[first].iov_len == 0) {
			first++;
			continue;
		}
		struct msghdr msg = { .msg_iov = v + first, .msg_iovlen = (size_t)(iovcnt - first) };
		ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				SaAisErrorT err = wait_writable(fd, deadline);
				if (err != SA_AIS_OK)
					return err;
				continue;
			}
			return send_errno(errno);
		}
		*sent_any = true;
		size_t left = (size_t)n;
		while (first < iovcnt && left >= v[first].iov_len) {
			left -= v[first].iov_len;
			first++;
		}
		if (left > 0) {
			v[first].iov_base = (char *)v[first].iov_base + left;
			v[first].iov_len -= left;
		}
	}
	return SA_AIS_OK;
}

void sa_frame_rx_reset(struct sa_frame_rx *rx)
{
	free(rx->frame);
	rx->frame = NULL;
	rx->got = 0;
}

/* Reads up to `len` bytes; returns bytes read, or -1 with the result in *res. */
static ssize_t rx_read(int fd, void *buf, size_t len, enum sa_rx_result *res)
{
	for (;;) {
		ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);
		if (n > 0)
			return n;
		if (n == 0) {
			*res = SA_RX_EOF;
			return -1;
		}
		if (errno == EINTR)
			continue;
		*res = (errno == EAGAIN || errno == EWOULDBLOCK) ? SA_RX_AGAIN : SA_RX_ERROR;
		return -1;
	}
}

enum sa_rx_result sa_frame_recv(int fd, struct sa_frame_rx *rx,
	void **frame, size_t *size)
{
	const size_t hsize = sizeof rx->hdr;
	enum sa_rx_result res;

	while (rx->got < hsize) {
		ssize_t n = rx_read(fd, (unsigned char *)&rx->hdr + rx->got, hsize - rx->got, &res);
		if (n < 0)
			return res;
		rx->got += (size_t)n;
	}
	if (rx->hdr.size < hsize || rx->hdr.size > AIS_IPC_MAX_FRAME)
		return SA_RX_BAD;
	if (rx->frame == NULL) {
		rx->frame = malloc(rx->hdr.size);
		if (rx->frame == NULL)
			return SA_RX_NOMEM;
		memcpy(rx->frame, &rx->hdr, hsize);
	}
	while (rx->got < rx->hdr.size) {
		ssize_t n = rx_read(fd, rx->frame + rx->got, rx->hdr.size - rx->got, &res);
		if (n < 0)
			return res;
		rx->got += (size_t)n;
	}
	*frame = rx->frame;
	*size = rx->hdr.size;
	rx->frame = NULL;
	rx->got = 0;
	return SA_RX_FRAME;
}
