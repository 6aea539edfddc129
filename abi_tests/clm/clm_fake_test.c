/* clm_fake_test: the library against tests/clm_fake_exec.py, a scripted
 * executive with a three-node view (one IPv6 address, one 256-byte name), a
 * membership change (JOINED, LEFT) and protocol violations: what the real
 * one-node executive cannot produce.  The table below is the fake's. */
#include <stdlib.h>
#include <string.h>

#include "check.h"

struct fake_node {
	SaClmNodeIdT id;
	SaClmNodeAddressFamilyT family;
	SaUint16T addr_len;
	unsigned char addr[16];
	const char *name;	/* NULL: 256 times 'c' */
	SaTimeT boot;
	SaUint64T initial_view;
};

#define VIEW 42
#define NEXT_VIEW 43
#define BAD_RESPONSE_ID 0xBAD
#define BAD_LENGTHS 0xB16
#define BAD_CALLBACK 0xBADCB
#define BAD_CALLBACK_ERROR 0xBADE2

static const struct fake_node nodes[] = {
	{ 0x0A000001, SA_CLM_AF_INET, 4, { 10, 0, 0, 1 }, "node-a", 1000000000000000001LL, 7 },
	{ 0x0A000002, SA_CLM_AF_INET6, 16, { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 },
	  "node-b", 1000000000000000002LL, 40 },
	{ 0x0A000003, SA_CLM_AF_INET, 4, { 10, 0, 0, 3 }, NULL, 1000000000000000003LL, 42 },
};
static const struct fake_node joining =
	{ 0x0A000004, SA_CLM_AF_INET, 4, { 10, 0, 0, 4 }, "node-d", 1000000000000000004LL, 43 };

static bool node_is(const SaClmClusterNodeT *n, const struct fake_node *f, SaBoolT member)
{
	char name[257];
	if (f->name == NULL) {
		memset(name, 'c', 256);
		name[256] = '\0';
	} else {
		snprintf(name, sizeof name, "%s", f->name);
	}
	size_t len = strlen(name);
	bool ok = n->nodeId == f->id && n->nodeAddress.family == f->family &&
		n->nodeAddress.length == f->addr_len &&
		memcmp(n->nodeAddress.value, f->addr, f->addr_len) == 0 &&
		n->nodeName.length == len && memcmp(n->nodeName.value, name, len) == 0 &&
		n->member == member && n->bootTimestamp == f->boot &&
		n->initialViewNumber == f->initial_view;
	if (!ok)
		printf("# node %#x: got id %#x family %d len %u name length %u member %d boot %lld view %llu\n",
			(unsigned)f->id, (unsigned)n->nodeId, (int)n->nodeAddress.family,
			(unsigned)n->nodeAddress.length, (unsigned)n->nodeName.length,
			(int)n->member, (long long)n->bootTimestamp,
			(unsigned long long)n->initialViewNumber);
	return ok;
}

static bool is_current_view(const SaClmClusterNotificationT *items, SaUint32T n)
{
	if (n != 3)
		return false;
	for (int i = 0; i < 3; i++)
		if (items[i].clusterChange != SA_CLM_NODE_NO_CHANGE ||
		    !node_is(&items[i].clusterNode, &nodes[i], SA_TRUE))
			return false;
	return true;
}

/* the last track callback, copied */
static struct {
	int count;
	SaUint64T view;
	SaUint32T items, members;
	SaAisErrorT error;
	SaClmClusterNotificationT item[8];
} tr;

static void track_cb(const SaClmClusterNotificationBufferT *buf, SaUint32T members,
	SaAisErrorT error)
{
	tr.count++;
	tr.view = buf->viewNumber;
	tr.items = buf->numberOfItems;
	tr.members = members;
	tr.error = error;
	for (SaUint32T i = 0; i < buf->numberOfItems && i < 8; i++)
		tr.item[i] = buf->notification[i];
}

static struct {
	int count;
	SaInvocationT inv;
	SaAisErrorT error;
	SaClmClusterNodeT node;
} ng;

static void node_get_cb(SaInvocationT inv, const SaClmClusterNodeT *n, SaAisErrorT e)
{
	ng.count++;
	ng.inv = inv;
	ng.error = e;
	ng.node = *n;
}

static const SaClmCallbacksT callbacks = { node_get_cb, track_cb };

static void dispatch_one(SaClmHandleT h, SaSelectionObjectT sel)
{
	CHECK(clm_readable(sel, 5000) == 1);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ONE), SA_AIS_OK);
}

static void test_buffers(SaClmHandleT h)
{
	SaClmClusterNotificationT items[5];
	SaClmClusterNotificationBufferT buf;

	/* too small: NO_SPACE, numberOfItems says how many are needed */
	memset(items, 0xEE, sizeof items);
	buf = (SaClmClusterNotificationBufferT){ 0, 2, items };
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, &buf), SA_AIS_ERR_NO_SPACE);
	CHECK(buf.numberOfItems == 3);
	CHECK(buf.notification == items);
	buf = (SaClmClusterNotificationBufferT){ 0, 1, items };
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT | SA_TRACK_CHANGES, &buf),
		SA_AIS_ERR_NO_SPACE);
	CHECK(buf.numberOfItems == 3);
	/* and then with the size it asked for */
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, &buf), SA_AIS_OK);
	CHECK(buf.viewNumber == VIEW);
	CHECK(is_current_view(items, buf.numberOfItems));

	/* more room than needed: the rest untouched */
	memset(items, 0xEE, sizeof items);
	buf = (SaClmClusterNotificationBufferT){ 0, 5, items };
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, &buf), SA_AIS_OK);
	CHECK(is_current_view(items, buf.numberOfItems));
	unsigned char pattern[2 * sizeof items[0]];
	memset(pattern, 0xEE, sizeof pattern);
	CHECK(memcmp(&items[3], pattern, sizeof pattern) == 0);

	/* the library's buffer */
	buf = (SaClmClusterNotificationBufferT){ 0, 0, NULL };
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, &buf), SA_AIS_OK);
	CHECK(buf.notification != NULL && buf.viewNumber == VIEW);
	if (buf.notification != NULL)
		CHECK(is_current_view(buf.notification, buf.numberOfItems));
	free(buf.notification);
}

static void test_callbacks(SaClmHandleT h, SaSelectionObjectT sel)
{
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, NULL), SA_AIS_OK);
	dispatch_one(h, sel);
	CHECK(tr.count == 1 && tr.error == SA_AIS_OK && tr.view == VIEW && tr.members == 3);
	CHECK(is_current_view(tr.item, tr.items));

	/* a membership change: node c left, node d joined */
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CHANGES, NULL), SA_AIS_OK);
	dispatch_one(h, sel);
	CHECK(tr.count == 2 && tr.error == SA_AIS_OK && tr.view == NEXT_VIEW);
	CHECK_NOTE(tr.members == 3 && tr.items == 4, "CHANGES: every member and the one that left");
	CHECK(tr.item[0].clusterChange == SA_CLM_NODE_NO_CHANGE &&
	      node_is(&tr.item[0].clusterNode, &nodes[0], SA_TRUE));
	CHECK(tr.item[1].clusterChange == SA_CLM_NODE_NO_CHANGE &&
	      node_is(&tr.item[1].clusterNode, &nodes[1], SA_TRUE));
	CHECK(tr.item[2].clusterChange == SA_CLM_NODE_JOINED &&
	      node_is(&tr.item[2].clusterNode, &joining, SA_TRUE));
	CHECK(tr.item[3].clusterChange == SA_CLM_NODE_LEFT &&
	      node_is(&tr.item[3].clusterNode, &nodes[2], SA_FALSE));

	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CHANGES_ONLY, NULL), SA_AIS_OK);
	dispatch_one(h, sel);
	CHECK(tr.count == 3 && tr.view == NEXT_VIEW);
	CHECK_NOTE(tr.members == 3 && tr.items == 2, "CHANGES_ONLY: who joined and who left");
	CHECK(tr.item[0].clusterChange == SA_CLM_NODE_JOINED &&
	      node_is(&tr.item[0].clusterNode, &joining, SA_TRUE));
	CHECK(tr.item[1].clusterChange == SA_CLM_NODE_LEFT &&
	      node_is(&tr.item[1].clusterNode, &nodes[2], SA_FALSE));
	CHECK_RC(saClmClusterTrackStop(h), SA_AIS_OK);

	/* CURRENT|CHANGES_ONLY with a buffer: the view synchronously, the change
	 * through the callback */
	SaClmClusterNotificationT items[3];
	SaClmClusterNotificationBufferT buf = { 0, 3, items };
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT | SA_TRACK_CHANGES_ONLY, &buf), SA_AIS_OK);
	CHECK(is_current_view(items, buf.numberOfItems));
	dispatch_one(h, sel);
	CHECK(tr.count == 4 && tr.items == 2 && tr.view == NEXT_VIEW);
	CHECK(clm_readable(sel, 0) == 0);
}

static void test_nodes(SaClmHandleT h, SaSelectionObjectT sel)
{
	SaClmClusterNodeT n;
	for (int i = 0; i < 3; i++) {
		CHECK_RC(saClmClusterNodeGet(h, nodes[i].id, MS(5000), &n), SA_AIS_OK);
		CHECK(node_is(&n, &nodes[i], SA_TRUE));
	}
	CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, MS(5000), &n), SA_AIS_OK);
	CHECK(node_is(&n, &nodes[0], SA_TRUE));
	CHECK_RC(saClmClusterNodeGet(h, joining.id, MS(5000), &n), SA_AIS_ERR_NOT_EXIST);

	CHECK_RC(saClmClusterNodeGetAsync(h, 0x0102030405060708LL, nodes[1].id), SA_AIS_OK);
	dispatch_one(h, sel);
	CHECK(ng.count == 1 && ng.inv == 0x0102030405060708LL && ng.error == SA_AIS_OK);
	CHECK(node_is(&ng.node, &nodes[1], SA_TRUE));
	CHECK_RC(saClmClusterNodeGetAsync(h, 9, joining.id), SA_AIS_OK);
	dispatch_one(h, sel);
	CHECK(ng.count == 2 && ng.inv == 9 && ng.error == SA_AIS_ERR_NOT_EXIST);

	/* lengths out of range in a record: clamped to the structure, or refused */
	memset(&n, 0, sizeof n);
	SaAisErrorT err = saClmClusterNodeGet(h, BAD_LENGTHS, MS(5000), &n);
	char note[96];
	snprintf(note, sizeof note, "%s, address length %u, name length %u", check_err_name(err),
		(unsigned)n.nodeAddress.length, (unsigned)n.nodeName.length);
	CHECK_NOTE((err == SA_AIS_OK && n.nodeAddress.length <= SA_CLM_MAX_ADDRESS_LENGTH &&
		    n.nodeName.length <= SA_MAX_NAME_LENGTH) || err == SA_AIS_ERR_LIBRARY, note);
}

/* A response with the wrong id: the handle is dead, SA_AIS_ERR_LIBRARY. */
static void test_bad_response(void)
{
	SaClmHandleT h;
	SaVersionT v = { 'B', 1, 1 };
	SaClmClusterNodeT n;

	CHECK_RC(saClmInitialize(&h, &callbacks, &v), SA_AIS_OK);
	CHECK_RC(saClmClusterNodeGet(h, BAD_RESPONSE_ID, MS(5000), &n), SA_AIS_ERR_LIBRARY);
	CHECK_RC(saClmClusterNodeGet(h, nodes[0].id, MS(5000), &n), SA_AIS_ERR_LIBRARY);
	CHECK_RC(saClmClusterTrackStop(h), SA_AIS_ERR_LIBRARY);
	CHECK_RC(saClmFinalize(h), SA_AIS_OK);
}

/* Malformed callbacks: dispatch drops the frame and returns
 * SA_AIS_ERR_LIBRARY without calling back; the next dispatch goes on with
 * the next frame (libsa/dispatch.h), and the handle keeps working. */
static void test_bad_callback(SaClmNodeIdT trigger)
{
	SaClmHandleT h;
	SaVersionT v = { 'B', 1, 1 };
	SaSelectionObjectT sel;

	printf("# a malformed callback (%#x)\n", (unsigned)trigger);
	CHECK_RC(saClmInitialize(&h, &callbacks, &v), SA_AIS_OK);
	CHECK_RC(saClmSelectionObjectGet(h, &sel), SA_AIS_OK);
	int before = ng.count;
	CHECK_RC(saClmClusterNodeGetAsync(h, 1, trigger), SA_AIS_OK);
	CHECK(clm_readable(sel, 5000) == 1);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ALL), SA_AIS_ERR_LIBRARY);
	CHECK(ng.count == before);
	CHECK(clm_readable(sel, 0) == 0);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ONE), SA_AIS_OK);
	/* a bad frame between two good ones */
	CHECK_RC(saClmClusterNodeGetAsync(h, 2, nodes[0].id), SA_AIS_OK);
	CHECK_RC(saClmClusterNodeGetAsync(h, 3, trigger), SA_AIS_OK);
	CHECK_RC(saClmClusterNodeGetAsync(h, 4, nodes[2].id), SA_AIS_OK);
	SaClmClusterNodeT n;
	CHECK_RC(saClmClusterNodeGet(h, nodes[1].id, MS(5000), &n), SA_AIS_OK);
	CHECK(node_is(&n, &nodes[1], SA_TRUE));
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ALL), SA_AIS_ERR_LIBRARY);
	CHECK(ng.count == before + 1 && ng.inv == 2);
	CHECK_RC(saClmDispatch(h, SA_DISPATCH_ALL), SA_AIS_OK);
	CHECK(ng.count == before + 2 && ng.inv == 4 && node_is(&ng.node, &nodes[2], SA_TRUE));
	CHECK(clm_readable(sel, 0) == 0);
	CHECK_RC(saClmFinalize(h), SA_AIS_OK);
}

int main(void)
{
	check_start("clm_fake_test", 30);
	SaClmHandleT h;
	SaVersionT v = { 'B', 1, 1 };
	SaSelectionObjectT sel;
	if (!CHECK_RC(saClmInitialize(&h, &callbacks, &v), SA_AIS_OK))
		return check_done();
	CHECK_RC(saClmSelectionObjectGet(h, &sel), SA_AIS_OK);

	test_buffers(h);
	test_callbacks(h, sel);
	test_nodes(h, sel);
	CHECK_RC(saClmFinalize(h), SA_AIS_OK);
	test_bad_response();
	test_bad_callback(BAD_CALLBACK);
	test_bad_callback(BAD_CALLBACK_ERROR);
	return check_done();
}
