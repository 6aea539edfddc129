/* totem_memb.c - sorted node-id sets. */
#include "totem_memb.h"

#include <string.h>

void tm_clear(struct tm_set *s)
{
	s->n = 0;
}

int tm_index(const struct tm_set *s, uint32_t id)
{
	uint32_t lo = 0, hi = s->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->id[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo < s->n && s->id[lo] == id) ? (int)lo : -1;
}

int tm_has(const struct tm_set *s, uint32_t id)
{
	return tm_index(s, id) >= 0;
}

int tm_add(struct tm_set *s, uint32_t id)
{
	uint32_t i = 0;
	while (i < s->n && s->id[i] < id)
		i++;
	if (i < s->n && s->id[i] == id)
		return 0;
	if (s->n >= TC_MAX_NODES)
		return -1;
	memmove(&s->id[i + 1], &s->id[i], (s->n - i) * sizeof(uint32_t));
	s->id[i] = id;
	s->n++;
	return 0;
}

void tm_remove(struct tm_set *s, uint32_t id)
{
	int i = tm_index(s, id);
	if (i < 0)
		return;
	memmove(&s->id[i], &s->id[i + 1], (s->n - (uint32_t)i - 1) * sizeof(uint32_t));
	s->n--;
}

void tm_from_array(struct tm_set *s, const uint32_t *ids, uint32_t n)
{
	tm_clear(s);
	for (uint32_t i = 0; i < n; i++)
		(void)tm_add(s, ids[i]);
}

int tm_union(struct tm_set *dst, const struct tm_set *add)
{
	uint32_t before = dst->n;
	for (uint32_t i = 0; i < add->n; i++)
		(void)tm_add(dst, add->id[i]);
	return dst->n != before;
}

void tm_minus(struct tm_set *out, const struct tm_set *a, const struct tm_set *b)
{
	struct tm_set r;
	tm_clear(&r);
	for (uint32_t i = 0; i < a->n; i++)
		if (!tm_has(b, a->id[i]))
			r.id[r.n++] = a->id[i];
	*out = r;
}

void tm_and(struct tm_set *out, const struct tm_set *a, const struct tm_set *b)
{
	struct tm_set r;
	tm_clear(&r);
	for (uint32_t i = 0; i < a->n; i++)
		if (tm_has(b, a->id[i]))
			r.id[r.n++] = a->id[i];
	*out = r;
}

int tm_equal(const struct tm_set *a, const struct tm_set *b)
{
	return a->n == b->n && memcmp(a->id, b->id, a->n * sizeof(uint32_t)) == 0;
}

int tm_subset(const struct tm_set *sub, const struct tm_set *super)
{
	for (uint32_t i = 0; i < sub->n; i++)
		if (!tm_has(super, sub->id[i]))
			return 0;
	return 1;
}
