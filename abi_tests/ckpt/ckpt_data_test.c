/* CKPT: data access with valid and invalid arguments: CheckpointWrite (vectors,
 * erroneousVectorIndex, limits), SectionOverwrite, CheckpointRead (caller and
 * library buffers, readSize). */
#include "ckpt_test.h"

static SaCkptCheckpointHandleT c, ro, wo;

static void setup(SaCkptHandleT h)
{
	SaNameT n = name_of("data");
	/* 3 sections of at most 64 bytes, 150 bytes in all */
	SaCkptCheckpointCreationAttributesT a =
		attrs_of(SA_CKPT_WR_ALL_REPLICAS, 150, SEC, 3, 64, 16);
	EXPECT(saCkptCheckpointOpen(h, &n, &a, SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ |
		SA_CKPT_CHECKPOINT_WRITE, SEC, &c), SA_AIS_OK);
	EXPECT(saCkptCheckpointOpen(h, &n, NULL, SA_CKPT_CHECKPOINT_READ, SEC, &ro), SA_AIS_OK);
	EXPECT(saCkptCheckpointOpen(h, &n, NULL, SA_CKPT_CHECKPOINT_WRITE, SEC, &wo), SA_AIS_OK);
	const char *ids[] = { "s0", "s1" };
	for (int i = 0; i < 2; i++) {
		SaCkptSectionIdT s = sid_of(ids[i]);
		SaCkptSectionCreationAttributesT ca = { &s, SA_TIME_END };
		EXPECT(saCkptSectionCreate(c, &ca, "0123456789", 10), SA_AIS_OK);
	}
}

static void test_write(void)
{
	SaCkptSectionIdT s0 = sid_of("s0"), s1 = sid_of("s1"), nx = sid_of("nx");
	SaCkptIOVectorElementT v[3] = {
		{ s0, "AB", 2, 0, 0 },
		{ s1, "xyz", 3, 8, 0 },	/* extends s1 to 11 bytes */
		{ s0, "C", 1, 5, 0 },
	};
	SaUint32T idx = 77;
	EXPECT(saCkptCheckpointWrite(c, v, 3, &idx), SA_AIS_OK);
	EXPECT(saCkptCheckpointWrite(c, v, 3, NULL), SA_AIS_OK);
	EXPECT(saCkptCheckpointWrite(c, NULL, 1, &idx), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptCheckpointWrite(c, v, 0, &idx), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptCheckpointWrite(0, v, 3, &idx), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptCheckpointWrite(ro, v, 3, &idx), SA_AIS_ERR_ACCESS);
	EXPECT(saCkptCheckpointWrite(wo, v, 3, &idx), SA_AIS_OK);

	/* a bad element: nothing is written, its index is reported */
	SaCkptIOVectorElementT bad[3] = {
		{ s0, "ZZ", 2, 0, 0 },
		{ s1, "q", 1, 0, 0 },
		{ nx, "q", 1, 0, 0 },
	};
	EXPECT(saCkptCheckpointWrite(c, bad, 3, &idx), SA_AIS_ERR_NOT_EXIST);
	CHECK(idx == 2);
	char big[70];
	memset(big, 'B', sizeof big);
	SaCkptIOVectorElementT over[2] = { { s0, "ZZ", 2, 0, 0 }, { s1, big, 10, 60, 0 } };
	EXPECT(saCkptCheckpointWrite(c, over, 2, &idx), SA_AIS_ERR_INVALID_PARAM);	/* > maxSectionSize */
	CHECK(idx == 1);
	SaCkptIOVectorElementT nullbuf[2] = { { s0, "ZZ", 2, 0, 0 }, { s1, NULL, 3, 0, 0 } };
	EXPECT(saCkptCheckpointWrite(c, nullbuf, 2, &idx), SA_AIS_ERR_INVALID_PARAM);
	CHECK(idx == 1);
	/* 10 + 11 bytes used of 150: 64 + 64 more would not fit */
	SaCkptSectionIdT s2 = sid_of("s2");
	SaCkptSectionCreationAttributesT ca = { &s2, SA_TIME_END };
	EXPECT(saCkptSectionCreate(c, &ca, big, 64), SA_AIS_OK);
	SaCkptIOVectorElementT full[2] = { { s0, big, 64, 0, 0 }, { s1, big, 64, 0, 0 } };
	EXPECT(saCkptCheckpointWrite(c, full, 2, &idx), SA_AIS_ERR_NO_SPACE);
	CHECK(idx == 1);
	SaCkptSectionIdT s2del = sid_of("s2");
	EXPECT(saCkptSectionDelete(c, &s2del), SA_AIS_OK);

	char buf[16];
	SaCkptIOVectorElementT r = { s0, buf, sizeof buf, 0, 0 };
	EXPECT(saCkptCheckpointRead(c, &r, 1, NULL), SA_AIS_OK);
	CHECK(r.readSize == 10 && memcmp(buf, "AB234C6789", 10) == 0);
}

static void test_overwrite(void)
{
	SaCkptSectionIdT s0 = sid_of("s0"), nx = sid_of("nx");
	EXPECT(saCkptSectionOverwrite(c, &s0, "new", 3), SA_AIS_OK);
	EXPECT(saCkptSectionOverwrite(c, NULL, "new", 3), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptSectionOverwrite(c, &s0, NULL, 3), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptSectionOverwrite(0, &s0, "new", 3), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptSectionOverwrite(ro, &s0, "new", 3), SA_AIS_ERR_ACCESS);
	EXPECT(saCkptSectionOverwrite(c, &nx, "new", 3), SA_AIS_ERR_NOT_EXIST);
	char big[65];
	memset(big, 'B', sizeof big);
	EXPECT(saCkptSectionOverwrite(c, &s0, big, 65), SA_AIS_ERR_INVALID_PARAM);
	SaCkptCheckpointDescriptorT st;
	EXPECT(saCkptCheckpointStatusGet(c, &st), SA_AIS_OK);
	CHECK(st.memoryUsed == 3 + 11);
	char buf[8] = { 0 };
	SaCkptIOVectorElementT r = { s0, buf, sizeof buf, 0, 0 };
	EXPECT(saCkptCheckpointRead(ro, &r, 1, NULL), SA_AIS_OK);
	CHECK(r.readSize == 3 && memcmp(buf, "new", 3) == 0);
}

static void test_read(void)
{
	SaCkptSectionIdT s0 = sid_of("s0"), s1 = sid_of("s1"), nx = sid_of("nx");
	char b0[2], b1[32];
	SaCkptIOVectorElementT v[3] = {
		{ s0, b0, sizeof b0, 1, 0 },	/* "ew": 2 of the 3 bytes, from offset 1 */
		{ s1, b1, sizeof b1, 8, 0 },	/* "xyz" */
		{ s1, NULL, 0, 2, 0 },		/* library buffer: from offset 2 to the end */
	};
	SaUint32T idx = 77;
	EXPECT(saCkptCheckpointRead(c, v, 3, &idx), SA_AIS_OK);
	CHECK(v[0].readSize == 2 && memcmp(b0, "ew", 2) == 0);
	CHECK(v[1].readSize == 3 && memcmp(b1, "xyz", 3) == 0);
	CHECK(v[2].dataBuffer != NULL && v[2].readSize == 9 &&
	      memcmp(v[2].dataBuffer, "234567xyz", 9) == 0);
	free(v[2].dataBuffer);

	SaCkptIOVectorElementT at_end = { s0, b1, sizeof b1, 3, 0 };
	EXPECT(saCkptCheckpointRead(c, &at_end, 1, NULL), SA_AIS_OK);
	CHECK(at_end.readSize == 0);
	SaCkptIOVectorElementT beyond[2] = { { s0, b1, 4, 0, 0 }, { s0, b1, 4, 4, 0 } };
	EXPECT(saCkptCheckpointRead(c, beyond, 2, &idx), SA_AIS_ERR_INVALID_PARAM);
	CHECK(idx == 1);
	SaCkptIOVectorElementT missing[2] = { { s0, b1, 4, 0, 0 }, { nx, b1, 4, 0, 0 } };
	EXPECT(saCkptCheckpointRead(c, missing, 2, &idx), SA_AIS_ERR_NOT_EXIST);
	CHECK(idx == 1);
	SaCkptIOVectorElementT one = { s0, b1, 4, 0, 0 };
	EXPECT(saCkptCheckpointRead(wo, &one, 1, &idx), SA_AIS_ERR_ACCESS);
	EXPECT(saCkptCheckpointRead(0, &one, 1, &idx), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptCheckpointRead(c, NULL, 1, &idx), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptCheckpointRead(c, &one, 0, &idx), SA_AIS_ERR_INVALID_PARAM);
}

/* Many elements (beyond what fits in one iovec) and big sections. */
static void test_large(SaCkptHandleT h)
{
	SaNameT n = name_of("large");
	SaCkptCheckpointCreationAttributesT a =
		attrs_of(SA_CKPT_WR_ALL_REPLICAS, 40 * 65536, SEC, 40, 65536, 8);
	SaCkptCheckpointHandleT l;
	EXPECT(saCkptCheckpointOpen(h, &n, &a, SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ |
		SA_CKPT_CHECKPOINT_WRITE, SEC, &l), SA_AIS_OK);
	enum { N = 20 };
	char ids[N][4];
	SaCkptIOVectorElementT v[N];
	static unsigned char data[N][65536];
	for (int i = 0; i < N; i++) {
		snprintf(ids[i], sizeof ids[i], "%d", i);
		SaCkptSectionIdT s = sid_of(ids[i]);
		SaCkptSectionCreationAttributesT ca = { &s, SA_TIME_END };
		EXPECT(saCkptSectionCreate(l, &ca, NULL, 0), SA_AIS_OK);
		memset(data[i], 'a' + i, sizeof data[i]);
		v[i] = (SaCkptIOVectorElementT){ s, data[i], sizeof data[i], 0, 0 };
	}
	EXPECT(saCkptCheckpointWrite(l, v, N, NULL), SA_AIS_OK);
	for (int i = 0; i < N; i++)
		v[i].dataBuffer = NULL;
	EXPECT(saCkptCheckpointRead(l, v, N, NULL), SA_AIS_OK);
	for (int i = 0; i < N; i++) {
		CHECK(v[i].readSize == 65536 && memcmp(v[i].dataBuffer, data[i], 65536) == 0);
		free(v[i].dataBuffer);
	}
	EXPECT(saCkptCheckpointClose(l), SA_AIS_OK);
}

int main(void)
{
	SaCkptHandleT h = init_handle(NULL);
	setup(h);
	test_write();
	test_overwrite();
	test_read();
	test_large(h);
	EXPECT(saCkptFinalize(h), SA_AIS_OK);
	return report("ckpt_data_test");
}
