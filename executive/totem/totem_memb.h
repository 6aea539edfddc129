/* totem_memb.h - sets of node ids kept as sorted arrays (ascending, unique). */
#ifndef TOTEM_MEMB_H
#define TOTEM_MEMB_H

#include <stdint.h>

#include "totem_core.h"

struct tm_set {
	uint32_t n;
	uint32_t id[TC_MAX_NODES];
};

void tm_clear(struct tm_set *s);
int tm_has(const struct tm_set *s, uint32_t id);
int tm_add(struct tm_set *s, uint32_t id);             /* 0, or -1 when full */
void tm_remove(struct tm_set *s, uint32_t id);
void tm_from_array(struct tm_set *s, const uint32_t *ids, uint32_t n);
int tm_union(struct tm_set *dst, const struct tm_set *add); /* 1 if dst changed */
void tm_minus(struct tm_set *out, const struct tm_set *a, const struct tm_set *b);
void tm_and(struct tm_set *out, const struct tm_set *a, const struct tm_set *b);
int tm_equal(const struct tm_set *a, const struct tm_set *b);
int tm_subset(const struct tm_set *sub, const struct tm_set *super);
int tm_index(const struct tm_set *s, uint32_t id);     /* position, or -1 */

#endif
