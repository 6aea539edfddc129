/* totem_pack.c - send queue, frame builder, reassembly. */
#include "totem_pack.h"

#include <stdlib.h>
#include <string.h>

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static uint32_t get16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int tpq_init(struct tpq *q, uint64_t size)
{
	memset(q, 0, sizeof(*q));
	q->buf = malloc(size);
	if (q->buf == NULL)
		return -1;
	q->size = size;
	q->next_msg_id = 1;
	return 0;
}

void tpq_free(struct tpq *q)
{
	free(q->buf);
	q->buf = NULL;
}

uint64_t tpq_used(const struct tpq *q) { return q->tail - q->head; }
uint64_t tpq_space(const struct tpq *q) { return q->size - (q->tail - q->head); }

static void ring_write(struct tpq *q, uint64_t off, const uint8_t *src, size_t n)
{
	size_t at = (size_t)(off % q->size);
	size_t first = n < q->size - at ? n : (size_t)(q->size - at);
	memcpy(q->buf + at, src, first);
	if (n > first)
		memcpy(q->buf, src + first, n - first);
}

static void ring_read(const struct tpq *q, uint64_t off, uint8_t *dst, size_t n)
{
	size_t at = (size_t)(off % q->size);
	size_t first = n < q->size - at ? n : (size_t)(q->size - at);
	memcpy(dst, q->buf + at, first);
	if (n > first)
		memcpy(dst + first, q->buf, n - first);
}

struct rec {
	uint32_t len;
	uint8_t channel;
	uint8_t safe;
};

static void rec_at(const struct tpq *q, uint64_t off, struct rec *r)
{
	uint8_t h[TPK_REC_HDR];
	ring_read(q, off, h, sizeof(h));
	r->len = get32(h);
	r->channel = h[4];
	r->safe = h[5];
}

int tpq_push(struct tpq *q, uint8_t channel, int safe, const uint8_t *data, size_t len)
{
	uint8_t h[TPK_REC_HDR] = { 0 };
	if (len > UINT32_MAX || TPK_REC_HDR + (uint64_t)len > tpq_space(q))
		return -1;
	put32(h, (uint32_t)len);
	h[4] = channel;
	h[5] = safe ? 1 : 0;
	ring_write(q, q->tail, h, sizeof(h));
	if (len > 0)
		ring_write(q, q->tail + TPK_REC_HDR, data, len);
	q->tail += TPK_REC_HDR + len;
	q->count++;
	return 0;
}

uint32_t tpq_frames(const struct tpq *q, uint32_t payload_cap)
{
	uint64_t used = tpq_used(q);
	if (used == 0)
		return 0;
	uint64_t f = (used + payload_cap - 1) / payload_cap;
	return f > UINT32_MAX ? UINT32_MAX : (uint32_t)f;
}

void tpq_restart_head(struct tpq *q)
{
	q->head_sent = 0;
	q->head_frag = 0;
}

static void tpq_pop(struct tpq *q)
{
	struct rec r;
	rec_at(q, q->head, &r);
	q->head += TPK_REC_HDR + r.len;
	q->count--;
	q->head_sent = 0;
	q->head_frag = 0;
}

size_t tpk_build(struct tpq *q, uint8_t *out, size_t cap, uint8_t *safe)
{
	struct rec r;
	size_t off = TPK_FRAME_HDR;
	uint32_t count = 0;

	if (q->count == 0 || cap < TPK_FRAME_HDR + TPK_FRAG_HDR + 1)
		return 0;
	rec_at(q, q->head, &r);
	*safe = r.safe;
	if (q->head_sent == 0 && TPK_FRAME_HDR + TPK_WHOLE_HDR + (size_t)r.len <= cap) {
		/* pack whole messages of the same guarantee */
		while (q->count > 0 && count < 0xffffu) {
			rec_at(q, q->head, &r);
			if (r.safe != *safe || off + TPK_WHOLE_HDR + r.len > cap)
				break;
			out[off] = 0;
			out[off + 1] = r.channel;
			put16(out + off + 2, r.len);
			ring_read(q, q->head + TPK_REC_HDR, out + off + TPK_WHOLE_HDR, r.len);
			off += TPK_WHOLE_HDR + r.len;
			count++;
			tpq_pop(q);
		}
		put16(out, count);
		return off;
	}
	/* one fragment of the head message */
	size_t room = cap - TPK_FRAME_HDR - TPK_FRAG_HDR;
	uint32_t nfrags = (uint32_t)((r.len + room - 1) / room);
	uint32_t chunk = r.len - q->head_sent;
	if (chunk > room)
		chunk = (uint32_t)room;
	if (q->head_sent == 0) {
		q->head_msg_id = q->next_msg_id++;
		q->head_frag = 0;
	}
	put16(out, 1);
	out[2] = 1;
	out[3] = r.channel;
	put16(out + 4, chunk);
	put32(out + 6, q->head_msg_id);
	put16(out + 10, q->head_frag);
	put16(out + 12, nfrags);
	put32(out + 14, r.len);
	ring_read(q, q->head + TPK_REC_HDR + q->head_sent, out + 18, chunk);
	q->head_sent += chunk;
	q->head_frag++;
	if (q->head_sent >= r.len)
		tpq_pop(q);
	return TPK_FRAME_HDR + TPK_FRAG_HDR + chunk;
}

int tpk_validate(const uint8_t *p, size_t len, uint32_t max_msg)
{
	size_t off = TPK_FRAME_HDR;
	uint32_t count;
	if (len < TPK_FRAME_HDR)
		return -1;
	count = get16(p);
	for (uint32_t i = 0; i < count; i++) {
		uint32_t dlen;
		if (len - off < TPK_WHOLE_HDR)
			return -1;
		dlen = get16(p + off + 2);
		if (p[off] == 0) {
			off += TPK_WHOLE_HDR;
		} else if (p[off] == 1) {
			uint32_t idx, nfr, total;
			if (count != 1 || len - off < TPK_FRAG_HDR)
				return -1;
			idx = get16(p + off + 8);
			nfr = get16(p + off + 10);
			total = get32(p + off + 12);
			if (nfr == 0 || idx >= nfr || total > max_msg || dlen > total)
				return -1;
			off += TPK_FRAG_HDR;
		} else {
			return -1;
		}
		if (len - off < dlen)
			return -1;
		off += dlen;
	}
	return off == len ? 0 : -1;
}

void tpk_rx_init(struct tpk_rx *rx, uint32_t max_msg)
{
	memset(rx, 0, sizeof(*rx));
	rx->max_msg = max_msg;
}

void tpk_rx_free(struct tpk_rx *rx)
{
	for (size_t i = 0; i < sizeof(rx->a) / sizeof(rx->a[0]); i++) {
		free(rx->a[i].buf);
		rx->a[i].buf = NULL;
	}
}

void tpk_rx_discard_partial(struct tpk_rx *rx)
{
	for (size_t i = 0; i < sizeof(rx->a) / sizeof(rx->a[0]); i++)
		rx->a[i].active = 0;
}

uint32_t tpk_rx_active(const struct tpk_rx *rx)
{
	uint32_t n = 0;
	for (size_t i = 0; i < sizeof(rx->a) / sizeof(rx->a[0]); i++)
		n += rx->a[i].active;
	return n;
}

static struct tpk_asm *asm_for(struct tpk_rx *rx, uint32_t node, int create)
{
	size_t n = sizeof(rx->a) / sizeof(rx->a[0]);
	struct tpk_asm *spare = NULL;
	for (size_t i = 0; i < n; i++) {
		if (rx->a[i].node == node)
			return &rx->a[i];
		if (spare == NULL && (rx->a[i].node == 0 || !rx->a[i].active))
			spare = &rx->a[i];
	}
	if (!create)
		return NULL;
	if (spare == NULL)
		spare = &rx->a[node % n];
	spare->node = node;
	spare->active = 0;
	return spare;
}

int tpk_parse(struct tpk_rx *rx, uint32_t origin, const uint8_t *p, size_t len,
              tpk_deliver_fn fn, void *ctx)
{
	size_t off = TPK_FRAME_HDR;
	uint32_t count = get16(p);
	(void)len;
	for (uint32_t i = 0; i < count; i++) {
		uint8_t kind = p[off];
		uint8_t channel = p[off + 1];
		uint32_t dlen = get16(p + off + 2);
		if (kind == 0) {
			fn(ctx, origin, channel, p + off + TPK_WHOLE_HDR, dlen, i);
			off += TPK_WHOLE_HDR + dlen;
			continue;
		}
		uint32_t msg_id = get32(p + off + 4);
		uint32_t idx = get16(p + off + 8);
		uint32_t nfr = get16(p + off + 10);
		uint32_t total = get32(p + off + 12);
		const uint8_t *data = p + off + TPK_FRAG_HDR;
		struct tpk_asm *a = asm_for(rx, origin, idx == 0);
		off += TPK_FRAG_HDR + dlen;
		if (a == NULL)
			continue;
		if (idx == 0) {
			if (a->buf == NULL) {
				a->buf = malloc(rx->max_msg > 0 ? rx->max_msg : 1);
				if (a->buf == NULL)
					return -1;
			}
			a->msg_id = msg_id;
			a->total = total;
			a->nfrags = (uint16_t)nfr;
			a->have = 0;
			a->next = 0;
			a->channel = channel;
			a->active = 1;
		} else if (!a->active || a->msg_id != msg_id || a->next != idx ||
		           a->nfrags != nfr || a->total != total) {
			/* lost context: drop the partial message */
			a->active = 0;
			continue;
		}
		if (a->have + dlen > a->total) {
			a->active = 0;
			continue;
		}
		memcpy(a->buf + a->have, data, dlen);
		a->have += dlen;
		a->next++;
		if (a->next == a->nfrags) {
			a->active = 0;
			if (a->have == a->total)
				fn(ctx, origin, a->channel, a->buf, a->total, 0);
		}
	}
	return 0;
}
