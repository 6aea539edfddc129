/* CKPT: sections with valid and invalid arguments: SectionCreate (given,
 * generated and default ids), SectionDelete, SectionExpirationTimeSet and
 * expiration, SectionIterationInitialize / Next / Finalize with every
 * SaCkptSectionsChosenT. */
#include "ckpt_test.h"

static SaCkptCheckpointHandleT open_new(SaCkptHandleT h, const char *name,
	SaCkptCheckpointOpenFlagsT flags, SaUint32T sections, SaSizeT size)
{
	SaNameT n = name_of(name);
	SaCkptCheckpointCreationAttributesT a =
		attrs_of(SA_CKPT_WR_ALL_REPLICAS, size, SEC, sections, 100, 8);
	SaCkptCheckpointHandleT c = 0;
	EXPECT(saCkptCheckpointOpen(h, &n, &a, SA_CKPT_CHECKPOINT_CREATE | flags, SEC, &c), SA_AIS_OK);
	return c;
}

static void test_create_delete(SaCkptHandleT h)
{
	SaCkptCheckpointHandleT c = open_new(h, "sections", SA_CKPT_CHECKPOINT_WRITE |
		SA_CKPT_CHECKPOINT_READ, 4, 200);
	SaCkptSectionIdT s1 = sid_of("one");
	SaCkptSectionCreationAttributesT ca = { &s1, SA_TIME_END };

	EXPECT(saCkptSectionCreate(c, NULL, "x", 1), SA_AIS_ERR_INVALID_PARAM);
	SaCkptSectionCreationAttributesT noid = { NULL, SA_TIME_END };
	EXPECT(saCkptSectionCreate(c, &noid, "x", 1), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptSectionCreate(c, &ca, NULL, 5), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptSectionCreate(0, &ca, "x", 1), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptSectionCreate(c, &ca, "hello", 5), SA_AIS_OK);
	EXPECT(saCkptSectionCreate(c, &ca, "hello", 5), SA_AIS_ERR_EXIST);
	SaCkptSectionIdT longid = sid_of("ninechars");
	SaCkptSectionCreationAttributesT cl = { &longid, SA_TIME_END };
	EXPECT(saCkptSectionCreate(c, &cl, "", 0), SA_AIS_ERR_INVALID_PARAM);	/* > maxSectionIdSize */
	char big[101];
	memset(big, 'b', sizeof big);
	SaCkptSectionIdT s2 = sid_of("two");
	SaCkptSectionCreationAttributesT ca2 = { &s2, SA_TIME_END };
	EXPECT(saCkptSectionCreate(c, &ca2, big, 101), SA_AIS_ERR_INVALID_PARAM);	/* > maxSectionSize */
	EXPECT(saCkptSectionCreate(c, &ca2, big, 100), SA_AIS_OK);
	SaCkptSectionIdT s3 = sid_of("three");
	SaCkptSectionCreationAttributesT ca3 = { &s3, SA_TIME_END };
	EXPECT(saCkptSectionCreate(c, &ca3, big, 100), SA_AIS_ERR_NO_SPACE);	/* checkpointSize */

	/* generated ids: memory from the library, freed by the process */
	SaCkptSectionIdT gen = SA_CKPT_GENERATED_SECTION_ID;
	SaCkptSectionCreationAttributesT cg = { &gen, SA_TIME_END };
	EXPECT(saCkptSectionCreate(c, &cg, "g", 1), SA_AIS_OK);
	CHECK(gen.idLen > 0 && gen.id != NULL);
	SaCkptSectionIdT gen2 = SA_CKPT_GENERATED_SECTION_ID;
	SaCkptSectionCreationAttributesT cg2 = { &gen2, SA_TIME_END };
	EXPECT(saCkptSectionCreate(c, &cg2, "h", 1), SA_AIS_OK);
	CHECK(gen2.id != NULL && (gen2.idLen != gen.idLen || memcmp(gen.id, gen2.id, gen.idLen) != 0));
	EXPECT(saCkptSectionCreate(c, &ca3, "", 0), SA_AIS_ERR_NO_SPACE);	/* maxSections */

	SaCkptCheckpointDescriptorT st;
	EXPECT(saCkptCheckpointStatusGet(c, &st), SA_AIS_OK);
	CHECK(st.numberOfSections == 4 && st.memoryUsed == 107);

	EXPECT(saCkptSectionDelete(c, NULL), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptSectionDelete(0, &s1), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptSectionDelete(c, &gen), SA_AIS_OK);
	EXPECT(saCkptSectionDelete(c, &gen), SA_AIS_ERR_NOT_EXIST);
	SaCkptSectionIdT def = SA_CKPT_DEFAULT_SECTION_ID;
	EXPECT(saCkptSectionDelete(c, &def), SA_AIS_ERR_INVALID_PARAM);
	free(gen.id);
	free(gen2.id);

	/* read-only opener */
	SaNameT n = name_of("sections");
	SaCkptCheckpointHandleT ro;
	EXPECT(saCkptCheckpointOpen(h, &n, NULL, SA_CKPT_CHECKPOINT_READ, SEC, &ro), SA_AIS_OK);
	EXPECT(saCkptSectionCreate(ro, &ca3, "", 0), SA_AIS_ERR_ACCESS);
	EXPECT(saCkptSectionDelete(ro, &s1), SA_AIS_ERR_ACCESS);
	EXPECT(saCkptSectionExpirationTimeSet(ro, &s1, SA_TIME_END), SA_AIS_ERR_ACCESS);
	EXPECT(saCkptCheckpointClose(ro), SA_AIS_OK);
	EXPECT(saCkptCheckpointClose(c), SA_AIS_OK);
}

static void test_default_section(SaCkptHandleT h)
{
	SaCkptCheckpointHandleT c = open_new(h, "default", SA_CKPT_CHECKPOINT_WRITE |
		SA_CKPT_CHECKPOINT_READ, 1, 100);
	SaCkptCheckpointDescriptorT st;
	EXPECT(saCkptCheckpointStatusGet(c, &st), SA_AIS_OK);
	CHECK(st.numberOfSections == 1);
	SaCkptSectionIdT s = sid_of("x");
	SaCkptSectionCreationAttributesT ca = { &s, SA_TIME_END };
	EXPECT(saCkptSectionCreate(c, &ca, "", 0), SA_AIS_ERR_NO_SPACE);
	SaCkptSectionIdT def = SA_CKPT_DEFAULT_SECTION_ID;
	EXPECT(saCkptSectionExpirationTimeSet(c, &def, now_ns() + SEC), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptSectionDelete(c, &def), SA_AIS_ERR_INVALID_PARAM);
	SaCkptIOVectorElementT w = { def, "abc", 3, 0, 0 };
	EXPECT(saCkptCheckpointWrite(c, &w, 1, NULL), SA_AIS_OK);
	char buf[8] = { 0 };
	SaCkptIOVectorElementT r = { def, buf, sizeof buf, 0, 0 };
	EXPECT(saCkptCheckpointRead(c, &r, 1, NULL), SA_AIS_OK);
	CHECK(r.readSize == 3 && memcmp(buf, "abc", 3) == 0);
	EXPECT(saCkptCheckpointClose(c), SA_AIS_OK);
}

static void test_expiration(SaCkptHandleT h)
{
	SaCkptCheckpointHandleT c = open_new(h, "expire", SA_CKPT_CHECKPOINT_WRITE |
		SA_CKPT_CHECKPOINT_READ, 10, 1000);
	SaCkptSectionIdT a = sid_of("a"), b = sid_of("b"), nx = sid_of("nx");
	SaCkptSectionCreationAttributesT ca = { &a, now_ns() + 300 * 1000000LL };
	SaCkptSectionCreationAttributesT cb = { &b, SA_TIME_END };
	EXPECT(saCkptSectionCreate(c, &ca, "1", 1), SA_AIS_OK);
	EXPECT(saCkptSectionCreate(c, &cb, "2", 1), SA_AIS_OK);
	EXPECT(saCkptSectionExpirationTimeSet(c, NULL, SA_TIME_END), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptSectionExpirationTimeSet(0, &b, SA_TIME_END), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptSectionExpirationTimeSet(c, &nx, SA_TIME_END), SA_AIS_ERR_NOT_EXIST);
	EXPECT(saCkptSectionExpirationTimeSet(c, &b, now_ns() + 400 * 1000000LL), SA_AIS_OK);
	SaCkptCheckpointDescriptorT st;
	EXPECT(saCkptCheckpointStatusGet(c, &st), SA_AIS_OK);
	CHECK(st.numberOfSections == 2);
	sleep_ms(900);
	EXPECT(saCkptCheckpointStatusGet(c, &st), SA_AIS_OK);
	CHECK(st.numberOfSections == 0);
	char buf[4];
	SaCkptIOVectorElementT r = { a, buf, sizeof buf, 0, 0 };
	SaUint32T idx = 99;
	EXPECT(saCkptCheckpointRead(c, &r, 1, &idx), SA_AIS_ERR_NOT_EXIST);
	CHECK(idx == 0);
	EXPECT(saCkptCheckpointClose(c), SA_AIS_OK);
}

static int iterate(SaCkptCheckpointHandleT c, SaCkptSectionsChosenT how, SaTimeT when,
	char *seen, size_t seen_size)
{
	SaCkptSectionIterationHandleT it;
	EXPECT(saCkptSectionIterationInitialize(c, how, when, &it), SA_AIS_OK);
	SaCkptSectionDescriptorT d;
	int n = 0;
	seen[0] = '\0';
	SaAisErrorT err;
	while ((err = saCkptSectionIterationNext(it, &d)) == SA_AIS_OK) {
		CHECK(d.sectionState == SA_CKPT_SECTION_VALID);
		CHECK(d.sectionSize == d.sectionId.idLen);	/* each section holds its own id */
		CHECK(d.lastUpdate > 0);
		if (strlen(seen) + d.sectionId.idLen + 2 < seen_size) {
			strncat(seen, (const char *)d.sectionId.id, d.sectionId.idLen);
			strcat(seen, ",");
		}
		n++;
	}
	CHECK(err == SA_AIS_ERR_NO_SECTIONS);
	EXPECT(saCkptSectionIterationNext(it, &d), SA_AIS_ERR_NO_SECTIONS);
	EXPECT(saCkptSectionIterationFinalize(it), SA_AIS_OK);
	EXPECT(saCkptSectionIterationFinalize(it), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptSectionIterationNext(it, &d), SA_AIS_ERR_BAD_HANDLE);
	return n;
}

static void test_iteration(SaCkptHandleT h)
{
	SaCkptCheckpointHandleT c = open_new(h, "iterate", SA_CKPT_CHECKPOINT_WRITE |
		SA_CKPT_CHECKPOINT_READ, 10, 1000);
	SaTimeT t = now_ns() + 3600 * SEC;
	const char *ids[] = { "f1", "e1", "e2", "f2" };
	SaTimeT exp[] = { SA_TIME_END, t, t + 10 * SEC, SA_TIME_END };
	for (int i = 0; i < 4; i++) {
		SaCkptSectionIdT s = sid_of(ids[i]);
		SaCkptSectionCreationAttributesT ca = { &s, exp[i] };
		EXPECT(saCkptSectionCreate(c, &ca, ids[i], 2), SA_AIS_OK);
	}
	char seen[64];
	CHECK(iterate(c, SA_CKPT_SECTIONS_ANY, 0, seen, sizeof seen) == 4);
	CHECK(strcmp(seen, "f1,e1,e2,f2,") == 0);
	CHECK(iterate(c, SA_CKPT_SECTIONS_FOREVER, 0, seen, sizeof seen) == 2);
	CHECK(strcmp(seen, "f1,f2,") == 0);
	CHECK(iterate(c, SA_CKPT_SECTIONS_LEQ_EXPIRATION_TIME, t + SEC, seen, sizeof seen) == 1);
	CHECK(strcmp(seen, "e1,") == 0);
	CHECK(iterate(c, SA_CKPT_SECTIONS_GEQ_EXPIRATION_TIME, t + SEC, seen, sizeof seen) == 3);
	CHECK(strcmp(seen, "f1,e2,f2,") == 0);
	CHECK(iterate(c, SA_CKPT_SECTIONS_CORRUPTED, 0, seen, sizeof seen) == 0);

	SaCkptSectionIterationHandleT it;
	EXPECT(saCkptSectionIterationInitialize(c, SA_CKPT_SECTIONS_ANY, 0, NULL), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptSectionIterationInitialize(c, 0, 0, &it), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptSectionIterationInitialize(c, 6, 0, &it), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptSectionIterationInitialize(0, SA_CKPT_SECTIONS_ANY, 0, &it), SA_AIS_ERR_BAD_HANDLE);
	EXPECT(saCkptSectionIterationNext(0, NULL), SA_AIS_ERR_INVALID_PARAM);
	EXPECT(saCkptSectionIterationFinalize(0), SA_AIS_ERR_BAD_HANDLE);

	/* closing the checkpoint ends its iterations */
	EXPECT(saCkptSectionIterationInitialize(c, SA_CKPT_SECTIONS_ANY, 0, &it), SA_AIS_OK);
	SaCkptSectionDescriptorT d;
	EXPECT(saCkptSectionIterationNext(it, &d), SA_AIS_OK);
	EXPECT(saCkptCheckpointClose(c), SA_AIS_OK);
	EXPECT(saCkptSectionIterationNext(it, &d), SA_AIS_ERR_BAD_HANDLE);
}

int main(void)
{
	SaCkptHandleT h = init_handle(NULL);
	test_create_delete(h);
	test_default_section(h);
	test_expiration(h);
	test_iteration(h);
	EXPECT(saCkptFinalize(h), SA_AIS_OK);
	return report("ckpt_section_test");
}
