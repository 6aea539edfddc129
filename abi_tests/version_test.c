/* Unit test of libsa's version negotiation (libsa/version.h) and name conversion (libsa/name.h). */
#include <stdio.h>
#include <string.h>

#include "name.h"
#include "version.h"

static int failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

static const SaVersionT b0101[] = { SA_VERSION_B_01_01 };

static SaAisErrorT check(char rc, unsigned char major, unsigned char minor, SaVersionT *out)
{
	*out = (SaVersionT){ rc, major, minor };
	return sa_version_check(out, b0101, 1);
}

static int is(const SaVersionT *v, char rc, unsigned char major, unsigned char minor)
{
	return v->releaseCode == rc && v->majorVersion == major && v->minorVersion == minor;
}

static void test_versions(void)
{
	SaVersionT v;

	CHECK(sa_version_check(NULL, b0101, 1) == SA_AIS_ERR_INVALID_PARAM);
	CHECK(check('B', 1, 1, &v) == SA_AIS_OK && is(&v, 'B', 1, 1));
	CHECK(check('B', 1, 0, &v) == SA_AIS_OK && is(&v, 'B', 1, 1));		/* minor ignored */
	CHECK(check('B', 1, 0xff, &v) == SA_AIS_OK && is(&v, 'B', 1, 1));
	CHECK(check('B', 0, 0, &v) == SA_AIS_OK && is(&v, 'B', 1, 1));		/* older major */
	CHECK(check('B', 2, 0, &v) == SA_AIS_ERR_VERSION && is(&v, 'B', 1, 1));	/* newer major */
	CHECK(check('A', 1, 1, &v) == SA_AIS_ERR_VERSION && is(&v, 'B', 1, 1));	/* lower release */
	CHECK(check('C', 1, 1, &v) == SA_AIS_ERR_VERSION && is(&v, 'B', 1, 1));	/* higher release */
	CHECK(check(0, 0, 0, &v) == SA_AIS_ERR_VERSION && is(&v, 'B', 1, 1));
	CHECK(check('b', 1, 1, &v) == SA_AIS_ERR_VERSION && is(&v, 'B', 1, 1));

	/* several release codes: the nearest higher one, else the highest lower one */
	const SaVersionT many[] = { { 'B', 1, 1 }, { 'D', 3, 2 }, { 'F', 2, 0 } };
	v = (SaVersionT){ 'C', 1, 0 };
	CHECK(sa_version_check(&v, many, 3) == SA_AIS_ERR_VERSION && is(&v, 'D', 3, 2));
	v = (SaVersionT){ 'A', 1, 0 };
	CHECK(sa_version_check(&v, many, 3) == SA_AIS_ERR_VERSION && is(&v, 'B', 1, 1));
	v = (SaVersionT){ 'G', 1, 0 };
	CHECK(sa_version_check(&v, many, 3) == SA_AIS_ERR_VERSION && is(&v, 'F', 2, 0));
	v = (SaVersionT){ 'D', 4, 0 };
	CHECK(sa_version_check(&v, many, 3) == SA_AIS_ERR_VERSION && is(&v, 'D', 3, 2));
	v = (SaVersionT){ 'D', 2, 0 };
	CHECK(sa_version_check(&v, many, 3) == SA_AIS_OK && is(&v, 'D', 3, 2));
}

static void test_names(void)
{
	SaNameT n = { .length = 5, .value = "hello" };
	struct ais_wire_name w;
	SaNameT back;

	memset(&w, 0xaa, sizeof w);
	CHECK(sa_name_to_wire(&w, &n) == SA_AIS_OK);
	CHECK(w.length == 5 && memcmp(w.value, "hello", 5) == 0 && w.value[5] == 0 && w.value[255] == 0);
	sa_name_from_wire(&back, &w);
	CHECK(back.length == 5 && memcmp(back.value, "hello", 5) == 0);

	n.length = SA_MAX_NAME_LENGTH;
	CHECK(sa_name_to_wire(&w, &n) == SA_AIS_OK);
	n.length = SA_MAX_NAME_LENGTH + 1;
	CHECK(sa_name_to_wire(&w, &n) == SA_AIS_ERR_INVALID_PARAM);
	CHECK(sa_name_to_wire(&w, NULL) == SA_AIS_ERR_INVALID_PARAM);

	w.length = 1000;	/* from a broken peer: clamped */
	sa_name_from_wire(&back, &w);
	CHECK(back.length == SA_MAX_NAME_LENGTH);
}

int main(void)
{
	test_versions();
	test_names();
	if (failures) {
		fprintf(stderr, "version_test: %d failure(s)\n", failures);
		return 1;
	}
	printf("version_test: ok\n");
	return 0;
}
