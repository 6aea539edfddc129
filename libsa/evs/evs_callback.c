/* EVS: callback frames from the dispatch connection to the application's
 * callbacks.  The memory handed to a callback is the frame's, valid only
 * during the call. */
#include <limits.h>

#include "evs_internal.h"

static SaAisErrorT deliver(const struct evs_instance *ei,
	const struct ais_ipc_header *frame, size_t size)
{
	const struct ais_cb_evs_deliver *cb = (const void *)frame;
	if (size < sizeof *cb || cb->msg_len != size - sizeof *cb ||
	    cb->msg_len > INT_MAX || frame->error != SA_AIS_OK)
		return SA_AIS_ERR_LIBRARY;
	if (ei->callbacks.evs_deliver_fn != NULL)
		ei->callbacks.evs_deliver_fn(cb->nodeid, (void *)cb->msg, (int)cb->msg_len);
	return SA_AIS_OK;
}

static SaAisErrorT confchg(const struct evs_instance *ei,
	const struct ais_ipc_header *frame, size_t size)
{
	const struct ais_cb_evs_confchg *cb = (const void *)frame;
	if (size < sizeof *cb || frame->error != SA_AIS_OK)
		return SA_AIS_ERR_LIBRARY;
	/* each count is checked alone first, so the sum cannot overflow */
	size_t room = (size - sizeof *cb) / sizeof cb->nodes[0];
	size_t members = cb->member_list_entries, left = cb->left_list_entries,
		joined = cb->joined_list_entries;
	if ((size - sizeof *cb) % sizeof cb->nodes[0] != 0 || members > room ||
	    left > room || joined > room || members + left + joined != room)
		return SA_AIS_ERR_LIBRARY;
	if (ei->callbacks.evs_confchg_fn != NULL) {
		unsigned int *nodes = (unsigned int *)cb->nodes;
		ei->callbacks.evs_confchg_fn(nodes, (int)members, nodes + members, (int)left,
			nodes + members + left, (int)joined);
	}
	return SA_AIS_OK;
}

SaAisErrorT evs_dispatch_frame(void *ctx, const struct ais_ipc_header *frame,
	size_t size)
{
	struct evs_dispatch_ctx *dc = ctx;
	SaAisErrorT err;

	switch (frame->id) {
	case AIS_EVS_CB_DELIVER:
		err = deliver(dc->inst, frame, size);
		break;
	case AIS_EVS_CB_CONFCHG:
		err = confchg(dc->inst, frame, size);
		break;
	default:
		err = SA_AIS_ERR_LIBRARY;
		break;
	}
	if (err == SA_AIS_OK)
		dc->dispatched++;
	return err;
}
