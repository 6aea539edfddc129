/* totem_sq.c - ring-buffer sort queue. */
#include "totem_sq.h"

#include <stdlib.h>
#include <string.h>

int tsq_init(struct tsq *q, uint32_t cap, uint32_t slot_size)
{
	memset(q, 0, sizeof(*q));
	q->slots = calloc(cap, sizeof(*q->slots));
	q->data = malloc((size_t)cap * slot_size);
	if (q->slots == NULL || q->data == NULL) {
		tsq_free(q);
		return -1;
	}
	q->cap = cap;
	q->slot_size = slot_size;
	return 0;
}

void tsq_free(struct tsq *q)
{
	free(q->slots);
	free(q->data);
	q->slots = NULL;
	q->data = NULL;
}

void tsq_reset(struct tsq *q, uint64_t base)
{
	memset(q->slots, 0, (size_t)q->cap * sizeof(*q->slots));
	q->used = 0;
	q->base = base;
}

int tsq_in_window(const struct tsq *q, uint64_t seq)
{
	return seq > q->base && seq - q->base <= q->cap;
}

static struct tsq_slot *slot_of(const struct tsq *q, uint64_t seq)
{
	return &q->slots[seq % q->cap];
}

int tsq_has(const struct tsq *q, uint64_t seq)
{
	const struct tsq_slot *s;
	if (!tsq_in_window(q, seq))
		return 0;
	s = slot_of(q, seq);
	return s->used && s->seq == seq;
}

int tsq_put(struct tsq *q, uint64_t seq, const uint8_t *pkt, size_t len)
{
	struct tsq_slot *s;
	if (!tsq_in_window(q, seq) || len > q->slot_size)
		return -1;
	s = slot_of(q, seq);
	if (s->used)
		return 0;
	s->used = 1;
	s->seq = seq;
	s->len = (uint32_t)len;
	s->miss = 0;
	memcpy(q->data + (size_t)(seq % q->cap) * q->slot_size, pkt, len);
	q->used++;
	return 1;
}

const uint8_t *tsq_get(const struct tsq *q, uint64_t seq, size_t *len)
{
	if (!tsq_has(q, seq))
		return NULL;
	*len = slot_of(q, seq)->len;
	return q->data + (size_t)(seq % q->cap) * q->slot_size;
}

unsigned tsq_miss(struct tsq *q, uint64_t seq)
{
	struct tsq_slot *s;
	if (!tsq_in_window(q, seq))
		return 0;
	s = slot_of(q, seq);
	if (s->used)
		return 0;
	if (s->seq != seq) {
		s->seq = seq;
		s->miss = 0;
	}
	if (s->miss < 255)
		s->miss++;
	return s->miss;
}

void tsq_release(struct tsq *q, uint64_t upto)
{
	if (upto <= q->base)
		return;
	if (upto - q->base >= q->cap) {
		tsq_reset(q, upto);
		return;
	}
	for (uint64_t s = q->base + 1; s <= upto; s++) {
		struct tsq_slot *sl = slot_of(q, s);
		if (sl->used && sl->seq == s)
			q->used--;
		memset(sl, 0, sizeof(*sl));
	}
	q->base = upto;
}

void tsq_swap(struct tsq *a, struct tsq *b)
{
	struct tsq t = *a;
	*a = *b;
	*b = t;
}
