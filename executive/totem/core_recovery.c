/*
 * core_recovery.c - RECOVERY (§3.6): entering it from the complete commit
 * token, the retransmit-flag protocol on the new ring, the first ORF token,
 * and the install of the new ring with EVS delivery of the old ring's
 * messages (§1.1, §1.2, §2.6).
 */
#include <string.h>

#include "core_internal.h"

#define MCAST_GUARANTEE_OFF (TW_HDR_LEN + TW_RING_LEN + 8u)
#define MCAST_SENDER_OFF 5u

static uint32_t pkt_sender(const uint8_t *p)
{
	return (uint32_t)p[MCAST_SENDER_OFF] << 24 | (uint32_t)p[MCAST_SENDER_OFF + 1] << 16 |
	       (uint32_t)p[MCAST_SENDER_OFF + 2] << 8 | p[MCAST_SENDER_OFF + 3];
}

void tc_recovery_enter(struct tc_core *c, const struct tw_commit *t)
{
	int all_received = 1;
	uint64_t low = c->old_high;
	uint64_t s0 = c->cfg.seq_start;

	tm_from_array(&c->new_memb, t->members, t->count);
	tm_clear(&c->trans);
	c->high_ring_delivered = c->high_delivered;
	for (uint32_t i = 0; i < t->count; i++) {
		const struct tw_commit_entry *e = &t->e[i];
		if (!tm_has(&c->memb, t->members[i]) || !tw_ring_eq(&e->ring, &c->old_ring_id))
			continue;
		tm_add(&c->trans, t->members[i]);
		if (e->high_delivered > c->high_ring_delivered)
			c->high_ring_delivered = e->high_delivered;
		if (!e->received_flg)
			all_received = 0;
		if (e->aru < low)
			low = e->aru;
	}
	if (low < c->sq.base)
		low = c->sq.base;
	if (all_received || c->trans.n == 0) {
		c->rq_next = 1;
		c->rq_end = 0;
	} else {
		c->rq_next = low + 1;
		c->rq_end = c->old_high;
	}
	memset(c->covered, 0, c->sq.cap);

	c->my_token_seq = 0;
	tsq_reset(&c->rsq, s0);
	c->my_aru = c->high_seq = c->install_seq = s0;
	c->my_last_aru = c->my_last_seq = c->safe_point = s0;
	c->aru_count = c->seq_unchanged = 0;
	c->received_flg = 0;
	c->retrans_flg_count = 0;
	c->set_retrans_flg = 0;
	c->rotation_counter = 0;
	c->originated_orf = 0;
	c->trc = c->pbl = c->cbl = 0;
	c->token_held = 0;
	tc_timer_set(c, T_TOKEN_LOSS, c->cfg.token_ms);
	tc_timer_set(c, T_TOKEN_RETRANSMIT, c->cfg.token_retransmit_ms);
	c->state = TC_STATE_RECOVERY;
	tc_emit_log(c, TC_LOG_DEBUG, TC_LOG_RECOVERY_ENTERED,
	            c->rq_end >= c->rq_next ? c->rq_end - c->rq_next + 1 : 0, c->trans.n);
}

void tc_send_initial_orf(struct tc_core *c)
{
	struct tw_orf tok;
	size_t len;
	int pending = !tc_recovery_queue_empty(c);
	memset(&tok, 0, sizeof(tok));
	tok.h.type = TW_ORF;
	tok.h.sender = c->me;
	tok.ring = c->ring_id;
	tok.token_seq = 1;
	tok.seq = c->cfg.seq_start;
	tok.aru = c->cfg.seq_start;
	tok.aru_addr = 0;
	tok.retrans_flg = (uint8_t)pending;
	c->set_retrans_flg = pending;
	len = tw_encode_orf(&tok, c->scratch, c->cfg.frame_size);
	tc_send_token_packet(c, tc_successor(c), c->scratch, len);
	c->st.tokens_tx++;
	tc_timer_set(c, T_TOKEN_LOSS, c->cfg.token_ms);
	tc_timer_set(c, T_TOKEN_RETRANSMIT, c->cfg.token_retransmit_ms);
}

void tc_recovery_token(struct tc_core *c, struct tw_orf *tok)
{
	int empty = tc_recovery_queue_empty(c);
	if (!empty && tok->retrans_flg == 0) {
		tok->retrans_flg = 1;
		c->set_retrans_flg = 1;
	} else if (empty && tok->retrans_flg == 1 && c->set_retrans_flg) {
		tok->retrans_flg = 0;
		c->set_retrans_flg = 0;
	}
	if (tok->retrans_flg == 0)
		c->retrans_flg_count++;
	else
		c->retrans_flg_count = 0;
	if (c->retrans_flg_count == 2)
		c->install_seq = tok->seq;
	if (c->retrans_flg_count >= 2 && !c->received_flg && c->install_seq <= c->my_aru)
		c->received_flg = 1;
	if (c->retrans_flg_count >= 3 && c->install_seq <= tok->aru)
		c->rotation_counter++;
	else
		c->rotation_counter = 0;
	if (c->rotation_counter == 2) {
		c->rotation_counter = 0;
		c->retrans_flg_count = 0;
		tc_install(c);
	}
}

/* Put re-sent old-ring messages back into the old ring's queue. */
static void unwrap_recovered(struct tc_core *c)
{
	for (uint64_t s = c->rsq.base + 1; s <= c->my_aru; s++) {
		union tw_packet out, in;
		size_t len;
		const uint8_t *pkt = tsq_get(&c->rsq, s, &len);
		if (pkt == NULL || tw_decode(pkt, len, &out) != TW_OK || out.h.type != TW_MCAST ||
		    !(out.h.flags & TW_FLAG_ENCAP))
			continue;
		if (tw_decode(out.mcast.payload, out.mcast.payload_len, &in) != TW_OK ||
		    in.h.type != TW_MCAST || (in.h.flags & TW_FLAG_ENCAP) ||
		    !tw_ring_eq(&in.mcast.ring, &c->old_ring_id))
			continue;
		if (tsq_put(&c->sq, in.mcast.seq, out.mcast.payload, out.mcast.payload_len) >= 0 &&
		    in.mcast.seq > c->old_high)
			c->old_high = in.mcast.seq;
	}
}

void tc_install(struct tc_core *c)
{
	struct tm_set left, joined, empty;
	int hole = 0;

	unwrap_recovered(c);

	/* regular pass: contiguous old-ring messages, SAFE ones only if a
	   transitional member already delivered that far */
	for (uint64_t s = c->high_delivered + 1; s <= c->old_high; s++) {
		size_t len;
		const uint8_t *pkt = tsq_get(&c->sq, s, &len);
		if (pkt == NULL)
			break;
		if (pkt[MCAST_GUARANTEE_OFF] == TW_SAFE && s > c->high_ring_delivered)
			break;
		tc_deliver_frame(c, pkt, len, 1);
		c->high_delivered = s;
	}

	tm_minus(&left, &c->memb, &c->trans);
	tm_minus(&joined, &c->new_memb, &c->trans);
	tm_clear(&empty);
	tc_emit_confchg(c, TC_CONF_TRANSITIONAL, &c->trans, &left, &empty);

	/* transitional pass: after the first hole only messages of trans members */
	for (uint64_t s = c->high_delivered + 1; s <= c->old_high; s++) {
		size_t len;
		const uint8_t *pkt = tsq_get(&c->sq, s, &len);
		if (pkt == NULL) {
			hole = 1;
			continue;
		}
		if (hole && !tm_has(&c->trans, pkt_sender(pkt)))
			continue;
		tc_deliver_frame(c, pkt, len, 0);
	}

	c->memb = c->new_memb;
	tc_emit_confchg(c, TC_CONF_REGULAR, &c->memb, &empty, &joined);
	tpk_rx_discard_partial(&c->rx);
	tpq_restart_head(&c->pq);
	if (c->pq2.buf != NULL)
		tpq_restart_head(&c->pq2);
	if (c->cfg.trans_ack_gate)
		c->waiting_trans_ack = 1;

	/* the new ring's queue becomes the sort queue; recovery traffic is consumed */
	tsq_swap(&c->sq, &c->rsq);
	tsq_reset(&c->rsq, c->cfg.seq_start);
	tsq_release(&c->sq, c->install_seq);
	c->high_delivered = c->install_seq;
	c->my_last_aru = c->cfg.seq_start;
	c->safe_point = c->cfg.seq_start;

	c->proc = c->memb;
	tm_clear(&c->failed);
	tm_clear(&c->consensus);
	tm_add(&c->consensus, c->me);
	c->failed_to_recv = 0;
	c->snap_taken = 0;
	c->old_ring_id = c->ring_id;
	c->state = TC_STATE_OPERATIONAL;
	c->st.rings_installed++;
	c->st.consecutive_consensus_timeouts = 0;
	tc_emit_log(c, TC_LOG_NOTICE, TC_LOG_OPERATIONAL, c->ring_id.seq, c->memb.n);
}
