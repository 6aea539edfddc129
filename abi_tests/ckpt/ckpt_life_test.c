/* CKPT: the library life cycle and checkpoint management, with valid and
 * invalid arguments: Initialize, SelectionObjectGet, Dispatch, Finalize,
 * CheckpointOpen, CheckpointClose, CheckpointUnlink, RetentionDurationSet,
 * ActiveReplicaSet, CheckpointStatusGet. */
#include "ckpt_test.h"

static void test_initialize(void)
{
	SaCkptHandleT h;
	SaVersionT v = { 'B', 1, 1 };
	EXPECT(saCkptInitialize(NULL, NULL, &v), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptInitialize(&h, NULL, NULL), SA_AIS_ERR_INVALID_PARAM);
	SaVersionT bad = { 'C', 1, 1 };
	EXPECT(saCkptInitialize(&h, NULL, &bad), SA_AIS_ERR_VERSION);
	CHECK(bad.releaseCode == 'B' && bad.majorVersion == 1 && bad.minorVersion == 1);
	SaVersionT major = { 'B', 2, 0 };
	EXPECT(saCkptInitialize(&h, NULL, &major), SA_AIS_ERR_VERSION);
	SaVersionT minor = { 'B', 1, 0 };
	EXPECT(saCkptInitialize(&h, NULL, &minor), SA_AIS_OK);
	CHECK(minor.minorVersion == 1);

	SaSelectionObjectT so;
	EXPECT(saCkptSelectionObjectGet(h, NULL), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptSelectionObjectGet(h, &so), SA_AIS_OK);
	EXPECT(saCkptSelectionObjectGet(0, &so), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptDispatch(h, SA_DISPATCH_ALL), SA_AIS_OK);
	EXPECT(saCkptDispatch(h, SA_DISPATCH_ONE), SA_AIS_OK);
	EXPECT(saCkptDispatch(h, 0), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptDispatch(h + 1, SA_DISPATCH_ALL), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptFinalize(h), SA_AIS_OK);
	EXPECT(saCkptFinalize(h), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptSelectionObjectGet(h, &so), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptDispatch(h, SA_DISPATCH_ALL), SA_AIS_ERR_BAD_HANDLE);
}

static void test_open_arguments(SaCkptHandleT h)
{
	SaNameT n = name_of("args");
	SaCkptCheckpointHandleT c;
	SaCkptCheckpointCreationAttributesT a =
		attrs_of(SA_CKPT_WR_ALL_REPLICAS, 1000, SEC, 10, 100, 10);

	EXPECT(saCkptCheckpointOpen(h, &n, &a, SA_CKPT_CHECKPOINT_CREATE, SEC, NULL), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptCheckpointOpen(h, NULL, &a, SA_CKPT_CHECKPOINT_CREATE, SEC, &c), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptCheckpointOpen(h, &n, &a, 0x10 | SA_CKPT_CHECKPOINT_CREATE, SEC, &c), SA_AIS_ERR_BAD_FLAGS);
	EXPECT(saCkptCheckpointOpen(h, &n, NULL, SA_CKPT_CHECKPOINT_CREATE, SEC, &c), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptCheckpointOpen(h, &n, &a, SA_CKPT_CHECKPOINT_READ, SEC, &c), SA_AIS_ERR_INVALID_PARAM);
	SaNameT longname = n;
	longname.length = SA_MAX_NAME_LENGTH + 1;
	EXPECT(saCkptCheckpointOpen(h, &longname, NULL, SA_CKPT_CHECKPOINT_READ, SEC, &c), SA_AIS_ERR_INVALID_PARAM);

	SaCkptCheckpointCreationAttributesT bad = a;
	bad.checkpointSize = 1001;	/* more than maxSections * maxSectionSize */
	EXPECT(saCkptCheckpointOpen(h, &n, &bad, SA_CKPT_CHECKPOINT_CREATE, SEC, &c), SA_AIS_ERR_INVALID_PARAM);
	bad = a;
	bad.creationFlags = SA_CKPT_WR_ALL_REPLICAS | SA_CKPT_WR_ACTIVE_REPLICA;
	EXPECT(saCkptCheckpointOpen(h, &n, &bad, SA_CKPT_CHECKPOINT_CREATE, SEC, &c), SA_AIS_ERR_INVALID_PARAM);
	bad.creationFlags = 0;
	EXPECT(saCkptCheckpointOpen(h, &n, &bad, SA_CKPT_CHECKPOINT_CREATE, SEC, &c), SA_AIS_ERR_INVALID_PARAM);
	bad.creationFlags = 0x20 | SA_CKPT_WR_ALL_REPLICAS;
	EXPECT(saCkptCheckpointOpen(h, &n, &bad, SA_CKPT_CHECKPOINT_CREATE, SEC, &c), SA_AIS_ERR_INVALID_PARAM);
	bad = a;
	bad.maxSections = 0;
	EXPECT(saCkptCheckpointOpen(h, &n, &bad, SA_CKPT_CHECKPOINT_CREATE, SEC, &c), SA_AIS_ERR_INVALID_PARAM);
	bad = a;
	bad.retentionDuration = -1;
	EXPECT(saCkptCheckpointOpen(h, &n, &bad, SA_CKPT_CHECKPOINT_CREATE, SEC, &c), SA_AIS_ERR_INVALID_PARAM);

	EXPECT(saCkptCheckpointOpen(h, &n, &a, SA_CKPT_CHECKPOINT_CREATE, -1, &c), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptCheckpointOpen(0, &n, &a, SA_CKPT_CHECKPOINT_CREATE, SEC, &c), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptCheckpointOpen(h, &n, NULL, SA_CKPT_CHECKPOINT_READ, SEC, &c), SA_AIS_ERR_NOT_EXIST);

	/* timeout 0: carried out, as openais 0.80 does and dlm_controld expects */
	EXPECT(saCkptCheckpointOpen(h, &n, &a, SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_WRITE, 0, &c),
	       SA_AIS_OK);
	EXPECT(saCkptCheckpointClose(c), SA_AIS_OK);
	EXPECT(saCkptCheckpointOpen(h, &n, NULL, SA_CKPT_CHECKPOINT_READ, 0, &c), SA_AIS_OK);
	EXPECT(saCkptCheckpointClose(c), SA_AIS_OK);
	EXPECT(saCkptCheckpointUnlink(h, &n), SA_AIS_OK);
	EXPECT(saCkptCheckpointOpen(h, &n, NULL, SA_CKPT_CHECKPOINT_READ, 0, &c), SA_AIS_ERR_NOT_EXIST);
}

static void test_open_close_unlink(SaCkptHandleT h)
{
	SaNameT n = name_of("life");
	SaCkptCheckpointHandleT c1, c2, c3;
	SaCkptCheckpointCreationAttributesT a =
		attrs_of(SA_CKPT_WR_ALL_REPLICAS, 1000, SEC, 10, 100, 10);

	EXPECT(saCkptCheckpointOpen(h, &n, &a, SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_WRITE,
		SEC, &c1), SA_AIS_OK);
	/* same attributes: opens the existing one; other attributes: exists */
	EXPECT(saCkptCheckpointOpen(h, &n, &a, SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ,
		SEC, &c2), SA_AIS_OK);
	CHECK(c1 != c2);
	SaCkptCheckpointCreationAttributesT other = a;
	other.maxSectionSize = 200;
	EXPECT(saCkptCheckpointOpen(h, &n, &other, SA_CKPT_CHECKPOINT_CREATE, SEC, &c3), SA_AIS_ERR_EXIST);
	EXPECT(saCkptCheckpointOpen(h, &n, NULL, 0, SEC, &c3), SA_AIS_OK);

	SaCkptCheckpointDescriptorT st;
	EXPECT(saCkptCheckpointStatusGet(c1, NULL), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptCheckpointStatusGet(c1, &st), SA_AIS_OK);
	CHECK(st.checkpointCreationAttributes.maxSections == 10);
	CHECK(st.checkpointCreationAttributes.checkpointSize == 1000);
	CHECK(st.checkpointCreationAttributes.maxSectionSize == 100);
	CHECK(st.checkpointCreationAttributes.maxSectionIdSize == 10);
	CHECK(st.checkpointCreationAttributes.creationFlags == SA_CKPT_WR_ALL_REPLICAS);
	CHECK(st.numberOfSections == 0 && st.memoryUsed == 0);

	/* retention */
	EXPECT(saCkptCheckpointRetentionDurationSet(c1, -5), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptCheckpointRetentionDurationSet(c1, 2 * SEC), SA_AIS_OK);
	EXPECT(saCkptCheckpointStatusGet(c2, &st), SA_AIS_OK);
	CHECK(st.checkpointCreationAttributes.retentionDuration == 2 * SEC);
	EXPECT(saCkptCheckpointRetentionDurationSet(0, SEC), SA_AIS_ERR_BAD_HANDLE);

	/* active replica: only for collocated asynchronous checkpoints */
	EXPECT(saCkptActiveReplicaSet(c1), SA_AIS_ERR_BAD_OPERATION);
	EXPECT(saCkptActiveReplicaSet(c2), SA_AIS_ERR_ACCESS);
	EXPECT(saCkptActiveReplicaSet(0), SA_AIS_ERR_BAD_HANDLE);

	/* unlink: the name is free at once, openers keep the checkpoint */
	EXPECT(saCkptCheckpointUnlink(h, NULL), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptCheckpointUnlink(0, &n), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptCheckpointUnlink(h, &n), SA_AIS_OK);
	EXPECT(saCkptCheckpointUnlink(h, &n), SA_AIS_ERR_NOT_EXIST);
	EXPECT(saCkptCheckpointOpen(h, &n, NULL, SA_CKPT_CHECKPOINT_READ, SEC, &c3), SA_AIS_ERR_NOT_EXIST);
	EXPECT(saCkptCheckpointStatusGet(c1, &st), SA_AIS_OK);
	EXPECT(saCkptCheckpointRetentionDurationSet(c1, SEC), SA_AIS_ERR_BAD_OPERATION);
	SaCkptCheckpointHandleT fresh;
	EXPECT(saCkptCheckpointOpen(h, &n, &other, SA_CKPT_CHECKPOINT_CREATE, SEC, &fresh), SA_AIS_OK);

	EXPECT(saCkptCheckpointClose(c1), SA_AIS_OK);
	EXPECT(saCkptCheckpointClose(c1), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptCheckpointStatusGet(c1, &st), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptCheckpointClose(c2), SA_AIS_OK);
	EXPECT(saCkptCheckpointClose(0), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptCheckpointClose(h), SA_AIS_ERR_BAD_HANDLE);	/* a library handle */
	EXPECT(saCkptCheckpointClose(fresh), SA_AIS_OK);
}

/* A checkpoint nobody has open disappears after its retention duration. */
static void test_retention(SaCkptHandleT h)
{
	SaNameT n = name_of("retained");
	SaCkptCheckpointHandleT c;
	SaCkptCheckpointCreationAttributesT a =
		attrs_of(SA_CKPT_WR_ALL_REPLICAS, 100, 300 * 1000000LL, 1, 100, 0);
	EXPECT(saCkptCheckpointOpen(h, &n, &a, SA_CKPT_CHECKPOINT_CREATE, SEC, &c), SA_AIS_OK);
	EXPECT(saCkptCheckpointClose(c), SA_AIS_OK);
	EXPECT(saCkptCheckpointOpen(h, &n, NULL, SA_CKPT_CHECKPOINT_READ, SEC, &c), SA_AIS_OK);
	EXPECT(saCkptCheckpointClose(c), SA_AIS_OK);
	sleep_ms(700);
	EXPECT(saCkptCheckpointOpen(h, &n, NULL, SA_CKPT_CHECKPOINT_READ, SEC, &c), SA_AIS_ERR_NOT_EXIST);
}

/* Finalize invalidates the checkpoint handles of the library handle and
 * closes its checkpoints (retention starts). */
static void test_finalize_closes(void)
{
	SaCkptHandleT h = init_handle(NULL);
	SaCkptHandleT other = init_handle(NULL);
	SaNameT n = name_of("finalized");
	SaCkptCheckpointHandleT c, c2;
	SaCkptCheckpointCreationAttributesT a =
		attrs_of(SA_CKPT_WR_ALL_REPLICAS, 100, 0, 1, 100, 0);
	EXPECT(saCkptCheckpointOpen(h, &n, &a, SA_CKPT_CHECKPOINT_CREATE, SEC, &c), SA_AIS_OK);
	EXPECT(saCkptFinalize(h), SA_AIS_OK);
	SaCkptCheckpointDescriptorT st;
	EXPECT(saCkptCheckpointStatusGet(c, &st), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptCheckpointClose(c), SA_AIS_ERR_BAD_HANDLE);
	sleep_ms(300);	/* retention 0: gone once the executive closed it */
	EXPECT(saCkptCheckpointOpen(other, &n, NULL, SA_CKPT_CHECKPOINT_READ, SEC, &c2), SA_AIS_ERR_NOT_EXIST);
	EXPECT(saCkptFinalize(other), SA_AIS_OK);
}

int main(void)
{
	test_initialize();
	SaCkptHandleT h = init_handle(NULL);
	test_open_arguments(h);
	test_open_close_unlink(h);
	test_retention(h);
	test_finalize_closes();
	EXPECT(saCkptFinalize(h), SA_AIS_OK);
	return report("ckpt_life_test");
}
