/*
 * totem_pack.h - the send queue of application messages, the frame builder
 * (packing of small messages, fragmentation of large ones) and reassembly.
 *
 * Frame = payload of one MCAST packet:
 *
 *   count u16, then count entries:
 *     whole:    kind=0 u8 | channel u8 | len u16 | data[len]
 *     fragment: kind=1 u8 | channel u8 | len u16 | msg_id u32 | index u16 |
 *               nfrags u16 | total u32 | data[len]
 *
 * A frame holds either whole messages of one guarantee, or exactly one
 * fragment.  A message is fragmented only if it does not fit an empty frame.
 * Fragments of one message are consecutive frames of their sender; a
 * receiver keeps one assembly per sender.
 */
#ifndef TOTEM_PACK_H
#define TOTEM_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "totem_core.h"

#define TPK_FRAME_HDR 2u
#define TPK_WHOLE_HDR 4u
#define TPK_FRAG_HDR 16u
#define TPK_REC_HDR 12u

/* Byte ring of records: len u32 | channel u8 | safe u8 | pad u16 | seqno u32 | data */
struct tpq {
	uint8_t *buf;
	uint64_t size;
	uint64_t head;        /* monotonic byte offsets */
	uint64_t tail;
	uint64_t count;
	uint32_t head_sent;   /* bytes of the head message already framed */
	uint16_t head_frag;   /* next fragment index of the head message */
	uint32_t head_msg_id;
	uint32_t next_msg_id;
};

int tpq_init(struct tpq *q, uint64_t size);
void tpq_free(struct tpq *q);
uint64_t tpq_used(const struct tpq *q);
uint64_t tpq_space(const struct tpq *q);
int tpq_push(struct tpq *q, uint8_t channel, int safe, const uint8_t *data, size_t len);
/* Backlog estimate in frames of the given payload size. */
uint32_t tpq_frames(const struct tpq *q, uint32_t payload_cap);
/* Forget how much of a partly framed head message was sent (config change). */
void tpq_restart_head(struct tpq *q);

/* Build one frame from the head of q; returns its length (0: q empty). */
size_t tpk_build(struct tpq *q, uint8_t *out, size_t cap, uint8_t *safe);

/* Structural check of a received frame: 0 ok, -1 malformed. */
int tpk_validate(const uint8_t *p, size_t len, uint32_t max_msg);

struct tpk_asm {
	uint32_t node;
	uint32_t msg_id;
	uint32_t total;
	uint32_t have;
	uint16_t next;
	uint16_t nfrags;
	uint8_t channel;
	uint8_t active;
	uint8_t *buf;
};

struct tpk_rx {
	uint32_t max_msg;
	struct tpk_asm a[2 * TC_MAX_NODES];
};

typedef void (*tpk_deliver_fn)(void *ctx, uint32_t origin, uint8_t channel,
                               const uint8_t *data, size_t len, uint32_t idx);

void tpk_rx_init(struct tpk_rx *rx, uint32_t max_msg);
void tpk_rx_free(struct tpk_rx *rx);
void tpk_rx_discard_partial(struct tpk_rx *rx);
uint32_t tpk_rx_active(const struct tpk_rx *rx);
/* Deliver the messages of a validated frame; -1 on allocation failure. */
int tpk_parse(struct tpk_rx *rx, uint32_t origin, const uint8_t *p, size_t len,
              tpk_deliver_fn fn, void *ctx);

#endif
