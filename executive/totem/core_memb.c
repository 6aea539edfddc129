/*
 * core_memb.c - membership: GATHER (JOIN, consensus), COMMIT (commit token
 * first rotation), merge detection, token loss (§3.1-§3.5, §3.7, §3.9).
 */
#include <string.h>

#include "core_internal.h"

static void memb_token_set(const struct tc_core *c, struct tm_set *out)
{
	tm_minus(out, &c->proc, &c->failed);
}

static int consensus_agreed(const struct tc_core *c)
{
	struct tm_set t;
	memb_token_set(c, &t);
	if (t.n == 0)
		return c->failed_to_recv;
	return tm_subset(&t, &c->consensus);
}

static uint32_t lowest_in_config(const struct tc_core *c)
{
	struct tm_set t;
	memb_token_set(c, &t);
	return t.n > 0 ? t.id[0] : 0;
}

void tc_send_join(struct tc_core *c)
{
	struct tw_join j;
	size_t len;
	memset(&j, 0, sizeof(j));
	j.h.type = TW_JOIN;
	j.h.sender = c->me;
	j.ring_seq = c->ring_id.seq;
	j.n_proc = c->proc.n;
	memcpy(j.proc, c->proc.id, c->proc.n * sizeof(uint32_t));
	j.n_failed = c->failed.n;
	memcpy(j.failed, c->failed.id, c->failed.n * sizeof(uint32_t));
	len = tw_encode_join(&j, c->scratch, c->cfg.frame_size);
	if (len == 0)
		return;
	tc_emit_send(c, TC_DEST_MCAST_FLUSH, 0, c->scratch, len);
	c->st.joins_tx++;
}

static void join_now_or_later(struct tc_core *c)
{
	if (c->cfg.send_join_ms == 0) {
		tc_send_join(c);
		return;
	}
	if (!tc_timer_armed(c, T_JOIN_SEND))
		tc_timer_set(c, T_JOIN_SEND, tc_rand(c) % c->cfg.send_join_ms);
}

void tc_old_ring_restore(struct tc_core *c)
{
	if (!c->snap_taken)
		return;
	c->my_aru = c->old_aru;
	c->high_seq = c->old_high;
}

void tc_gather_enter(struct tc_core *c, uint32_t reason)
{
	if (c->state == TC_STATE_RECOVERY)
		tc_old_ring_restore(c);
	tm_add(&c->proc, c->me);
	c->state = TC_STATE_GATHER;
	join_now_or_later(c);
	tc_timer_set(c, T_JOIN, c->cfg.join_ms);
	tc_timer_set(c, T_CONSENSUS, c->cfg.consensus_ms);
	tc_timer_stop(c, T_TOKEN_LOSS);
	tc_timer_stop(c, T_TOKEN_RETRANSMIT);
	tc_timer_stop(c, T_MERGE);
	tc_timer_stop(c, T_HOLD);
	tm_clear(&c->consensus);
	tm_add(&c->consensus, c->me);
	c->originated_orf = 0;
	c->token_held = 0;
	tc_linger_drop(c);
	c->tok_len = 0;
	c->st.gather_entered++;
	tc_emit_log(c, TC_LOG_DEBUG, TC_LOG_GATHER_ENTERED, reason, c->proc.n);
}

/* ---- commit token ------------------------------------------------------- */

static void commit_token_send(struct tc_core *c, struct tw_commit *t, uint32_t dest)
{
	size_t len;
	t->token_seq++;
	len = tw_encode_commit(t, c->scratch, c->cfg.frame_size);
	if (len == 0)
		return;
	tc_send_token_packet(c, dest, c->scratch, len);
	c->st.commit_tx++;
	tc_timer_set(c, T_TOKEN_LOSS, c->cfg.token_ms);
	tc_timer_set(c, T_TOKEN_RETRANSMIT, c->cfg.token_retransmit_ms);
}

/* First rotation: fill my entry, adopt the ring id, persist, forward. */
static void commit_enter(struct tc_core *c, struct tw_commit *t)
{
	uint32_t idx = t->memb_index;
	struct tw_commit_entry *e = &t->e[idx];
	uint64_t high_aru = 0;

	if (!c->snap_taken) {
		c->old_aru = c->my_aru;
		c->old_high = c->high_seq;
		c->snap_taken = 1;
	}
	e->ring = c->old_ring_id;
	e->aru = c->old_aru;
	e->high_delivered = c->high_delivered;
	e->received_flg = c->old_aru == c->old_high;
	for (uint32_t i = 0; i <= idx; i++)
		if (tw_ring_eq(&t->e[i].ring, &c->old_ring_id) && t->e[i].aru > high_aru)
			high_aru = t->e[i].aru;
	for (uint32_t i = 0; i <= idx; i++)
		if (tw_ring_eq(&t->e[i].ring, &c->old_ring_id) && t->e[i].aru < high_aru)
			t->e[i].received_flg = 0;
	t->memb_index++;

	tm_from_array(&c->new_memb, t->members, t->count);
	c->ring_id = t->ring;
	if (t->ring.seq > c->max_ring_seq_seen)
		c->max_ring_seq_seen = t->ring.seq;
	tc_emit_simple(c, TC_ACT_PERSIST, &t->ring, t->ring.seq);

	tc_timer_stop(c, T_JOIN);
	tc_timer_stop(c, T_JOIN_SEND);
	tc_timer_stop(c, T_CONSENSUS);
	tc_timer_stop(c, T_MERGE);
	tc_timer_stop(c, T_HOLD);
	c->trc = c->pbl = c->cbl = 0;
	c->state = TC_STATE_COMMIT;
	tc_emit_log(c, TC_LOG_DEBUG, TC_LOG_COMMIT_ENTERED, t->ring.seq, t->ring.rep);
	/* first rotation: to the member after me in the token's list */
	commit_token_send(c, t, t->members[t->memb_index % t->count]);
}

static void commit_token_create(struct tc_core *c)
{
	struct tw_commit t;
	struct tm_set m;
	memb_token_set(c, &m);
	memset(&t, 0, sizeof(t));
	t.h.type = TW_COMMIT;
	t.h.sender = c->me;
	t.ring.rep = c->me;
	t.ring.seq = c->max_ring_seq_seen + 4;
	t.memb_index = 0;
	t.count = m.n;
	memcpy(t.members, m.id, m.n * sizeof(uint32_t));
	t.token_seq = 0;
	commit_enter(c, &t);
}

void tc_handle_commit(struct tc_core *c, struct tw_commit *t)
{
	struct tm_set m, mine;
	t->h.sender = c->me;   /* we forward it under our own name */
	switch (c->state) {
	case TC_STATE_GATHER:
		tm_from_array(&m, t->members, t->count);
		memb_token_set(c, &mine);
		if (tm_equal(&m, &mine) && t->ring.seq > c->ring_id.seq &&
		    t->memb_index < t->count && t->members[t->memb_index] == c->me)
			commit_enter(c, t);
		break;
	case TC_STATE_COMMIT:
		if (tw_ring_eq(&t->ring, &c->ring_id) && t->memb_index == t->count) {
			tc_recovery_enter(c, t);
			commit_token_send(c, t, tc_successor(c));
			c->commit_seq_sent = t->token_seq;
		}
		break;
	case TC_STATE_RECOVERY:
		if (c->me == c->ring_id.rep && tw_ring_eq(&t->ring, &c->ring_id) &&
		    t->memb_index == t->count && !c->originated_orf &&
		    t->token_seq >= c->commit_seq_sent) {
			c->originated_orf = 1;
			tc_send_initial_orf(c);
		}
		break;
	default:
		break;
	}
}

/* ---- JOIN ----------------------------------------------------------------- */

static void join_process(struct tc_core *c, const struct tw_join *j)
{
	struct tm_set jp, jf;
	uint32_t sender = j->h.sender;
	int leave = (j->h.flags & TW_FLAG_LEAVE) != 0;
	int changed;

	tm_from_array(&jp, j->proc, j->n_proc);
	tm_from_array(&jf, j->failed, j->n_failed);

	if (tm_equal(&jp, &c->proc) && tm_equal(&jf, &c->failed)) {
		if (leave)
			return;
		tm_add(&c->consensus, sender);
		if (consensus_agreed(c)) {
			if (c->failed_to_recv) {
				c->failed_to_recv = 0;
				tm_clear(&c->proc);
				tm_add(&c->proc, c->me);
				tm_clear(&c->failed);
				commit_token_create(c);
			} else if (lowest_in_config(c) == c->me) {
				commit_token_create(c);
			}
		}
		return;
	}
	if (tm_subset(&jp, &c->proc) && tm_subset(&jf, &c->failed))
		return;
	if (tm_has(&c->failed, sender))
		return;
	changed = tm_union(&c->proc, &jp);
	if (tm_has(&jf, c->me)) {
		/* we cannot both be in the next ring */
		if (!tm_has(&c->failed, sender)) {
			tm_add(&c->failed, sender);
			changed = 1;
		}
	} else if (tm_has(&c->memb, sender)) {
		changed |= tm_union(&c->failed, &jf);
	} else {
		/* a foreign node may not fail members of my ring, only others */
		struct tm_set others;
		tm_minus(&others, &jf, &c->memb);
		changed |= tm_union(&c->failed, &others);
	}
	/* Re-entering GATHER restarts the consensus timer and re-sends a JOIN:
	   doing it for a JOIN that changed nothing lets two sides with different
	   failed lists ping-pong forever. */
	if (!changed)
		return;
	tc_gather_enter(c, TC_REASON_JOIN);
}

void tc_handle_join(struct tc_core *c, const struct tw_join *j)
{
	uint32_t sender = j->h.sender;
	if (j->ring_seq > c->max_ring_seq_seen && j->ring_seq < UINT64_MAX / 2)
		c->max_ring_seq_seen = j->ring_seq;
	switch (c->state) {
	case TC_STATE_OPERATIONAL: {
		struct tm_set jf;
		tm_from_array(&jf, j->failed, j->n_failed);
		if (tm_has(&jf, c->me))
			return;
		if (tm_has(&c->memb, sender) && j->ring_seq < c->ring_id.seq)
			return;
		tc_gather_enter(c, TC_REASON_JOIN);
		join_process(c, j);
		break;
	}
	case TC_STATE_GATHER:
		join_process(c, j);
		break;
	case TC_STATE_COMMIT:
	case TC_STATE_RECOVERY:
		/* only a member of the ring being installed can abort it */
		if (!tm_has(&c->new_memb, sender) || j->ring_seq < c->ring_id.seq)
			return;
		tc_gather_enter(c, c->state == TC_STATE_COMMIT ? TC_REASON_JOIN_IN_COMMIT
		                                               : TC_REASON_JOIN_IN_RECOVERY);
		join_process(c, j);
		break;
	default:
		break;
	}
}

/* ---- merge detection --------------------------------------------------- */

void tc_handle_merge_detect(struct tc_core *c, const struct tw_ringmsg *m)
{
	uint32_t sender = m->h.sender;
	if (tw_ring_eq(&m->ring, &c->ring_id))
		return;
	switch (c->state) {
	case TC_STATE_OPERATIONAL:
		if (tm_has(&c->memb, sender) && m->ring.seq < c->ring_id.seq)
			return;
		if (tm_add(&c->proc, sender) == 0)
			tc_gather_enter(c, TC_REASON_MERGE_DETECT);
		break;
	case TC_STATE_GATHER:
		if (!tm_has(&c->proc, sender) && tm_add(&c->proc, sender) == 0)
			tc_gather_enter(c, TC_REASON_MERGE_DETECT);
		break;
	default:
		break;
	}
}

void tc_timer_merge(struct tc_core *c)
{
	struct tw_ringmsg m;
	uint8_t buf[TW_RINGMSG_LEN];
	size_t len;
	if (c->state != TC_STATE_OPERATIONAL || c->ring_id.rep != c->me)
		return;
	memset(&m, 0, sizeof(m));
	m.h.type = TW_MERGE_DETECT;
	m.h.sender = c->me;
	m.ring = c->ring_id;
	len = tw_encode_ringmsg(&m, buf, sizeof(buf));
	tc_emit_send(c, TC_DEST_MCAST_FLUSH, 0, buf, len);
	c->st.merge_detect_tx++;
}

/* ---- timers ---------------------------------------------------------------- */

static void consensus_expired(struct tc_core *c)
{
	c->st.consensus_timeouts++;
	if (consensus_agreed(c)) {
		/* everyone agrees: wait for the representative's commit token */
		tm_clear(&c->consensus);
		tm_add(&c->consensus, c->me);
		tc_timer_set(c, T_TOKEN_LOSS, c->cfg.token_ms);
		return;
	}
	struct tm_set t, missing;
	memb_token_set(c, &t);
	tm_minus(&missing, &t, &c->consensus);
	tm_union(&c->failed, &missing);
	c->st.consecutive_consensus_timeouts++;
	tc_emit_log(c, c->st.consecutive_consensus_timeouts > 3 ? TC_LOG_WARNING : TC_LOG_DEBUG,
	            TC_LOG_CONSENSUS_EXPIRED, c->st.consecutive_consensus_timeouts, missing.n);
	tc_gather_enter(c, TC_REASON_CONSENSUS_TIMEOUT);
}

void tc_timer_consensus(struct tc_core *c)
{
	if (c->state == TC_STATE_GATHER)
		consensus_expired(c);
}

void tc_timer_token_loss(struct tc_core *c)
{
	switch (c->state) {
	case TC_STATE_OPERATIONAL:
		c->st.token_lost_operational++;
		tc_emit_log(c, TC_LOG_NOTICE, TC_LOG_TOKEN_LOST, c->state, 0);
		tc_gather_enter(c, TC_REASON_TOKEN_LOST_OPERATIONAL);
		break;
	case TC_STATE_GATHER:
		/* armed after consensus: the commit token did not come */
		c->st.token_lost_gather++;
		if (consensus_agreed(c))
			tc_gather_enter(c, TC_REASON_TOKEN_LOST_GATHER);
		else
			consensus_expired(c);
		break;
	case TC_STATE_COMMIT:
		c->st.token_lost_commit++;
		tc_emit_log(c, TC_LOG_NOTICE, TC_LOG_TOKEN_LOST, c->state, 0);
		tc_gather_enter(c, TC_REASON_TOKEN_LOST_COMMIT);
		break;
	case TC_STATE_RECOVERY:
		c->st.token_lost_recovery++;
		tc_emit_log(c, TC_LOG_NOTICE, TC_LOG_TOKEN_LOST, c->state, 0);
		tc_gather_enter(c, TC_REASON_TOKEN_LOST_RECOVERY);
		break;
	default:
		break;
	}
}

void tc_timer_join(struct tc_core *c)
{
	if (c->state != TC_STATE_GATHER)
		return;
	join_now_or_later(c);
	tc_timer_set(c, T_JOIN, c->cfg.join_ms);
}

void tc_timer_join_send(struct tc_core *c)
{
	if (c->state == TC_STATE_GATHER)
		tc_send_join(c);
}
