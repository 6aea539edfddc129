/* CLM: saClmClusterTrack and saClmClusterTrackStop. */
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "clm_internal.h"
#include "export.h"

#define TRACK_ALL (SA_TRACK_CURRENT | SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY)

static bool flags_ok(SaUint8T f)
{
	return f != 0 && (f & ~TRACK_ALL) == 0 &&
		(f & (SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY)) !=
		(SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY);
}

/* Copies the current view of a TRACK response into the caller's buffer,
 * allocating the array (freed by the caller with free()) if it gave none. */
static SaAisErrorT fill_buffer(SaClmClusterNotificationBufferT *buf,
	const struct ais_clm_track_view *v)
{
	uint32_t n = v->number_of_items;

	if (buf->notification == NULL) {
		/* at least one entry, so that a successful call never leaves NULL */
		SaClmClusterNotificationT *items = calloc(n ? n : 1, sizeof *items);
		if (items == NULL)
			return SA_AIS_ERR_NO_MEMORY;
		buf->notification = items;
	} else if (buf->numberOfItems < n) {
		/* the executive checks max_items first; this only guards the copy */
		buf->numberOfItems = n;
		return SA_AIS_ERR_NO_SPACE;
	}
	for (uint32_t i = 0; i < n; i++)
		clm_notification_from_wire(&buf->notification[i], &v->items[i]);
	buf->numberOfItems = n;
	buf->viewNumber = v->view_number;
	return SA_AIS_OK;
}

static SaAisErrorT track(struct clm_instance *ci, SaUint8T trackFlags,
	SaClmClusterNotificationBufferT *buf)
{
	if (!flags_ok(trackFlags))
		return SA_AIS_ERR_BAD_FLAGS;

	/* SA_TRACK_CURRENT with a buffer: answered in the response; without
	 * one: through the track callback.  The buffer is ignored otherwise. */
	bool current = (trackFlags & SA_TRACK_CURRENT) != 0;
	bool sync = current && buf != NULL;
	bool needs_callback = (current && !sync) ||
		(trackFlags & (SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY)) != 0;

	if (sync && buf->notification != NULL && buf->numberOfItems == 0)
		return SA_AIS_ERR_INVALID_PARAM;
	if (needs_callback && ci->callbacks.saClmClusterTrackCallback == NULL)
		return SA_AIS_ERR_INIT;

	struct ais_req_clm_track req;
	memset(&req, 0, sizeof req);
	req.header.id = AIS_CLM_TRACK;
	req.track_flags = trackFlags;
	req.options = sync ? AIS_CLM_TRACK_SYNC_CURRENT : 0;
	/* a caller-supplied buffer that is too small: the executive answers
	 * NO_SPACE with the count needed, before it starts any tracking */
	req.max_items = (sync && buf->notification != NULL) ? buf->numberOfItems : 0;

	void *res;
	size_t size;
	SaAisErrorT err = sa_call_alloc(&ci->session, &req, sizeof req, &res, &size,
		SA_DEFAULT_TIMEOUT);
	if ((err == SA_AIS_OK || err == SA_AIS_ERR_NO_SPACE) && sync && res != NULL) {
		const struct ais_clm_track_view *v = clm_view_check(res, size);
		if (v == NULL) {
			sa_session_kill(&ci->session);
			err = SA_AIS_ERR_LIBRARY;
		} else if (err == SA_AIS_ERR_NO_SPACE) {
			buf->numberOfItems = v->number_of_members;
		} else {
			err = fill_buffer(buf, v);
		}
	}
	free(res);
	return err;
}

SA_EXPORT SaAisErrorT saClmClusterTrack(SaClmHandleT clmHandle,
	SaUint8T trackFlags, SaClmClusterNotificationBufferT *notificationBuffer)
{
	void *inst;
	SaAisErrorT err = sa_handle_get(&clm_handles, clmHandle, &inst);
	if (err != SA_AIS_OK)
		return err;
	err = track(inst, trackFlags, notificationBuffer);
	sa_handle_put(inst);
	return err;
}

/* SA_AIS_ERR_NOT_EXIST when not tracking: the executive knows. */
SA_EXPORT SaAisErrorT saClmClusterTrackStop(SaClmHandleT clmHandle)
{
	void *inst;
	SaAisErrorT err = sa_handle_get(&clm_handles, clmHandle, &inst);
	if (err != SA_AIS_OK)
		return err;
	struct clm_instance *ci = inst;
	struct ais_ipc_header req = { .id = AIS_CLM_TRACK_STOP };
	struct ais_ipc_header res;
	err = sa_call(&ci->session, &req, sizeof req, &res, sizeof res, SA_DEFAULT_TIMEOUT);
	sa_handle_put(inst);
	return err;
}
