/*
 * core_token.c - OPERATIONAL/RECOVERY ordering: ORF token processing (§2.3),
 * MCAST reception and agreed/safe delivery (§2.4, §2.6), retransmission
 * (§2.5), flow control (§2.7), token retransmit / hold / hold cancel (§2.8).
 */
#include <string.h>

#include "core_internal.h"

#define MCAST_GUARANTEE_OFF (TW_HDR_LEN + TW_RING_LEN + 8u)

static uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }

uint32_t tc_successor(const struct tc_core *c)
{
	int i = tm_index(&c->new_memb, c->me);
	if (i < 0 || c->new_memb.n == 0)
		return c->me;
	return c->new_memb.id[((uint32_t)i + 1) % c->new_memb.n];
}

void tc_send_token_packet(struct tc_core *c, uint32_t dest, const uint8_t *p, size_t len)
{
	if (len > sizeof(c->tok_copy))
		return;
	if (p != c->tok_copy)
		memcpy(c->tok_copy, p, len);
	c->tok_len = len;
	c->tok_dest = dest;
	tc_emit_send(c, TC_DEST_UNICAST, dest, c->tok_copy, len);
}

int tc_update_aru(struct tc_core *c, struct tsq *q)
{
	int moved = 0;
	while (tsq_has(q, c->my_aru + 1)) {
		c->my_aru++;
		moved = 1;
	}
	return moved;
}

/* ---- delivery ------------------------------------------------------------ */

struct deliver_ctx {
	struct tc_core *c;
	struct tc_ring_id ring;
	uint64_t seq;
	int safe;
};

static void deliver_cb(void *vctx, uint32_t origin, uint8_t channel, const uint8_t *data,
                       size_t len, uint32_t idx)
{
	struct deliver_ctx *x = vctx;
	tc_emit_deliver(x->c, origin, channel, data, len, &x->ring, x->seq, x->safe, idx);
}

void tc_deliver_frame(struct tc_core *c, const uint8_t *pkt, size_t len, int regular)
{
	union tw_packet p;
	struct deliver_ctx x;
	if (tw_decode(pkt, len, &p) != TW_OK || p.h.type != TW_MCAST ||
	    (p.h.flags & TW_FLAG_ENCAP)) {
		c->st.rx_bad_frame++;
		return;
	}
	c->delivering_regular = (uint32_t)regular;
	c->st.delivered_frames++;
	if (c->cfg.trace_frames)
		tc_emit_frame(c, p.h.sender, &p.mcast.ring, p.mcast.seq, p.mcast.guarantee,
		              p.mcast.payload, p.mcast.payload_len);
	x.c = c;
	x.ring = p.mcast.ring;
	x.seq = p.mcast.seq;
	x.safe = p.mcast.guarantee == TW_SAFE;
	if (tpk_parse(&c->rx, p.h.sender, p.mcast.payload, p.mcast.payload_len, deliver_cb, &x) != 0)
		c->st.rx_bad_frame++;
}

void tc_deliver_agreed(struct tc_core *c)
{
	while (c->high_delivered < c->my_aru) {
		uint64_t s = c->high_delivered + 1;
		size_t len;
		const uint8_t *pkt = tsq_get(&c->sq, s, &len);
		if (pkt == NULL)
			break;
		if (pkt[MCAST_GUARANTEE_OFF] == TW_SAFE && s > c->safe_point)
			break;
		tc_deliver_frame(c, pkt, len, 1);
		c->high_delivered = s;
	}
}

/* An encapsulated MCAST must carry one complete plain old-ring MCAST. */
int tc_inner_valid(const struct tc_core *c, const uint8_t *p, size_t len)
{
	union tw_packet in;
	if (tw_decode(p, len, &in) != TW_OK || in.h.type != TW_MCAST ||
	    (in.h.flags & TW_FLAG_ENCAP) || in.mcast.payload_len > c->payload_cap)
		return 0;
	return tpk_validate(in.mcast.payload, in.mcast.payload_len, c->cfg.max_msg_size) == 0;
}

/* ---- MCAST ----------------------------------------------------------------- */

static void mark_covered(struct tc_core *c, const struct tw_mcast *m)
{
	union tw_packet in;
	if (!(m->h.flags & TW_FLAG_ENCAP))
		return;
	if (tw_decode(m->payload, m->payload_len, &in) != TW_OK || in.h.type != TW_MCAST)
		return;
	if (tw_ring_eq(&in.mcast.ring, &c->old_ring_id) && tsq_in_window(&c->sq, in.mcast.seq))
		c->covered[in.mcast.seq % c->sq.cap] = 1;
}

static void store(struct tc_core *c, struct tsq *q, const struct tw_mcast *m,
                  const uint8_t *raw, size_t len)
{
	if (tsq_put(q, m->seq, raw, len) < 0)
		return;
	if (m->seq > c->high_seq)
		c->high_seq = m->seq;
	tc_update_aru(c, q);
}

void tc_handle_mcast(struct tc_core *c, const struct tw_mcast *m, const uint8_t *raw, size_t len)
{
	uint32_t sender = m->h.sender;

	if (tw_ring_eq(&m->ring, &c->ring_id)) {
		switch (c->state) {
		case TC_STATE_OPERATIONAL:
			if (m->h.flags & TW_FLAG_ENCAP)
				return;   /* recovery traffic after install: consumed */
			store(c, &c->sq, m, raw, len);
			tc_deliver_agreed(c);
			break;
		case TC_STATE_GATHER:
			if (tw_ring_eq(&m->ring, &c->old_ring_id) && !c->snap_taken &&
			    !(m->h.flags & TW_FLAG_ENCAP))
				store(c, &c->sq, m, raw, len);
			break;
		case TC_STATE_RECOVERY:
			store(c, &c->rsq, m, raw, len);
			mark_covered(c, m);
			break;
		default:
			break;
		}
		return;
	}
	/* a message of another ring */
	switch (c->state) {
	case TC_STATE_OPERATIONAL:
		if (tm_has(&c->memb, sender) && m->ring.seq < c->ring_id.seq)
			return;   /* late copy from a previous ring of a member */
		if (tm_add(&c->proc, sender) == 0)
			tc_gather_enter(c, TC_REASON_FOREIGN_MESSAGE);
		break;
	case TC_STATE_GATHER:
		if (!tm_has(&c->proc, sender) && tm_add(&c->proc, sender) == 0)
			tc_gather_enter(c, TC_REASON_FOREIGN_MESSAGE);
		break;
	default:
		break;
	}
}

/* ---- flow control --------------------------------------------------------- */

static int64_t backlog_get(struct tc_core *c)
{
	if (c->state == TC_STATE_RECOVERY)
		return c->rq_next <= c->rq_end ? (int64_t)(c->rq_end - c->rq_next + 1) : 0;
	int64_t n = c->pq2.buf ? tpq_frames(&c->pq2, c->payload_cap) : 0;
	if (!c->waiting_trans_ack)
		n += tpq_frames(&c->pq, c->payload_cap);
	return n;
}

static int64_t fcc_calculate(struct tc_core *c, const struct tw_orf *tok)
{
	int64_t allowed = (int64_t)c->cfg.window_size - (int64_t)tok->fcc;
	if (allowed < 0)
		allowed = 0;
	if (allowed > (int64_t)c->cfg.max_messages)
		allowed = c->cfg.max_messages;
	c->cbl = backlog_get(c);
	int64_t denom = (int64_t)tok->backlog + c->cbl - c->pbl;
	if (denom > 0) {
		int64_t share = (int64_t)c->cfg.window_size * c->pbl / denom;
		if (share > 0 && share < allowed)
			allowed = share;
	}
	return allowed;
}

static void fcc_token_update(struct tc_core *c, struct tw_orf *tok, int64_t sent)
{
	int64_t fcc = (int64_t)tok->fcc + sent - c->trc;
	int64_t backlog = (int64_t)tok->backlog + c->cbl - c->pbl;
	tok->fcc = fcc < 0 ? 0 : (fcc > UINT32_MAX ? UINT32_MAX : (uint32_t)fcc);
	tok->backlog = backlog < 0 ? 0 : (backlog > UINT32_MAX ? UINT32_MAX : (uint32_t)backlog);
	c->trc = sent;
	c->pbl = c->cbl;
}

/* The aru rule (§2.3, step 13): the token carries the lowest aru of the ring. */
static void aru_rule(struct tc_core *c, struct tw_orf *tok)
{
	if (c->my_aru < tok->aru || tok->aru_addr == c->me || tok->aru_addr == 0) {
		tok->aru = c->my_aru;
		tok->aru_addr = tok->aru == tok->seq ? 0 : c->me;
	}
}

/* ---- retransmission ------------------------------------------------------- */

static int64_t serve_rtr(struct tc_core *c, struct tw_orf *tok, struct tsq *q, int64_t allowed)
{
	int64_t n = 0;
	unsigned keep = 0;
	for (unsigned i = 0; i < tok->rtr_count; i++) {
		size_t len;
		const uint8_t *pkt = n < allowed ? tsq_get(q, tok->rtr[i], &len) : NULL;
		if (pkt != NULL) {
			tc_emit_send(c, TC_DEST_MCAST, 0, pkt, len);
			c->st.mcast_retx++;
			n++;
			continue;
		}
		tok->rtr[keep++] = tok->rtr[i];
	}
	tok->rtr_count = (uint8_t)keep;
	return n;
}

static void request_missing(struct tc_core *c, struct tw_orf *tok, struct tsq *q)
{
	uint64_t hi = tok->seq;
	unsigned added = 0;
	if (hi > q->base + q->cap)
		hi = q->base + q->cap;
	for (uint64_t s = c->my_aru + 1; s <= hi && tok->rtr_count < TC_RTR_MAX; s++) {
		int dup = 0;
		if (tsq_has(q, s))
			continue;
		if (tsq_miss(q, s) < c->cfg.miss_count_const)
			continue;
		for (unsigned i = 0; i < tok->rtr_count; i++)
			if (tok->rtr[i] == s)
				dup = 1;
		if (dup)
			continue;
		tok->rtr[tok->rtr_count++] = s;
		c->st.rtr_requested++;
		added++;
	}
	if (added > 0)
		tc_emit_log(c, TC_LOG_DEBUG, TC_LOG_RETRANSMIT_LIST, added, tok->rtr_count);
}

/* ---- origination ---------------------------------------------------------- */

static struct tpq *send_queue(struct tc_core *c)
{
	if (c->pq2.buf != NULL && c->pq2.count > 0)
		return &c->pq2;
	if (c->waiting_trans_ack)
		return NULL;
	return c->pq.count > 0 ? &c->pq : NULL;
}

static void emit_new_mcast(struct tc_core *c, struct tsq *q, struct tw_orf *tok, uint8_t flags,
                           uint8_t guarantee, const uint8_t *payload, size_t plen)
{
	struct tw_mcast m;
	size_t len;
	memset(&m, 0, sizeof(m));
	m.h.type = TW_MCAST;
	m.h.flags = flags;
	m.h.sender = c->me;
	m.ring = c->ring_id;
	m.seq = ++tok->seq;
	m.guarantee = guarantee;
	m.payload = payload;
	m.payload_len = plen;
	len = tw_encode_mcast(&m, c->scratch, c->cfg.frame_size);
	if (len == 0)
		return;
	(void)tsq_put(q, m.seq, c->scratch, len);
	tc_emit_send(c, TC_DEST_MCAST, 0, c->scratch, len);
	c->st.mcast_tx++;
}

/* Next old-ring message this node still has to re-send, or 0. */
static uint64_t rq_peek(struct tc_core *c)
{
	while (c->rq_next <= c->rq_end) {
		uint64_t s = c->rq_next;
		if (tsq_has(&c->sq, s) && !c->covered[s % c->sq.cap])
			return s;
		c->rq_next++;
	}
	return 0;
}

static int64_t originate(struct tc_core *c, struct tw_orf *tok, struct tsq *q, int64_t allowed)
{
	int64_t n = 0;
	if (c->state == TC_STATE_RECOVERY) {
		while (n < allowed && tok->seq + 1 <= q->base + q->cap) {
			uint64_t s = rq_peek(c);
			size_t len;
			const uint8_t *pkt;
			if (s == 0)
				break;
			pkt = tsq_get(&c->sq, s, &len);
			c->rq_next = s + 1;
			if (pkt == NULL)
				continue;
			emit_new_mcast(c, q, tok, TW_FLAG_ENCAP, pkt[MCAST_GUARANTEE_OFF], pkt, len);
			n++;
		}
		return n;
	}
	while (n < allowed && tok->seq + 1 + c->cfg.window_size <= q->base + q->cap) {
		struct tpq *src = send_queue(c);
		uint8_t safe = 0;
		size_t flen;
		if (src == NULL)
			break;
		flen = tpk_build(src, c->frame, c->payload_cap, &safe);
		if (flen == 0)
			break;
		emit_new_mcast(c, q, tok, 0, safe ? TW_SAFE : TW_AGREED, c->frame, flen);
		n++;
	}
	return n;
}

int tc_recovery_queue_empty(struct tc_core *c)
{
	return rq_peek(c) == 0;
}

/* ---- the ORF token ---------------------------------------------------------- */

static int linger_wanted(struct tc_core *c, const struct tw_orf *tok, int64_t new_msgs,
                         int64_t budget, int64_t others);
static void linger_begin(struct tc_core *c, const struct tw_orf *tok, int64_t budget,
                         int64_t new_msgs);

void tc_handle_orf(struct tc_core *c, struct tw_orf *tok)
{
	struct tsq *q;
	uint64_t prev_aru, tok_aru_in;
	int is_rep, hold = 0;
	int64_t allowed, n_re, n_new, others;

	if (c->state != TC_STATE_OPERATIONAL && c->state != TC_STATE_RECOVERY)
		return;
	if (!tw_ring_eq(&tok->ring, &c->ring_id))
		return;
	if (tok->token_seq <= c->my_token_seq) {
		c->st.tokens_dup++;
		return;
	}
	q = c->state == TC_STATE_RECOVERY ? &c->rsq : &c->sq;

	/* idle bookkeeping and hold decision */
	if (tok->seq == c->my_last_seq) {
		c->seq_unchanged++;
		if (!tc_timer_armed(c, T_MERGE))
			tc_timer_set(c, T_MERGE, c->cfg.merge_ms);
	} else {
		c->seq_unchanged = 0;
		tc_timer_stop(c, T_MERGE);
		tc_timer_stop(c, T_HOLD);
	}
	c->my_last_seq = tok->seq;
	is_rep = c->ring_id.rep == c->me;
	if (c->state == TC_STATE_OPERATIONAL && is_rep &&
	    c->seq_unchanged > c->cfg.seqno_unchanged_const &&
	    tok->rtr_count == 0 && tok->backlog == 0 && backlog_get(c) == 0) {
		hold = 1;
		c->token_held = 1;
	} else if (!is_rep && c->seq_unchanged >= c->cfg.seqno_unchanged_const) {
		c->token_held = 1;
	} else {
		c->token_held = 0;
	}

	/* garbage collection, safe point */
	prev_aru = c->my_last_aru;
	tok_aru_in = tok->aru;
	if (c->state == TC_STATE_OPERATIONAL)
		tsq_release(&c->sq, min64(min64(tok_aru_in, prev_aru), c->high_delivered));
	c->safe_point = min64(tok_aru_in, prev_aru);
	c->my_last_aru = tok_aru_in;

	/* retransmit, request, originate; others: another member sent or waits */
	others = (int64_t)tok->backlog - c->pbl + (tok->seq != c->seq_passed);
	allowed = fcc_calculate(c, tok);
	n_re = serve_rtr(c, tok, q, allowed);
	allowed -= n_re;
	request_missing(c, tok, q);
	n_new = originate(c, tok, q, allowed);
	if (tok->seq > c->high_seq)
		c->high_seq = tok->seq;
	tc_update_aru(c, q);
	fcc_token_update(c, tok, n_re + n_new);

	aru_rule(c, tok);

	/* failure to receive (§3.7: the owner evicts itself) */
	if (tok_aru_in == prev_aru && tok->aru_addr != 0)
		c->aru_count++;
	else
		c->aru_count = 0;
	if (c->aru_count > c->cfg.fail_recv_const && tok->aru_addr == c->me) {
		c->st.failed_to_recv++;
		tc_emit_log(c, TC_LOG_WARNING, TC_LOG_FAILED_TO_RECV, c->aru_count, 0);
		c->failed_to_recv = 1;
		tm_add(&c->failed, c->me);
		c->aru_count = 0;
		tc_gather_enter(c, TC_REASON_FAILED_TO_RECV);
		return;
	}

	/* accept */
	c->my_token_seq = tok->token_seq;
	tok->token_seq++;
	c->st.tokens_rx++;
	tc_emit_simple(c, TC_ACT_TOKEN_RECEIVED, &c->ring_id, c->my_token_seq);
	c->acts[c->n_acts - 1].a.arg = (uint64_t)tok->fcc << 32 | tok->backlog;
	c->acts[c->n_acts - 1].a.arg2 = (uint64_t)tok->rtr_count << 32 | (uint32_t)tok->aru;

	if (c->state == TC_STATE_RECOVERY)
		tc_recovery_token(c, tok);

	tok->h.sender = c->me;
	c->tok_dest = tc_successor(c);
	if (!hold && linger_wanted(c, tok, n_new, allowed - n_re - n_new, others)) {
		linger_begin(c, tok, allowed - n_re - n_new, n_new);
		return;
	}
	c->last_new = c->state == TC_STATE_OPERATIONAL ? n_new : 0;
	c->seq_passed = tok->seq;
	c->tok_len = tw_encode_orf(tok, c->tok_copy, sizeof(c->tok_copy));
	if (!hold) {
		tc_emit_send(c, TC_DEST_UNICAST, c->tok_dest, c->tok_copy, c->tok_len);
		c->st.tokens_tx++;
	}
	if (c->state == TC_STATE_OPERATIONAL)
		tc_deliver_agreed(c);

	tc_timer_set(c, T_TOKEN_LOSS, c->cfg.token_ms);
	if (hold) {
		tc_timer_stop(c, T_TOKEN_RETRANSMIT);
		tc_timer_set(c, T_HOLD, c->cfg.hold_ms);
	} else {
		tc_timer_set(c, T_TOKEN_RETRANSMIT, c->cfg.token_retransmit_ms);
		tc_emit_simple(c, TC_ACT_TOKEN_SENT, &c->ring_id, tok->token_seq);
	}
}

/* ---- token linger (README.md, "Token linger") ------------------------------ */

/* Keep the visit open instead of passing the token?  Only while this node's
 * application is the only one sending: it originated on this visit or the
 * last, its queue is empty, the visit's flow-control budget has room for as
 * many frames again (a message would otherwise leave in pieces, the rest a
 * rotation later) and nobody else is sending: nobody originated since our
 * last visit, no retransmission requests, no backlog but ours.  Messages
 * submitted meanwhile leave at the caller's next tc_linger_flush, on this
 * visit, instead of a rotation later.  To the other members a kept token is
 * a long visit; a flush that uses up the budget, a hold cancel, the caller
 * (tc_linger_release, after its own short wait) or at the latest T_LINGER
 * passes it on. */
static int linger_wanted(struct tc_core *c, const struct tw_orf *tok, int64_t new_msgs,
                         int64_t budget, int64_t others)
{
	int64_t batch = new_msgs > 0 ? new_msgs : c->last_new;
	return c->cfg.token_linger && c->state == TC_STATE_OPERATIONAL &&
	       batch > 0 && budget >= batch && others <= 0 &&
	       tok->rtr_count == 0 && backlog_get(c) == 0;
}

static void linger_begin(struct tc_core *c, const struct tw_orf *tok, int64_t budget,
                         int64_t new_msgs)
{
	/* a visit that ends up sending nothing is not kept open again */
	c->last_new = new_msgs;
	c->linger_tok = *tok;
	c->linger_budget = budget;
	c->lingering = 1;
	c->linger_id++;
	c->st.tokens_lingered++;
	tc_deliver_agreed(c);
	tc_timer_set(c, T_TOKEN_LOSS, c->cfg.token_ms);
	tc_timer_stop(c, T_TOKEN_RETRANSMIT);
	/* the core's clock counts ms: the whole visit stays under 2 ms */
	tc_timer_set(c, T_LINGER, 2);
}

/* Originate what was submitted since the visit was kept open.  Returns 1 if
 * the visit should end: its budget has no room for another batch this size,
 * or something is still queued. */
static int linger_extend(struct tc_core *c)
{
	struct tw_orf *tok = &c->linger_tok;
	int64_t n;

	if (backlog_get(c) == 0)
		return 0;
	n = originate(c, tok, &c->sq, c->linger_budget);
	c->linger_budget -= n;
	c->last_new += n;
	c->st.linger_submits++;
	if (tok->seq > c->high_seq)
		c->high_seq = tok->seq;
	tc_update_aru(c, &c->sq);
	/* flow control as if these had been originated when the token came */
	c->cbl = backlog_get(c);
	fcc_token_update(c, tok, c->trc + n);
	aru_rule(c, tok);
	tc_deliver_agreed(c);
	c->linger_id++;         /* the caller's wait for the next batch starts again */
	return c->linger_budget < (n > 0 ? n : 1) || backlog_get(c) > 0;
}

/* The visit ends: the token goes on. */
static void linger_pass(struct tc_core *c)
{
	struct tw_orf *tok = &c->linger_tok;
	c->lingering = 0;
	tc_timer_stop(c, T_LINGER);
	c->seq_passed = tok->seq;
	c->tok_len = tw_encode_orf(tok, c->tok_copy, sizeof(c->tok_copy));
	tc_emit_send(c, TC_DEST_UNICAST, c->tok_dest, c->tok_copy, c->tok_len);
	c->st.tokens_tx++;
	tc_timer_set(c, T_TOKEN_RETRANSMIT, c->cfg.token_retransmit_ms);
	tc_emit_simple(c, TC_ACT_TOKEN_SENT, &c->ring_id, tok->token_seq);
}

void tc_linger_flush_now(struct tc_core *c)
{
	if (c->lingering && linger_extend(c))
		linger_pass(c);
}

/* Pass the kept token on, with what was submitted since the last flush. */
void tc_linger_end(struct tc_core *c)
{
	if (!c->lingering)
		return;
	(void)linger_extend(c);
	linger_pass(c);
}

/* The ring changes: the kept token is dropped with the ring it belongs to. */
void tc_linger_drop(struct tc_core *c)
{
	c->lingering = 0;
	c->last_new = 0;
	tc_timer_stop(c, T_LINGER);
}

/* ---- token retransmit / hold ------------------------------------------------ */

void tc_timer_retransmit(struct tc_core *c)
{
	if (c->state != TC_STATE_OPERATIONAL && c->state != TC_STATE_COMMIT &&
	    c->state != TC_STATE_RECOVERY)
		return;
	if (c->tok_len == 0)
		return;
	tc_emit_send(c, TC_DEST_UNICAST, c->tok_dest, c->tok_copy, c->tok_len);
	c->st.token_retransmits++;
	tc_timer_set(c, T_TOKEN_RETRANSMIT, c->cfg.token_retransmit_ms);
}

static void release_held_token(struct tc_core *c)
{
	tc_timer_stop(c, T_HOLD);
	if (c->tok_len == 0)
		return;
	tc_emit_send(c, TC_DEST_UNICAST, c->tok_dest, c->tok_copy, c->tok_len);
	c->st.tokens_tx++;
	tc_timer_set(c, T_TOKEN_RETRANSMIT, c->cfg.token_retransmit_ms);
}

void tc_timer_hold(struct tc_core *c)
{
	if (c->state == TC_STATE_OPERATIONAL)
		release_held_token(c);
}

void tc_send_hold_cancel(struct tc_core *c)
{
	struct tw_ringmsg m;
	uint8_t buf[TW_RINGMSG_LEN];
	size_t len;
	memset(&m, 0, sizeof(m));
	m.h.type = TW_HOLD_CANCEL;
	m.h.sender = c->me;
	m.ring = c->ring_id;
	len = tw_encode_ringmsg(&m, buf, sizeof(buf));
	tc_emit_send(c, TC_DEST_MCAST_FLUSH, 0, buf, len);
	c->st.hold_cancel_tx++;
}

void tc_handle_hold_cancel(struct tc_core *c, const struct tw_ringmsg *m)
{
	if (!tw_ring_eq(&m->ring, &c->ring_id))
		return;
	c->seq_unchanged = 0;
	if (c->state == TC_STATE_OPERATIONAL && tc_timer_armed(c, T_HOLD))
		release_held_token(c);
	tc_linger_end(c);       /* someone else wants to send */
}
