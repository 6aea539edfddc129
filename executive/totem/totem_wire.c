/* totem_wire.c - encode and validating decode of the six SRP packets. */
#include "totem_wire.h"

#include <string.h>

struct rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	int err;
};

static uint64_t rd_n(struct rd *r, unsigned n)
{
	uint64_t v = 0;
	if (r->err || r->len - r->off < n) {
		r->err = 1;
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		v = (v << 8) | r->p[r->off + i];
	r->off += n;
	return v;
}

static uint8_t rd_u8(struct rd *r) { return (uint8_t)rd_n(r, 1); }
static uint16_t rd_u16(struct rd *r) { return (uint16_t)rd_n(r, 2); }
static uint32_t rd_u32(struct rd *r) { return (uint32_t)rd_n(r, 4); }
static uint64_t rd_u64(struct rd *r) { return rd_n(r, 8); }

static void rd_ring(struct rd *r, struct tc_ring_id *ring)
{
	ring->rep = rd_u32(r);
	ring->seq = rd_u64(r);
	ring->pad_ = 0;
}

struct wr {
	uint8_t *p;
	size_t cap;
	size_t off;
	int err;
};

static void wr_n(struct wr *w, uint64_t v, unsigned n)
{
	if (w->err || w->cap - w->off < n) {
		w->err = 1;
		return;
	}
	for (unsigned i = 0; i < n; i++)
		w->p[w->off + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	w->off += n;
}

static void wr_ring(struct wr *w, const struct tc_ring_id *ring)
{
	wr_n(w, ring->rep, 4);
	wr_n(w, ring->seq, 8);
}

static void wr_hdr(struct wr *w, const struct tw_hdr *h, uint8_t type)
{
	wr_n(w, TW_MAGIC, 2);
	wr_n(w, TW_VERSION, 1);
	wr_n(w, type, 1);
	wr_n(w, h->flags, 1);
	wr_n(w, h->sender, 4);
}

static size_t wr_done(const struct wr *w)
{
	return w->err ? 0 : w->off;
}

int tw_ring_eq(const struct tc_ring_id *a, const struct tc_ring_id *b)
{
	return a->rep == b->rep && a->seq == b->seq;
}

/* Node lists must be strictly ascending and free of the reserved id 0. */
static int check_list(const uint32_t *ids, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (ids[i] == 0)
			return TW_ERR_VALUE;
		if (i > 0 && ids[i] <= ids[i - 1])
			return TW_ERR_ORDER;
	}
	return TW_OK;
}

static int decode_orf(struct rd *r, struct tw_orf *t)
{
	rd_ring(r, &t->ring);
	t->token_seq = rd_u64(r);
	t->seq = rd_u64(r);
	t->aru = rd_u64(r);
	t->aru_addr = rd_u32(r);
	t->fcc = rd_u32(r);
	t->backlog = rd_u32(r);
	t->retrans_flg = rd_u8(r);
	t->rtr_count = rd_u8(r);
	if (r->err)
		return TW_ERR_SHORT;
	if (t->rtr_count > TC_RTR_MAX)
		return TW_ERR_COUNT;
	if (r->len - r->off != 8u * t->rtr_count)
		return TW_ERR_LENGTH;
	for (unsigned i = 0; i < t->rtr_count; i++)
		t->rtr[i] = rd_u64(r);
	if (t->h.flags != 0 || t->retrans_flg > 1)
		return TW_ERR_FLAGS;
	if (t->ring.rep == 0 || t->aru > t->seq || t->token_seq == 0)
		return TW_ERR_VALUE;
	return TW_OK;
}

static int decode_mcast(struct rd *r, struct tw_mcast *m)
{
	rd_ring(r, &m->ring);
	m->seq = rd_u64(r);
	m->guarantee = rd_u8(r);
	if (r->err)
		return TW_ERR_SHORT;
	if ((m->h.flags & ~TW_FLAG_ENCAP) != 0 || m->guarantee > TW_SAFE)
		return TW_ERR_FLAGS;
	if (m->ring.rep == 0)
		return TW_ERR_VALUE;
	m->payload = r->p + r->off;
	m->payload_len = r->len - r->off;
	r->off = r->len;
	return TW_OK;
}

static int decode_ringmsg(struct rd *r, struct tw_ringmsg *m)
{
	rd_ring(r, &m->ring);
	if (r->err)
		return TW_ERR_SHORT;
	if (r->off != r->len)
		return TW_ERR_LENGTH;
	if (m->h.flags != 0)
		return TW_ERR_FLAGS;
	if (m->ring.rep == 0)
		return TW_ERR_VALUE;
	return TW_OK;
}

static int decode_join(struct rd *r, struct tw_join *j)
{
	int rc;
	j->ring_seq = rd_u64(r);
	j->n_proc = rd_u16(r);
	j->n_failed = rd_u16(r);
	if (r->err)
		return TW_ERR_SHORT;
	if ((j->h.flags & ~TW_FLAG_LEAVE) != 0)
		return TW_ERR_FLAGS;
	if (j->n_proc > TC_MAX_NODES || j->n_failed > TC_MAX_NODES)
		return TW_ERR_COUNT;
	if (r->len - r->off != 4u * (j->n_proc + j->n_failed))
		return TW_ERR_LENGTH;
	for (uint32_t i = 0; i < j->n_proc; i++)
		j->proc[i] = rd_u32(r);
	for (uint32_t i = 0; i < j->n_failed; i++)
		j->failed[i] = rd_u32(r);
	if ((rc = check_list(j->proc, j->n_proc)) != TW_OK)
		return rc;
	return check_list(j->failed, j->n_failed);
}

static int decode_commit(struct rd *r, struct tw_commit *c)
{
	int rc;
	c->token_seq = rd_u64(r);
	rd_ring(r, &c->ring);
	c->memb_index = rd_u16(r);
	c->count = rd_u16(r);
	if (r->err)
		return TW_ERR_SHORT;
	if (c->h.flags != 0)
		return TW_ERR_FLAGS;
	if (c->count == 0 || c->count > TC_MAX_NODES || c->memb_index > c->count)
		return TW_ERR_COUNT;
	if (r->len - r->off != (size_t)c->count * (4u + TW_COMMIT_ENTRY_LEN))
		return TW_ERR_LENGTH;
	for (uint32_t i = 0; i < c->count; i++)
		c->members[i] = rd_u32(r);
	for (uint32_t i = 0; i < c->count; i++) {
		struct tw_commit_entry *e = &c->e[i];
		rd_ring(r, &e->ring);
		e->received_flg = rd_u8(r);
		e->aru = rd_u64(r);
		e->high_delivered = rd_u64(r);
		if (e->received_flg > 1)
			return TW_ERR_FLAGS;
	}
	if (c->ring.rep == 0)
		return TW_ERR_VALUE;
	if ((rc = check_list(c->members, c->count)) != TW_OK)
		return rc;
	/* the ring's representative is its lowest member */
	if (c->members[0] != c->ring.rep)
		return TW_ERR_VALUE;
	return TW_OK;
}

int tw_decode(const uint8_t *buf, size_t len, union tw_packet *out)
{
	struct rd r = { buf, len, 0, 0 };
	struct tw_hdr h;
	int rc;

	if (buf == NULL || len < TW_HDR_LEN)
		return TW_ERR_SHORT;
	if (rd_u16(&r) != TW_MAGIC)
		return TW_ERR_MAGIC;
	if (rd_u8(&r) != TW_VERSION)
		return TW_ERR_VERSION;
	h.type = rd_u8(&r);
	h.flags = rd_u8(&r);
	h.sender = rd_u32(&r);
	if (h.sender == 0)
		return TW_ERR_VALUE;
	switch (h.type) {
	case TW_ORF:
		out->orf.h = h;
		rc = decode_orf(&r, &out->orf);
		break;
	case TW_MCAST:
		out->mcast.h = h;
		rc = decode_mcast(&r, &out->mcast);
		break;
	case TW_MERGE_DETECT:
	case TW_HOLD_CANCEL:
		out->ringmsg.h = h;
		rc = decode_ringmsg(&r, &out->ringmsg);
		break;
	case TW_JOIN:
		out->join.h = h;
		rc = decode_join(&r, &out->join);
		break;
	case TW_COMMIT:
		out->commit.h = h;
		rc = decode_commit(&r, &out->commit);
		break;
	default:
		return TW_ERR_TYPE;
	}
	if (rc == TW_OK && r.err)
		rc = TW_ERR_SHORT;
	return rc;
}

size_t tw_encode_orf(const struct tw_orf *t, uint8_t *buf, size_t cap)
{
	struct wr w = { buf, cap, 0, 0 };
	unsigned n = t->rtr_count > TC_RTR_MAX ? TC_RTR_MAX : t->rtr_count;
	wr_hdr(&w, &t->h, TW_ORF);
	wr_ring(&w, &t->ring);
	wr_n(&w, t->token_seq, 8);
	wr_n(&w, t->seq, 8);
	wr_n(&w, t->aru, 8);
	wr_n(&w, t->aru_addr, 4);
	wr_n(&w, t->fcc, 4);
	wr_n(&w, t->backlog, 4);
	wr_n(&w, t->retrans_flg, 1);
	wr_n(&w, n, 1);
	for (unsigned i = 0; i < n; i++)
		wr_n(&w, t->rtr[i], 8);
	return wr_done(&w);
}

size_t tw_encode_mcast(const struct tw_mcast *m, uint8_t *buf, size_t cap)
{
	struct wr w = { buf, cap, 0, 0 };
	wr_hdr(&w, &m->h, TW_MCAST);
	wr_ring(&w, &m->ring);
	wr_n(&w, m->seq, 8);
	wr_n(&w, m->guarantee, 1);
	if (w.err || w.cap - w.off < m->payload_len)
		return 0;
	if (m->payload_len > 0)
		memcpy(w.p + w.off, m->payload, m->payload_len);
	w.off += m->payload_len;
	return wr_done(&w);
}

size_t tw_encode_ringmsg(const struct tw_ringmsg *m, uint8_t *buf, size_t cap)
{
	struct wr w = { buf, cap, 0, 0 };
	wr_hdr(&w, &m->h, m->h.type);
	wr_ring(&w, &m->ring);
	return wr_done(&w);
}

size_t tw_encode_join(const struct tw_join *j, uint8_t *buf, size_t cap)
{
	struct wr w = { buf, cap, 0, 0 };
	wr_hdr(&w, &j->h, TW_JOIN);
	wr_n(&w, j->ring_seq, 8);
	wr_n(&w, j->n_proc, 2);
	wr_n(&w, j->n_failed, 2);
	for (uint32_t i = 0; i < j->n_proc; i++)
		wr_n(&w, j->proc[i], 4);
	for (uint32_t i = 0; i < j->n_failed; i++)
		wr_n(&w, j->failed[i], 4);
	return wr_done(&w);
}

size_t tw_encode_commit(const struct tw_commit *c, uint8_t *buf, size_t cap)
{
	struct wr w = { buf, cap, 0, 0 };
	wr_hdr(&w, &c->h, TW_COMMIT);
	wr_n(&w, c->token_seq, 8);
	wr_ring(&w, &c->ring);
	wr_n(&w, c->memb_index, 2);
	wr_n(&w, c->count, 2);
	for (uint32_t i = 0; i < c->count; i++)
		wr_n(&w, c->members[i], 4);
	for (uint32_t i = 0; i < c->count; i++) {
		const struct tw_commit_entry *e = &c->e[i];
		wr_ring(&w, &e->ring);
		wr_n(&w, e->received_flg, 1);
		wr_n(&w, e->aru, 8);
		wr_n(&w, e->high_delivered, 8);
	}
	return wr_done(&w);
}
