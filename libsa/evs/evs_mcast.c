/* EVS: evs_mcast_joined and evs_mcast_groups.  The message is sent as the
 * application's iovec (no copy) unless it has more pieces than one frame
 * may have; then it is gathered into one buffer first. */
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "evs_internal.h"
#include "export.h"
#include "frame.h"

long evs_iov_total(const struct iovec *iov, int iov_len)
{
	if (iov_len < 0 || (iov_len > 0 && iov == NULL))
		return -1;
	size_t total = 0;
	for (int i = 0; i < iov_len; i++) {
		if (iov[i].iov_len > 0 && iov[i].iov_base == NULL)
			return -1;
		if (iov[i].iov_len > AIS_EVS_MAX_MSG - total)
			return -1;
		total += iov[i].iov_len;
	}
	return (long)total;
}

static bool guarantee_ok(evs_guarantee_t g)
{
	return g == EVS_TYPE_UNORDERED || g == EVS_TYPE_FIFO ||
		g == EVS_TYPE_AGREED || g == EVS_TYPE_SAFE;
}

/* Sends head[0..nhead) followed by the message, answers the call's error. */
static evs_error_t send_mcast(evs_handle_t handle, struct iovec *head, int nhead,
	const struct iovec *msg, int msg_iovs, size_t total)
{
	struct iovec iov[SA_FRAME_MAX_IOV];
	void *gathered = NULL;
	int n = nhead;

	memcpy(iov, head, (size_t)nhead * sizeof iov[0]);
	if (nhead + msg_iovs <= SA_FRAME_MAX_IOV) {
		if (msg_iovs > 0)
			memcpy(iov + nhead, msg, (size_t)msg_iovs * sizeof iov[0]);
		n += msg_iovs;
	} else {
		gathered = malloc(total);
		if (gathered == NULL)
			return EVS_ERR_NO_MEMORY;
		size_t off = 0;
		for (int i = 0; i < msg_iovs; i++) {
			if (msg[i].iov_len > 0)
				memcpy((char *)gathered + off, msg[i].iov_base, msg[i].iov_len);
			off += msg[i].iov_len;
		}
		iov[n++] = (struct iovec){ .iov_base = gathered, .iov_len = total };
	}

	void *inst;
	SaAisErrorT err = sa_handle_get(&evs_handles, handle, &inst);
	if (err == SA_AIS_OK) {
		size_t frame = total;
		for (int i = 0; i < nhead; i++)
			frame += head[i].iov_len;
		if (frame <= AIS_IPC_NOREPLY_MAX) {
			/* pipelined: the executive takes it or holds the connection
			 * back (then: EVS_ERR_TRY_AGAIN, nothing sent) */
			err = sa_send_noreply(inst, iov, n);
		} else {
			struct ais_ipc_header res;
			err = sa_callv(inst, iov, n, &res, sizeof res, SA_DEFAULT_TIMEOUT);
		}
		sa_handle_put(inst);
	}
	free(gathered);
	return evs_reply_error(err);
}

/*
 * To every group the handle has joined.  A handle that has joined none gets
 * EVS_OK and nobody receives the message (as in openais).  The guarantee
 * must be one of evs_guarantee_t; every message is delivered in agreed
 * order.  More than AIS_EVS_MAX_MSG bytes, or a bad iovec:
 * EVS_ERR_INVALID_PARAM.  The cluster's flow control: EVS_ERR_TRY_AGAIN.
 */
SA_EXPORT evs_error_t evs_mcast_joined(evs_handle_t handle, evs_guarantee_t guarantee,
	struct iovec *iovec, int iov_len)
{
	long total = evs_iov_total(iovec, iov_len);
	if (total < 0 || !guarantee_ok(guarantee))
		return EVS_ERR_INVALID_PARAM;
	struct ais_req_evs_mcast_joined req = {
		.header = { .id = AIS_EVS_MCAST_JOINED },
		.guarantee = (uint32_t)guarantee,
		.msg_len = (uint32_t)total,
	};
	struct iovec head[1] = { { .iov_base = &req, .iov_len = sizeof req } };
	return send_mcast(handle, head, 1, iovec, iov_len, (size_t)total);
}

/* To the given groups, joined or not (at most AIS_EVS_MAX_GROUPS, else
 * EVS_ERR_TOO_MANY_GROUPS; none: EVS_OK and nobody receives it). */
SA_EXPORT evs_error_t evs_mcast_groups(evs_handle_t handle, evs_guarantee_t guarantee,
	struct evs_group *groups, int group_entries, struct iovec *iovec, int iov_len)
{
	long total = evs_iov_total(iovec, iov_len);
	if (total < 0 || !guarantee_ok(guarantee) || group_entries < 0 ||
	    (group_entries > 0 && groups == NULL))
		return EVS_ERR_INVALID_PARAM;
	if (group_entries > AIS_EVS_MAX_GROUPS)
		return EVS_ERR_TOO_MANY_GROUPS;
	struct ais_req_evs_mcast_groups req = {
		.header = { .id = AIS_EVS_MCAST_GROUPS },
		.guarantee = (uint32_t)guarantee,
		.msg_len = (uint32_t)total,
		.group_entries = (uint32_t)group_entries,
	};
	struct iovec head[2] = {
		{ .iov_base = &req, .iov_len = sizeof req },
		{ .iov_base = groups, .iov_len = (size_t)group_entries * sizeof *groups },
	};
	return send_mcast(handle, head, 2, iovec, iov_len, (size_t)total);
}
