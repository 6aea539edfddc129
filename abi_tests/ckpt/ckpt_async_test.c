/* CKPT: callbacks and the replica operations: CheckpointOpenAsync (the open
 * callback's invocation, handle and error), CheckpointSynchronize and
 * CheckpointSynchronizeAsync, ActiveReplicaSet on collocated checkpoints,
 * Dispatch with every flag. */
#include "ckpt_test.h"

static int opens;
static SaInvocationT open_inv;
static SaCkptCheckpointHandleT open_handle;
static SaAisErrorT open_err;
static int syncs;
static SaInvocationT sync_inv;
static SaAisErrorT sync_err;

static void on_open(SaInvocationT invocation, const SaCkptCheckpointHandleT h, SaAisErrorT error)
{
	opens++;
	open_inv = invocation;
	open_handle = h;
	open_err = error;
}

static void on_sync(SaInvocationT invocation, SaAisErrorT error)
{
	syncs++;
	sync_inv = invocation;
	sync_err = error;
}

static void dispatch_one(SaCkptHandleT h)
{
	SaSelectionObjectT so;
	EXPECT(saCkptSelectionObjectGet(h, &so), SA_AIS_OK);
	CHECK(wait_readable(so, 5000) == 1);
	EXPECT(saCkptDispatch(h, SA_DISPATCH_ONE), SA_AIS_OK);
}

static void test_open_async(SaCkptHandleT h, SaCkptHandleT nocb)
{
	SaNameT n = name_of("async");
	SaCkptCheckpointCreationAttributesT a =
		attrs_of(SA_CKPT_WR_ACTIVE_REPLICA, 100, SEC, 1, 100, 0);
	SaCkptCheckpointOpenFlagsT f = SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_WRITE |
		SA_CKPT_CHECKPOINT_READ;

	EXPECT(saCkptCheckpointOpenAsync(nocb, 1, &n, &a, f), SA_AIS_ERR_INIT);
	EXPECT(saCkptCheckpointOpenAsync(0, 1, &n, &a, f), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptCheckpointOpenAsync(h, 1, NULL, &a, f), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptCheckpointOpenAsync(h, 1, &n, &a, f | 0x40), SA_AIS_ERR_BAD_FLAGS);
	EXPECT(saCkptCheckpointOpenAsync(h, 1, &n, NULL, f), SA_AIS_ERR_INVALID_PARAM);

	EXPECT(saCkptCheckpointOpenAsync(h, 4711, &n, &a, f), SA_AIS_OK);
	dispatch_one(h);
	CHECK(opens == 1 && open_inv == 4711 && open_err == SA_AIS_OK && open_handle != 0);
	SaCkptCheckpointHandleT c = open_handle;
	SaCkptCheckpointDescriptorT st;
	EXPECT(saCkptCheckpointStatusGet(c, &st), SA_AIS_OK);
	CHECK(st.checkpointCreationAttributes.creationFlags == SA_CKPT_WR_ACTIVE_REPLICA);

	/* an error found by the executive comes with the callback */
	SaNameT missing = name_of("missing");
	EXPECT(saCkptCheckpointOpenAsync(h, 4712, &missing, NULL, SA_CKPT_CHECKPOINT_READ), SA_AIS_OK);
	dispatch_one(h);
	CHECK(opens == 2 && open_inv == 4712 && open_err == SA_AIS_ERR_NOT_EXIST);
	SaCkptCheckpointCreationAttributesT other = a;
	other.checkpointSize = 50;
	EXPECT(saCkptCheckpointOpenAsync(h, 4713, &n, &other, f), SA_AIS_OK);
	dispatch_one(h);
	CHECK(opens == 3 && open_inv == 4713 && open_err == SA_AIS_ERR_EXIST);

	/* synchronize: an asynchronous checkpoint whose active replica the service chose */
	EXPECT(saCkptCheckpointSynchronize(c, SEC), SA_AIS_OK);
	EXPECT(saCkptCheckpointSynchronize(c, 0), SA_AIS_OK);	/* 0: no limit (openais 0.80) */
	EXPECT(saCkptCheckpointSynchronize(c, -1), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptCheckpointSynchronize(0, SEC), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptCheckpointSynchronizeAsync(c, 99), SA_AIS_OK);
	dispatch_one(h);
	CHECK(syncs == 1 && sync_inv == 99 && sync_err == SA_AIS_OK);
	EXPECT(saCkptCheckpointSynchronizeAsync(0, 99), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptActiveReplicaSet(c), SA_AIS_ERR_BAD_OPERATION);	/* not collocated */
	EXPECT(saCkptCheckpointClose(c), SA_AIS_OK);

	/* a synchronous checkpoint cannot be synchronized */
	SaNameT sn = name_of("synchronous");
	SaCkptCheckpointCreationAttributesT sa =
		attrs_of(SA_CKPT_WR_ALL_REPLICAS, 100, SEC, 1, 100, 0);
	SaCkptCheckpointHandleT s, sro;
	EXPECT(saCkptCheckpointOpen(h, &sn, &sa, f, SEC, &s), SA_AIS_OK);
	EXPECT(saCkptCheckpointSynchronize(s, SEC), SA_AIS_ERR_BAD_OPERATION);
	EXPECT(saCkptCheckpointSynchronizeAsync(s, 5), SA_AIS_OK);
	dispatch_one(h);
	CHECK(syncs == 2 && sync_inv == 5 && sync_err == SA_AIS_ERR_BAD_OPERATION);
	EXPECT(saCkptCheckpointOpen(h, &sn, NULL, SA_CKPT_CHECKPOINT_READ, SEC, &sro), SA_AIS_OK);
	EXPECT(saCkptCheckpointSynchronize(sro, SEC), SA_AIS_ERR_ACCESS);
	EXPECT(saCkptCheckpointClose(sro), SA_AIS_OK);
	SaCkptCheckpointHandleT snocb;
	EXPECT(saCkptCheckpointOpen(nocb, &sn, NULL, SA_CKPT_CHECKPOINT_WRITE, SEC, &snocb), SA_AIS_OK);
	EXPECT(saCkptCheckpointSynchronizeAsync(snocb, 5), SA_AIS_ERR_INIT);
	EXPECT(saCkptCheckpointClose(s), SA_AIS_OK);
}

static void test_collocated(SaCkptHandleT h)
{
	SaNameT n = name_of("collocated");
	SaCkptCheckpointCreationAttributesT a = attrs_of(SA_CKPT_WR_ACTIVE_REPLICA_WEAK |
		SA_CKPT_CHECKPOINT_COLLOCATED, 100, SEC, 1, 100, 0);
	SaCkptCheckpointHandleT c;
	EXPECT(saCkptCheckpointOpen(h, &n, &a, SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_WRITE |
		SA_CKPT_CHECKPOINT_READ, SEC, &c), SA_AIS_OK);
	SaCkptSectionIdT def = SA_CKPT_DEFAULT_SECTION_ID;
	SaCkptIOVectorElementT w = { def, "abc", 3, 0, 0 };
	SaUint32T idx;
	/* no active replica yet */
	EXPECT(saCkptCheckpointWrite(c, &w, 1, &idx), SA_AIS_ERR_NOT_EXIST);
	EXPECT(saCkptCheckpointSynchronize(c, SEC), SA_AIS_ERR_NOT_EXIST);
	EXPECT(saCkptActiveReplicaSet(c), SA_AIS_OK);
	EXPECT(saCkptCheckpointWrite(c, &w, 1, &idx), SA_AIS_OK);
	EXPECT(saCkptCheckpointSynchronize(c, SEC), SA_AIS_OK);
	char buf[4];
	SaCkptIOVectorElementT r = { def, buf, sizeof buf, 0, 0 };
	EXPECT(saCkptCheckpointRead(c, &r, 1, NULL), SA_AIS_OK);
	CHECK(r.readSize == 3 && memcmp(buf, "abc", 3) == 0);
	EXPECT(saCkptCheckpointClose(c), SA_AIS_OK);
}

/* Finalize while an async open is outstanding; dispatch after finalize. */
static void test_finalize_with_pending(void)
{
	SaCkptCallbacksT cb = { on_open, on_sync };
	SaCkptHandleT h = init_handle(&cb);
	SaNameT n = name_of("pending");
	SaCkptCheckpointCreationAttributesT a =
		attrs_of(SA_CKPT_WR_ALL_REPLICAS, 100, 0, 1, 100, 0);
	int before = opens;
	EXPECT(saCkptCheckpointOpenAsync(h, 1, &n, &a, SA_CKPT_CHECKPOINT_CREATE), SA_AIS_OK);
	EXPECT(saCkptFinalize(h), SA_AIS_OK);
	EXPECT(saCkptDispatch(h, SA_DISPATCH_ALL), SA_AIS_ERR_BAD_HANDLE);
	CHECK(opens == before);
}

int main(void)
{
	SaCkptCallbacksT cb = { on_open, on_sync };
	SaCkptHandleT h = init_handle(&cb);
	SaCkptHandleT nocb = init_handle(NULL);
	test_open_async(h, nocb);
	test_collocated(h);
	EXPECT(saCkptDispatch(h, SA_DISPATCH_ALL), SA_AIS_OK);
	test_finalize_with_pending();
	EXPECT(saCkptFinalize(nocb), SA_AIS_OK);
	EXPECT(saCkptFinalize(h), SA_AIS_OK);
	return report("ckpt_async_test");
}
