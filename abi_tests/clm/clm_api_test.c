/* clm_api_test: argument and handle errors of every CLM function, version
 * negotiation, and the node data returned by saClmClusterNodeGet and
 * saClmClusterNodeGetAsync (checked against what the harness passes in
 * CLM_TEST_NODE_*).  Needs a running executive ($AIS_IPC_SOCKET). */
#include <stdint.h>
#include <string.h>

#include "check.h"

static struct clm_expect expect;

/* what the node get callback saw */
static struct {
	int count;
	SaInvocationT invocation;
	SaAisErrorT error;
	SaClmClusterNodeT node;
} got;

static void node_get_cb(SaInvocationT invocation, const SaClmClusterNodeT *node,
	SaAisErrorT error)
{
	got.count++;
	got.invocation = invocation;
	got.error = error;
	if (node != NULL && error == SA_AIS_OK)
		got.node = *node;
}

static int track_cb_count;

static void track_cb(const SaClmClusterNotificationBufferT *buf,
	SaUint32T members, SaAisErrorT error)
{
	(void)buf;
	(void)members;
	(void)error;
	track_cb_count++;
}

static const SaClmCallbacksT callbacks = {
	.saClmClusterNodeGetCallback = node_get_cb,
	.saClmClusterTrackCallback = track_cb,
};

static bool same_node(const SaClmClusterNodeT *a, const SaClmClusterNodeT *b)
{
	return a->nodeId == b->nodeId &&
		a->nodeAddress.family == b->nodeAddress.family &&
		a->nodeAddress.length == b->nodeAddress.length &&
		memcmp(a->nodeAddress.value, b->nodeAddress.value, a->nodeAddress.length) == 0 &&
		a->nodeName.length == b->nodeName.length &&
		memcmp(a->nodeName.value, b->nodeName.value, a->nodeName.length) == 0 &&
		a->member == b->member &&
		a->bootTimestamp == b->bootTimestamp &&
		a->initialViewNumber == b->initialViewNumber;
}

static bool is_b0101(const SaVersionT *v)
{
	return v->releaseCode == 'B' && v->majorVersion == 1 && v->minorVersion == 1;
}

static void test_initialize(void)
{
	static const struct {
		SaUint8T rc, major, minor;
		SaAisErrorT want;
	} cases[] = {
		{ 'B', 1, 1, SA_AIS_OK },
		{ 'B', 1, 0, SA_AIS_OK },	/* lower minor: answered with ours */
		{ 'B', 1, 9, SA_AIS_OK },	/* higher minor: still B.01.01 */
		{ 'B', 1, 255, SA_AIS_OK },
		{ 'B', 0, 0, SA_AIS_OK },	/* major <= ours */
		{ 'B', 2, 0, SA_AIS_ERR_VERSION },	/* major too high */
		{ 'B', 255, 1, SA_AIS_ERR_VERSION },
		{ 'A', 1, 1, SA_AIS_ERR_VERSION },	/* unsupported release codes */
		{ 'C', 1, 1, SA_AIS_ERR_VERSION },
		{ 'b', 1, 1, SA_AIS_ERR_VERSION },
		{ 0, 0, 0, SA_AIS_ERR_VERSION },	/* saftest initializeInvalidVersion */
	};
	SaClmHandleT h;
	SaVersionT v = { 'B', 1, 1 };
	char note[128];

	CHECK_RC(saClmInitialize(NULL, &callbacks, &v), SA_AIS_ERR_INVALID_PARAM);
	CHECK_RC(saClmInitialize(&h, &callbacks, NULL), SA_AIS_ERR_INVALID_PARAM);
	CHECK_RC(saClmInitialize(NULL, NULL, NULL), SA_AIS_ERR_INVALID_PARAM);

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		v.releaseCode = cases[i].rc;
		v.majorVersion = cases[i].major;
		v.minorVersion = cases[i].minor;
		snprintf(note, sizeof note, "requested %c.%02u.%02u",
			cases[i].rc ? cases[i].rc : '0', cases[i].major, cases[i].minor);
		h = SA_HANDLE_INVALID;
		SaAisErrorT err = saClmInitialize(&h, &callbacks, &v);
		CHECK_NOTE(err == cases[i].want, note);
		/* on success and on SA_AIS_ERR_VERSION alike: the version we support */
		CHECK_NOTE(is_b0101(&v), note);
		if (err == SA_AIS_OK) {
			CHECK(h != SA_HANDLE_INVALID);
			CHECK_RC(saClmFinalize(h), SA_AIS_OK);
		}
	}

	/* NULL callbacks, and a callbacks structure with NULL members */
	static const SaClmCallbacksT none = { NULL, NULL };
	SaClmHandleT h1, h2;
	v = (SaVersionT){ 'B', 1, 1 };
	CHECK_RC(saClmInitialize(&h1, NULL, &v), SA_AIS_OK);
	v = (SaVersionT){ 'B', 1, 1 };
	CHECK_RC(saClmInitialize(&h2, &none, &v), SA_AIS_OK);
	CHECK(h1 != h2);
	SaSelectionObjectT s1 = 0, s2 = 0;
	CHECK_RC(saClmSelectionObjectGet(h1, &s1), SA_AIS_OK);
	CHECK_RC(saClmSelectionObjectGet(h2, &s2), SA_AIS_OK);
	CHECK(s1 != s2);
	/* an asynchronous request needs its callback (saftest nodeGetAsyncLocalNoCallback) */
	CHECK_RC(saClmClusterNodeGetAsync(h1, 1, SA_CLM_LOCAL_NODE_ID), SA_AIS_ERR_INIT);
	CHECK_RC(saClmClusterNodeGetAsync(h2, 1, SA_CLM_LOCAL_NODE_ID), SA_AIS_ERR_INIT);
	/* the synchronous calls work without callbacks */
	SaClmClusterNodeT n;
	CHECK_RC(saClmClusterNodeGet(h1, SA_CLM_LOCAL_NODE_ID, MS(5000), &n), SA_AIS_OK);
	CHECK_RC(saClmDispatch(h1, SA_DISPATCH_ALL), SA_AIS_OK);
	CHECK_RC(saClmFinalize(h1), SA_AIS_OK);
	CHECK_RC(saClmFinalize(h2), SA_AIS_OK);

	/* the library keeps its own copy of the callbacks structure */
	SaClmCallbacksT mine = callbacks;
	v = (SaVersionT){ 'B', 1, 1 };
	CHECK_RC(saClmInitialize(&h1, &mine, &v), SA_AIS_OK);
	memset(&mine, 0, sizeof mine);
	CHECK_RC(saClmClusterNodeGetAsync(h1, 3, SA_CLM_LOCAL_NODE_ID), SA_AIS_OK);
	CHECK_RC(saClmFinalize(h1), SA_AIS_OK);
}

static void test_selection_and_dispatch(SaClmHandleT h)
{
	SaSelectionObjectT sel = (SaSelectionObjectT)-1, sel2 = 0;

	CHECK_RC(saClmSelectionObjectGet(h, NULL), SA_AIS_ERR_INVALID_PARAM);
	CHECK_RC(saClmSelectionObjectGet(h, &sel), SA_AIS_OK);
	CHECK(sel != (SaSelectionObjectT)-1 && (int64_t)sel >= 0);
	CHECK_RC(saClmSelectionObjectGet(h, &sel2), SA_AIS_OK);
	CHECK(sel == sel2);
	CHECK(clm_readable(sel, 0) == 0);	/* no callback pending */

	CHECK_RC(saClmDispatch(h, (SaDispatchFlagsT)0), SA_AIS_ERR_INVALID_PARAM);
	CHECK_RC(saClmDispatch(h, (SaDispatchFlagsT)4), SA_AIS_ERR_INVALID_PARAM);
	CHECK_RC(saClmDispatch(h, (SaDispatchFlagsT)-1), SA_AIS_ERR_INVALID_PARAM);
	/* nothing pending: ONE and ALL return at once */
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ONE), SA_AIS_OK);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ALL), SA_AIS_OK);
	CHECK(got.count == 0 && track_cb_count == 0);
}

static void test_node_get(SaClmHandleT h)
{
	SaClmClusterNodeT local, byid, n;

	memset(&local, 0xA5, sizeof local);
	CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, MS(5000), &local), SA_AIS_OK);
	clm_check_node("local node", &local, &expect);

	memset(&byid, 0x5A, sizeof byid);
	CHECK_RC(saClmClusterNodeGet(h, local.nodeId, MS(5000), &byid), SA_AIS_OK);
	clm_check_node("node by its id", &byid, &expect);
	CHECK(same_node(&local, &byid));
	CHECK_RC(saClmClusterNodeGet(h, expect.node_id, SA_TIME_END, &n), SA_AIS_OK);
	CHECK(same_node(&local, &n));
	CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, SA_TIME_MAX, &n), SA_AIS_OK);

	CHECK_RC(saClmClusterNodeGet(h, 12345, MS(5000), &n), SA_AIS_ERR_NOT_EXIST);
	CHECK_RC(saClmClusterNodeGet(h, 0, MS(5000), &n), SA_AIS_ERR_NOT_EXIST);
	CHECK_RC(saClmClusterNodeGet(h, expect.node_id + 1, MS(5000), &n), SA_AIS_ERR_NOT_EXIST);
	CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, MS(5000), NULL),
		SA_AIS_ERR_INVALID_PARAM);
	CHECK_RC(saClmClusterNodeGet(h, 12345, MS(5000), NULL), SA_AIS_ERR_INVALID_PARAM);
	/* documented choices: no time to wait is a timeout, a negative one is invalid */
	CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, 0, &n), SA_AIS_ERR_TIMEOUT);
	CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, -1, &n), SA_AIS_ERR_INVALID_PARAM);
	CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, INT64_MIN, &n),
		SA_AIS_ERR_INVALID_PARAM);
	/* the handle still works after all that */
	CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, MS(5000), &n), SA_AIS_OK);
	CHECK(same_node(&local, &n));
}

/* Waits for one node get callback through the selection object and
 * SA_DISPATCH_ONE. */
static void dispatch_one_node_get(SaClmHandleT h, SaSelectionObjectT sel)
{
	int before = got.count;
	CHECK(clm_readable(sel, 5000) == 1);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ONE), SA_AIS_OK);
	CHECK(got.count == before + 1);
	CHECK(clm_readable(sel, 0) == 0);	/* nothing else pending */
}

static void test_node_get_async(SaClmHandleT h)
{
	SaSelectionObjectT sel;
	SaClmClusterNodeT local;

	CHECK_RC(saClmSelectionObjectGet(h, &sel), SA_AIS_OK);
	CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, MS(5000), &local), SA_AIS_OK);

	CHECK_RC(saClmClusterNodeGetAsync(h, 0x1122334455667788LL, SA_CLM_LOCAL_NODE_ID), SA_AIS_OK);
	dispatch_one_node_get(h, sel);
	CHECK(got.invocation == 0x1122334455667788LL);
	CHECK_RC(got.error, SA_AIS_OK);
	clm_check_node("async local node", &got.node, &expect);
	CHECK(same_node(&got.node, &local));

	CHECK_RC(saClmClusterNodeGetAsync(h, 7, local.nodeId), SA_AIS_OK);
	dispatch_one_node_get(h, sel);
	CHECK(got.invocation == 7);
	CHECK_RC(got.error, SA_AIS_OK);
	CHECK(same_node(&got.node, &local));

	/* an unknown node: the call succeeds, the callback carries the error */
	CHECK_RC(saClmClusterNodeGetAsync(h, 42, 12345), SA_AIS_OK);
	dispatch_one_node_get(h, sel);
	CHECK(got.invocation == 42);
	CHECK_RC(got.error, SA_AIS_ERR_NOT_EXIST);

	/* three at once: SA_DISPATCH_ALL runs them all, in order */
	int before = got.count;
	for (SaInvocationT i = 100; i < 103; i++)
		CHECK_RC(saClmClusterNodeGetAsync(h, i, SA_CLM_LOCAL_NODE_ID), SA_AIS_OK);
	/* a synchronous call as a barrier: the executive serves one connection's
	 * requests in order, so all three callbacks were sent before its answer */
	SaClmClusterNodeT n;
	CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, MS(5000), &n), SA_AIS_OK);
	CHECK(clm_readable(sel, 0) == 1);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ALL), SA_AIS_OK);
	CHECK_NOTE(got.count == before + 3, "three callbacks");
	CHECK(got.invocation == 102);
	CHECK(clm_readable(sel, 0) == 0);

	/* a callbacks structure without the node get callback */
	static const SaClmCallbacksT track_only = { NULL, track_cb };
	SaClmHandleT h2;
	SaVersionT v = { 'B', 1, 1 };
	CHECK_RC(saClmInitialize(&h2, &track_only, &v), SA_AIS_OK);
	CHECK_RC(saClmClusterNodeGetAsync(h2, 1, SA_CLM_LOCAL_NODE_ID), SA_AIS_ERR_INIT);
	CHECK_RC(saClmFinalize(h2), SA_AIS_OK);
}

/* Every function on a handle that is not (or no longer) valid. */
static void all_bad_handle(const char *what, SaClmHandleT h)
{
	SaSelectionObjectT sel;
	SaClmClusterNodeT n;
	SaClmClusterNotificationT items[2];
	SaClmClusterNotificationBufferT buf = { 0, 2, items };

	printf("# every call on %s (%#llx)\n", what, (unsigned long long)h);
	CHECK_RC(saClmSelectionObjectGet(h, &sel), SA_AIS_ERR_BAD_HANDLE);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ONE), SA_AIS_ERR_BAD_HANDLE);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ALL), SA_AIS_ERR_BAD_HANDLE);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_BLOCKING), SA_AIS_ERR_BAD_HANDLE);
	CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, MS(5000), &n), SA_AIS_ERR_BAD_HANDLE);
	CHECK_RC(saClmClusterNodeGetAsync(h, 1, SA_CLM_LOCAL_NODE_ID), SA_AIS_ERR_BAD_HANDLE);
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, &buf), SA_AIS_ERR_BAD_HANDLE);
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, NULL), SA_AIS_ERR_BAD_HANDLE);
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CHANGES, NULL), SA_AIS_ERR_BAD_HANDLE);
	CHECK_RC(saClmClusterTrackStop(h), SA_AIS_ERR_BAD_HANDLE);
	CHECK_RC(saClmFinalize(h), SA_AIS_ERR_BAD_HANDLE);
}

static void test_finalize(SaClmHandleT live)
{
	SaClmHandleT h;
	SaVersionT v = { 'B', 1, 1 };

	CHECK_RC(saClmInitialize(&h, &callbacks, &v), SA_AIS_OK);
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CHANGES, NULL), SA_AIS_OK);
	CHECK_RC(saClmFinalize(h), SA_AIS_OK);
	CHECK_RC(saClmFinalize(h), SA_AIS_ERR_BAD_HANDLE);	/* saftest finalizeTwice */
	all_bad_handle("a finalized handle", h);

	/* handles are never reused */
	SaClmHandleT h2;
	v = (SaVersionT){ 'B', 1, 1 };
	CHECK_RC(saClmInitialize(&h2, &callbacks, &v), SA_AIS_OK);
	CHECK(h2 != h);
	all_bad_handle("the old handle after a new Initialize", h);

	/* Finalize with a callback pending: dropped, no leak, no crash */
	SaSelectionObjectT sel;
	CHECK_RC(saClmSelectionObjectGet(h2, &sel), SA_AIS_OK);
	CHECK_RC(saClmClusterNodeGetAsync(h2, 9, SA_CLM_LOCAL_NODE_ID), SA_AIS_OK);
	CHECK(clm_readable(sel, 5000) == 1);
	int before = got.count;
	CHECK_RC(saClmFinalize(h2), SA_AIS_OK);
	CHECK(got.count == before);
	all_bad_handle("a handle finalized with a callback pending", h2);

	/* forged handles */
	all_bad_handle("SA_HANDLE_INVALID", SA_HANDLE_INVALID);
	all_bad_handle("0x12345", 0x12345);
	all_bad_handle("~0", ~(SaClmHandleT)0);
	/* the live handle's slot with other serials, and the next slot */
	all_bad_handle("a live handle's slot, a later serial", live + ((SaClmHandleT)1000 << 24));
	all_bad_handle("a live handle's slot, a high serial bit", live ^ ((SaClmHandleT)1 << 40));
	all_bad_handle("a live handle + 1", live + 1);

	/* and the live handle is unharmed */
	SaClmClusterNodeT n;
	CHECK_RC(saClmClusterNodeGet(live, SA_CLM_LOCAL_NODE_ID, MS(5000), &n), SA_AIS_OK);
}

int main(void)
{
	check_start("clm_api_test", 30);
	if (!clm_expect_load(&expect))
		return check_done();

	SaClmHandleT h;
	if (!CHECK_RC(clm_init_ready(&h, &callbacks), SA_AIS_OK))
		return check_done();

	test_initialize();
	test_selection_and_dispatch(h);
	test_node_get(h);
	test_node_get_async(h);
	test_finalize(h);
	CHECK(track_cb_count == 0);

	CHECK_RC(saClmFinalize(h), SA_AIS_OK);
	return check_done();
}
