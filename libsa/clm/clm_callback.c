/* CLM: callback frames from the dispatch connection to the application's callbacks. */
#include <stdlib.h>

#include "clm_internal.h"

static bool valid_error(int32_t e)
{
	return e >= SA_AIS_OK && e <= SA_AIS_ERR_NO_SECTIONS;
}

/* The notification buffer is library memory, valid only during the callback. */
static SaAisErrorT track_callback(const struct clm_instance *ci,
	const struct ais_ipc_header *frame, size_t size)
{
	const struct ais_clm_track_view *v = clm_view_check(frame, size);
	if (v == NULL || !valid_error(frame->error))
		return SA_AIS_ERR_LIBRARY;
	if (ci->callbacks.saClmClusterTrackCallback == NULL)
		return SA_AIS_OK;

	SaClmClusterNotificationT *items = NULL;
	if (v->number_of_items > 0) {
		items = calloc(v->number_of_items, sizeof *items);
		if (items == NULL)
			return SA_AIS_ERR_NO_MEMORY;
	}
	for (uint32_t i = 0; i < v->number_of_items; i++)
		clm_notification_from_wire(&items[i], &v->items[i]);
	SaClmClusterNotificationBufferT buf = {
		.viewNumber = v->view_number,
		.numberOfItems = v->number_of_items,
		.notification = items,
	};
	ci->callbacks.saClmClusterTrackCallback(&buf, v->number_of_members,
		(SaAisErrorT)frame->error);
	free(items);
	return SA_AIS_OK;
}

static SaAisErrorT node_get_callback(const struct clm_instance *ci,
	const struct ais_ipc_header *frame, size_t size)
{
	const struct ais_cb_clm_node_get *cb = (const void *)frame;
	if (size != sizeof *cb || !valid_error(frame->error))
		return SA_AIS_ERR_LIBRARY;
	if (ci->callbacks.saClmClusterNodeGetCallback == NULL)
		return SA_AIS_OK;

	SaClmClusterNodeT node;
	clm_node_from_wire(&node, &cb->node);
	ci->callbacks.saClmClusterNodeGetCallback(cb->invocation, &node,
		(SaAisErrorT)frame->error);
	return SA_AIS_OK;
}

SaAisErrorT clm_dispatch_frame(void *ctx, const struct ais_ipc_header *frame,
	size_t size)
{
	const struct clm_instance *ci = ctx;

	switch (frame->id) {
	case AIS_CLM_CB_TRACK:
		return track_callback(ci, frame, size);
	case AIS_CLM_CB_NODE_GET:
		return node_get_callback(ci, frame, size);
	default:
		return SA_AIS_ERR_LIBRARY;
	}
}
