/* clm_track_test: saClmClusterTrack / saClmClusterTrackStop (flags, the
 * caller's buffer, the library's buffer, the track callback), and the
 * selection object and SA_DISPATCH_ONE / ALL / BLOCKING around callbacks.
 * One-node cluster: the view has exactly this node.  Needs a running
 * executive ($AIS_IPC_SOCKET) and CLM_TEST_NODE_*. */
#include <stdlib.h>
#include <string.h>

#include "check.h"

static struct clm_expect expect;

static struct {
	int count;
	SaUint64T view;
	SaUint32T items;
	SaUint32T members;
	SaAisErrorT error;
	bool have_item;
	SaClmClusterNotificationT item;
} tr;

/* set by the test that finalizes from inside a callback */
static SaClmHandleT finalize_in_callback = SA_HANDLE_INVALID;
static int finalize_after;
static SaAisErrorT finalize_in_callback_rc;

static void track_cb(const SaClmClusterNotificationBufferT *buf,
	SaUint32T members, SaAisErrorT error)
{
	tr.count++;
	tr.view = buf->viewNumber;
	tr.items = buf->numberOfItems;
	tr.members = members;
	tr.error = error;
	tr.have_item = buf->numberOfItems > 0 && buf->notification != NULL;
	if (tr.have_item)
		tr.item = buf->notification[0];
	if (finalize_in_callback != SA_HANDLE_INVALID && tr.count == finalize_after) {
		finalize_in_callback_rc = saClmFinalize(finalize_in_callback);
		finalize_in_callback = SA_HANDLE_INVALID;
	}
}

static int node_get_count;

/* set by the test that calls the library from inside a callback */
static SaClmHandleT nested_handle = SA_HANDLE_INVALID;
static struct {
	SaAisErrorT node_get, track, track_cb, async, dispatch;
	SaClmNodeIdT node_id;
	SaUint32T items;
} nested;

static void node_get_cb(SaInvocationT inv, const SaClmClusterNodeT *n, SaAisErrorT e)
{
	(void)inv;
	(void)n;
	(void)e;
	node_get_count++;
	SaClmHandleT h = nested_handle;
	if (h == SA_HANDLE_INVALID)
		return;
	nested_handle = SA_HANDLE_INVALID;	/* once */
	SaClmClusterNodeT node;
	nested.node_get = saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, MS(5000), &node);
	nested.node_id = node.nodeId;
	SaClmClusterNotificationT items[2];
	SaClmClusterNotificationBufferT buf = { 0, 2, items };
	nested.track = saClmClusterTrack(h, SA_TRACK_CURRENT, &buf);
	nested.items = buf.numberOfItems;
	nested.track_cb = saClmClusterTrack(h, SA_TRACK_CURRENT, NULL);
	nested.async = saClmClusterNodeGetAsync(h, 2, SA_CLM_LOCAL_NODE_ID);
	/* a dispatch inside a callback runs the next callback (the track one) */
	nested.dispatch = saClmDispatch(h, SA_DISPATCH_ONE);
}

static const SaClmCallbacksT callbacks = { node_get_cb, track_cb };

static SaUint64T view_number;	/* of the one view this test sees */

static void test_flags(SaClmHandleT h)
{
	SaClmClusterNotificationT items[4];
	SaClmClusterNotificationBufferT buf = { 0, 4, items };

	CHECK_RC(saClmClusterTrack(h, 0, &buf), SA_AIS_ERR_BAD_FLAGS);
	CHECK_RC(saClmClusterTrack(h, 0, NULL), SA_AIS_ERR_BAD_FLAGS);
	CHECK_RC(saClmClusterTrack(h, 0x08, NULL), SA_AIS_ERR_BAD_FLAGS);
	CHECK_RC(saClmClusterTrack(h, 0x80, &buf), SA_AIS_ERR_BAD_FLAGS);
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT | 0x10, &buf), SA_AIS_ERR_BAD_FLAGS);
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CHANGES | 0x40, NULL), SA_AIS_ERR_BAD_FLAGS);
	/* saftest clusterTrackChangesAndChangesOnly */
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY, NULL),
		SA_AIS_ERR_BAD_FLAGS);
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT | SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY,
		&buf), SA_AIS_ERR_BAD_FLAGS);
	CHECK_RC(saClmClusterTrack(h, 0xFF, NULL), SA_AIS_ERR_BAD_FLAGS);
	/* none of that started tracking */
	CHECK_RC(saClmClusterTrackStop(h), SA_AIS_ERR_NOT_EXIST);
	CHECK(tr.count == 0);
}

static void check_view_item(const char *what, const SaClmClusterNotificationT *it)
{
	CHECK_NOTE(it->clusterChange == SA_CLM_NODE_NO_CHANGE, what);
	clm_check_node(what, &it->clusterNode, &expect);
}

static void test_current_buffer(SaClmHandleT h, SaSelectionObjectT sel)
{
	SaClmClusterNotificationT items[4];
	SaClmClusterNotificationBufferT buf;
	char note[96];

	/* room for four: one item, the rest untouched */
	memset(items, 0xEE, sizeof items);
	buf = (SaClmClusterNotificationBufferT){ 0, 4, items };
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, &buf), SA_AIS_OK);
	snprintf(note, sizeof note, "numberOfItems %u", (unsigned)buf.numberOfItems);
	CHECK_NOTE(buf.numberOfItems == 1, note);
	CHECK(buf.notification == items);
	snprintf(note, sizeof note, "viewNumber %llu", (unsigned long long)buf.viewNumber);
	CHECK_NOTE(buf.viewNumber > 0, note);
	CHECK(buf.viewNumber >= items[0].clusterNode.initialViewNumber);
	view_number = buf.viewNumber;
	check_view_item("CURRENT, caller's buffer", &items[0]);
	unsigned char pattern[sizeof items[1]];
	memset(pattern, 0xEE, sizeof pattern);
	CHECK(memcmp(&items[1], pattern, sizeof pattern) == 0);

	/* exactly enough room */
	memset(items, 0, sizeof items);
	buf = (SaClmClusterNotificationBufferT){ 0, 1, items };
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, &buf), SA_AIS_OK);
	CHECK(buf.numberOfItems == 1 && buf.viewNumber == view_number);
	check_view_item("CURRENT, buffer of one", &items[0]);

	/* a buffer of no items is invalid (saftest clusterTrackInvalidNumberOfItems);
	 * a buffer too small for a 1-node view cannot be made */
	buf = (SaClmClusterNotificationBufferT){ 0, 0, items };
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, &buf), SA_AIS_ERR_INVALID_PARAM);
	CHECK(buf.notification == items);

	/* notification == NULL: the library allocates (whatever numberOfItems says) */
	SaUint32T counts[] = { 0, 1, 77 };
	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		buf = (SaClmClusterNotificationBufferT){ 0, counts[i], NULL };
		snprintf(note, sizeof note, "library buffer, numberOfItems was %u",
			(unsigned)counts[i]);
		CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, &buf), SA_AIS_OK);
		CHECK_NOTE(buf.notification != NULL && buf.numberOfItems == 1, note);
		CHECK_NOTE(buf.viewNumber == view_number, note);
		if (buf.notification != NULL)
			check_view_item(note, &buf.notification[0]);
		free(buf.notification);	/* the caller's to free */
	}

	/* a synchronous CURRENT starts no tracking and queues no callback
	 * (saftest clusterTrackStopWithTrackCurrent) */
	CHECK(clm_readable(sel, 0) == 0);
	CHECK_RC(saClmClusterTrackStop(h), SA_AIS_ERR_NOT_EXIST);
	CHECK(tr.count == 0);
}

/* One track callback expected: waits for it, dispatches it with ONE. */
static void expect_track_callback(const char *what, SaClmHandleT h, SaSelectionObjectT sel)
{
	int before = tr.count;
	CHECK_NOTE(clm_readable(sel, 5000) == 1, what);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ONE), SA_AIS_OK);
	CHECK_NOTE(tr.count == before + 1, what);
	CHECK_RC(tr.error, SA_AIS_OK);
	char note[160];
	snprintf(note, sizeof note, "%s: members %u items %u view %llu", what,
		(unsigned)tr.members, (unsigned)tr.items, (unsigned long long)tr.view);
	CHECK_NOTE(tr.members == 1 && tr.items == 1 && tr.view == view_number, note);
	if (CHECK_NOTE(tr.have_item, what))
		check_view_item(what, &tr.item);
	CHECK_NOTE(clm_readable(sel, 0) == 0, what);
}

static void test_current_callback(SaClmHandleT h, SaSelectionObjectT sel)
{
	CHECK(clm_readable(sel, 0) == 0);
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, NULL), SA_AIS_OK);
	expect_track_callback("CURRENT without buffer", h, sel);
	CHECK_RC(saClmClusterTrackStop(h), SA_AIS_ERR_NOT_EXIST);

	/* CURRENT|CHANGES: the current view through the callback, and tracking */
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT | SA_TRACK_CHANGES, NULL), SA_AIS_OK);
	expect_track_callback("CURRENT|CHANGES", h, sel);
	CHECK_RC(saClmClusterTrackStop(h), SA_AIS_OK);
	CHECK_RC(saClmClusterTrackStop(h), SA_AIS_ERR_NOT_EXIST);	/* saftest ...StopTwice */

	/* CURRENT|CHANGES_ONLY with a buffer: answered in the buffer, then tracking */
	SaClmClusterNotificationT items[2];
	SaClmClusterNotificationBufferT buf = { 0, 2, items };
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT | SA_TRACK_CHANGES_ONLY, &buf), SA_AIS_OK);
	CHECK(buf.numberOfItems == 1 && buf.viewNumber == view_number);
	check_view_item("CURRENT|CHANGES_ONLY, caller's buffer", &items[0]);
	CHECK(clm_readable(sel, 100) == 0);	/* no callback: the answer was synchronous */
	CHECK_RC(saClmClusterTrackStop(h), SA_AIS_OK);
	CHECK_RC(saClmClusterTrackStop(h), SA_AIS_ERR_NOT_EXIST);

	/* CURRENT|CHANGES with a library buffer */
	buf = (SaClmClusterNotificationBufferT){ 0, 0, NULL };
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT | SA_TRACK_CHANGES, &buf), SA_AIS_OK);
	CHECK(buf.notification != NULL && buf.numberOfItems == 1);
	free(buf.notification);
	CHECK_RC(saClmClusterTrackStop(h), SA_AIS_OK);

	/* CHANGES and CHANGES_ONLY alone: tracking, nothing to report yet; the
	 * buffer is ignored without CURRENT, even one that would be invalid */
	SaClmClusterNotificationBufferT bad = { 0, 0, items };
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CHANGES, &bad), SA_AIS_OK);
	CHECK_RC(saClmClusterTrackStop(h), SA_AIS_OK);
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CHANGES_ONLY, NULL), SA_AIS_OK);
	/* a second registration replaces the first: one TrackStop ends it */
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CHANGES, NULL), SA_AIS_OK);
	CHECK(clm_readable(sel, 100) == 0);
	CHECK_RC(saClmClusterTrackStop(h), SA_AIS_OK);
	CHECK_RC(saClmClusterTrackStop(h), SA_AIS_ERR_NOT_EXIST);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ALL), SA_AIS_OK);
}

static void test_no_callbacks(void)
{
	SaClmHandleT h;
	SaVersionT v = { 'B', 1, 1 };
	SaClmClusterNotificationT items[2];
	SaClmClusterNotificationBufferT buf = { 0, 2, items };

	CHECK_RC(saClmInitialize(&h, NULL, &v), SA_AIS_OK);
	/* saftest clusterTrackCurrentNoCallback: the synchronous form works */
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, &buf), SA_AIS_OK);
	CHECK(buf.numberOfItems == 1);
	/* everything that needs the track callback */
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, NULL), SA_AIS_ERR_INIT);
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CHANGES, NULL), SA_AIS_ERR_INIT);
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CHANGES_ONLY, NULL), SA_AIS_ERR_INIT);
	buf.numberOfItems = 2;
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CHANGES, &buf), SA_AIS_ERR_INIT);
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT | SA_TRACK_CHANGES, &buf), SA_AIS_ERR_INIT);
	CHECK_RC(saClmClusterTrackStop(h), SA_AIS_ERR_NOT_EXIST);
	CHECK_RC(saClmFinalize(h), SA_AIS_OK);

	/* a node get callback only is not enough either */
	static const SaClmCallbacksT node_only = { node_get_cb, NULL };
	v = (SaVersionT){ 'B', 1, 1 };
	CHECK_RC(saClmInitialize(&h, &node_only, &v), SA_AIS_OK);
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CHANGES_ONLY, NULL), SA_AIS_ERR_INIT);
	CHECK_RC(saClmFinalize(h), SA_AIS_OK);
}

/* Three callbacks queued: ONE runs one, ALL the rest; the selection object
 * is readable exactly while some are left. */
static void test_dispatch_modes(SaClmHandleT h, SaSelectionObjectT sel)
{
	SaClmClusterNodeT n;
	int before = tr.count;

	CHECK(clm_readable(sel, 0) == 0);
	for (int i = 0; i < 3; i++)
		CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, NULL), SA_AIS_OK);
	/* a barrier: requests are served in order, callbacks sent with them */
	CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, MS(5000), &n), SA_AIS_OK);
	CHECK(clm_readable(sel, 0) == 1);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ONE), SA_AIS_OK);
	CHECK_NOTE(tr.count == before + 1, "ONE ran one callback");
	CHECK(clm_readable(sel, 0) == 1);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ALL), SA_AIS_OK);
	CHECK_NOTE(tr.count == before + 3, "ALL ran the other two");
	CHECK(clm_readable(sel, 0) == 0);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ONE), SA_AIS_OK);	/* nothing: returns */
	CHECK(tr.count == before + 3);

	/* mixed callbacks in order of arrival */
	int ng = node_get_count;
	CHECK_RC(saClmClusterNodeGetAsync(h, 1, SA_CLM_LOCAL_NODE_ID), SA_AIS_OK);
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, NULL), SA_AIS_OK);
	CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, MS(5000), &n), SA_AIS_OK);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ONE), SA_AIS_OK);
	CHECK(node_get_count == ng + 1 && tr.count == before + 3);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ONE), SA_AIS_OK);
	CHECK(node_get_count == ng + 1 && tr.count == before + 4);
	CHECK(clm_readable(sel, 0) == 0);
}

/* SA_DISPATCH_BLOCKING runs callbacks until the handle is finalized, here
 * from inside the third callback; then it returns SA_AIS_OK. */
static void test_dispatch_blocking(void)
{
	SaClmHandleT h;
	SaVersionT v = { 'B', 1, 1 };
	SaClmClusterNodeT n;

	CHECK_RC(saClmInitialize(&h, &callbacks, &v), SA_AIS_OK);
	int before = tr.count;
	for (int i = 0; i < 3; i++)
		CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, NULL), SA_AIS_OK);
	/* a fourth: dropped, since the handle is finalized before it runs */
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, NULL), SA_AIS_OK);
	CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, MS(5000), &n), SA_AIS_OK);
	finalize_in_callback = h;
	finalize_after = before + 3;
	finalize_in_callback_rc = SA_AIS_ERR_LIBRARY;
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_BLOCKING), SA_AIS_OK);
	CHECK_RC(finalize_in_callback_rc, SA_AIS_OK);
	CHECK_NOTE(tr.count == before + 3, "BLOCKING ran three callbacks, then saw the Finalize");
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_BLOCKING), SA_AIS_ERR_BAD_HANDLE);
	CHECK_RC(saClmFinalize(h), SA_AIS_ERR_BAD_HANDLE);
}

/* Two handles: their callbacks and tracking are their own. */
static void test_two_handles(SaClmHandleT h1, SaSelectionObjectT sel1)
{
	SaClmHandleT h2;
	SaVersionT v = { 'B', 1, 1 };
	SaSelectionObjectT sel2;
	SaClmClusterNodeT n;

	CHECK_RC(saClmInitialize(&h2, &callbacks, &v), SA_AIS_OK);
	CHECK_RC(saClmSelectionObjectGet(h2, &sel2), SA_AIS_OK);
	CHECK(sel1 != sel2);
	CHECK_RC(saClmClusterTrack(h2, SA_TRACK_CURRENT | SA_TRACK_CHANGES, NULL), SA_AIS_OK);
	CHECK_RC(saClmClusterNodeGet(h2, SA_CLM_LOCAL_NODE_ID, MS(5000), &n), SA_AIS_OK);
	CHECK(clm_readable(sel2, 0) == 1);
	CHECK(clm_readable(sel1, 0) == 0);
	CHECK_RC(saClmClusterTrackStop(h1), SA_AIS_ERR_NOT_EXIST);	/* h2 tracks, not h1 */
	expect_track_callback("second handle", h2, sel2);
	CHECK_RC(saClmClusterTrackStop(h2), SA_AIS_OK);

	/* tracking ends with Finalize: a new handle is not tracking */
	CHECK_RC(saClmClusterTrack(h2, SA_TRACK_CHANGES, NULL), SA_AIS_OK);
	CHECK_RC(saClmFinalize(h2), SA_AIS_OK);
	CHECK_RC(saClmClusterTrackStop(h2), SA_AIS_ERR_BAD_HANDLE);
	CHECK_RC(saClmClusterTrack(h2, SA_TRACK_CURRENT, NULL), SA_AIS_ERR_BAD_HANDLE);
}

/* Callbacks may call the library on their own handle, Dispatch included. */
static void test_calls_in_callback(void)
{
	SaClmHandleT h;
	SaVersionT v = { 'B', 1, 1 };
	SaSelectionObjectT sel;

	CHECK_RC(saClmInitialize(&h, &callbacks, &v), SA_AIS_OK);
	CHECK_RC(saClmSelectionObjectGet(h, &sel), SA_AIS_OK);
	int ng = node_get_count, tc = tr.count;
	nested_handle = h;
	CHECK_RC(saClmClusterNodeGetAsync(h, 1, SA_CLM_LOCAL_NODE_ID), SA_AIS_OK);
	CHECK(clm_readable(sel, 5000) == 1);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ONE), SA_AIS_OK);
	CHECK_RC(nested.node_get, SA_AIS_OK);
	CHECK(nested.node_id == expect.node_id);
	CHECK_RC(nested.track, SA_AIS_OK);
	CHECK(nested.items == 1);
	CHECK_RC(nested.track_cb, SA_AIS_OK);
	CHECK_RC(nested.async, SA_AIS_OK);
	CHECK_RC(nested.dispatch, SA_AIS_OK);
	CHECK_NOTE(node_get_count == ng + 1 && tr.count == tc + 1,
		"the nested Dispatch ran the track callback");
	/* the node get callback queued from inside the callback is still there */
	CHECK(clm_readable(sel, 5000) == 1);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ALL), SA_AIS_OK);
	CHECK(node_get_count == ng + 2 && tr.count == tc + 1);
	CHECK(clm_readable(sel, 0) == 0);
	CHECK_RC(saClmFinalize(h), SA_AIS_OK);
}

int main(void)
{
	check_start("clm_track_test", 30);
	if (!clm_expect_load(&expect))
		return check_done();

	SaClmHandleT h;
	SaSelectionObjectT sel;
	if (!CHECK_RC(clm_init_ready(&h, &callbacks), SA_AIS_OK))
		return check_done();
	CHECK_RC(saClmSelectionObjectGet(h, &sel), SA_AIS_OK);

	test_flags(h);
	test_current_buffer(h, sel);
	test_current_callback(h, sel);
	test_no_callbacks();
	test_dispatch_modes(h, sel);
	test_dispatch_blocking();
	test_two_handles(h, sel);
	test_calls_in_callback();

	CHECK_RC(saClmFinalize(h), SA_AIS_OK);
	return check_done();
}
