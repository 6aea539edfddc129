/*
 * totem_sq.h - sort queue: received MCAST packets of one ring, indexed by
 * seq modulo the capacity.  Seqs in (base, base + cap] can be stored; base
 * is the "last released" point below which everything was freed.
 */
#ifndef TOTEM_SQ_H
#define TOTEM_SQ_H

#include <stddef.h>
#include <stdint.h>

struct tsq_slot {
	uint64_t seq;
	uint32_t len;
	uint8_t used;
	uint8_t miss;
};

struct tsq {
	uint32_t cap;
	uint32_t slot_size;
	uint32_t used;
	uint64_t base;
	struct tsq_slot *slots;
	uint8_t *data;
};

int tsq_init(struct tsq *q, uint32_t cap, uint32_t slot_size);
void tsq_free(struct tsq *q);
void tsq_reset(struct tsq *q, uint64_t base);
int tsq_in_window(const struct tsq *q, uint64_t seq);
int tsq_has(const struct tsq *q, uint64_t seq);
/* 1 stored, 0 already present, -1 outside window or too long */
int tsq_put(struct tsq *q, uint64_t seq, const uint8_t *pkt, size_t len);
const uint8_t *tsq_get(const struct tsq *q, uint64_t seq, size_t *len);
/* Increment and return the miss counter of a missing seq (saturating). */
unsigned tsq_miss(struct tsq *q, uint64_t seq);
void tsq_release(struct tsq *q, uint64_t upto);
void tsq_swap(struct tsq *a, struct tsq *b);

#endif
