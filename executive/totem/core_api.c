/*
 * core_api.c - creation, input dispatch, timers, the action list and the
 * query functions of the totem core.
 */
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"

void tc_config_defaults(struct tc_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->token_ms = 1000;
	cfg->token_retransmit_ms = 238;
	cfg->hold_ms = 180;
	cfg->join_ms = 50;
	cfg->send_join_ms = 0;
	cfg->consensus_ms = 1200;
	cfg->merge_ms = 200;
	cfg->fail_recv_const = 2500;
	cfg->seqno_unchanged_const = 30;
	cfg->miss_count_const = 5;
	cfg->window_size = 50;
	cfg->max_messages = 17;
	cfg->frame_size = 1500 - 28 - 40;
	cfg->sq_capacity = 4096;
	cfg->max_msg_size = TC_MSG_SIZE_MAX;
	cfg->pending_bytes = 4u * TC_MSG_SIZE_MAX;
	cfg->trans_ack_gate = 0;
	cfg->trace_frames = 0;
	cfg->seq_start = 0;
}

uint32_t tc_frame_payload(const struct tc_config *cfg)
{
	if (cfg->frame_size < 2 * TW_MCAST_HDR_LEN)
		return 0;
	return cfg->frame_size - 2 * TW_MCAST_HDR_LEN;
}

int tc_config_validate(const struct tc_config *cfg)
{
	uint32_t payload = tc_frame_payload(cfg);
	if (cfg->token_ms == 0 || cfg->token_retransmit_ms == 0 || cfg->hold_ms == 0 ||
	    cfg->join_ms == 0 || cfg->consensus_ms == 0 || cfg->merge_ms == 0)
		return TC_EINVAL;
	if (cfg->token_retransmit_ms >= cfg->token_ms || cfg->hold_ms >= cfg->token_ms)
		return TC_EINVAL;
	if (cfg->consensus_ms < cfg->join_ms)
		return TC_EINVAL;
	if (cfg->window_size == 0 || cfg->max_messages == 0 || cfg->window_size > 100000)
		return TC_EINVAL;
	if (payload < 64 || payload > 65000)
		return TC_EINVAL;
	if (cfg->sq_capacity < 4 * cfg->window_size + 16 || cfg->sq_capacity > (1u << 24))
		return TC_EINVAL;
	if (cfg->max_msg_size == 0 || cfg->max_msg_size > 16u * TC_MSG_SIZE_MAX)
		return TC_EINVAL;
	if ((uint64_t)cfg->max_msg_size / (payload - TPK_FRAME_HDR - TPK_FRAG_HDR) >= 65535)
		return TC_EINVAL;
	if ((uint64_t)cfg->pending_bytes < (uint64_t)cfg->max_msg_size + TPK_REC_HDR)
		return TC_EINVAL;
	if (cfg->seq_start > UINT64_MAX / 2)
		return TC_EINVAL;
	return TC_OK;
}

/* ---- actions ---------------------------------------------------------- */

static void begin_call(struct tc_core *c, uint64_t now)
{
	if (c->fetched >= c->n_acts) {
		c->n_acts = 0;
		c->fetched = 0;
		c->arena_len = 0;
	}
	if (now > c->now)
		c->now = now;
}

static size_t arena_put(struct tc_core *c, const void *p, size_t len)
{
	size_t off = c->arena_len;
	size_t need = off + len + 8;
	if (need > c->arena_cap) {
		size_t cap = c->arena_cap * 2;
		while (cap < need)
			cap *= 2;
		uint8_t *n = realloc(c->arena, cap);
		if (n == NULL)
			abort();
		c->arena = n;
		c->arena_cap = cap;
	}
	if (len > 0)
		memcpy(c->arena + off, p, len);
	/* keep following items 8-byte aligned (node lists are uint32_t) */
	c->arena_len = (off + len + 7) & ~(size_t)7;
	return off;
}

static struct tc_act_rec *act_new(struct tc_core *c, uint32_t type)
{
	if (c->n_acts == c->cap_acts) {
		size_t cap = c->cap_acts * 2;
		struct tc_act_rec *n = realloc(c->acts, cap * sizeof(*n));
		if (n == NULL)
			abort();
		c->acts = n;
		c->cap_acts = cap;
	}
	struct tc_act_rec *r = &c->acts[c->n_acts++];
	memset(r, 0, sizeof(*r));
	r->a.type = type;
	r->data_off = SIZE_MAX;
	r->m_off = r->l_off = r->j_off = SIZE_MAX;
	return r;
}

void tc_emit_send(struct tc_core *c, uint32_t kind, uint32_t node, const uint8_t *p, size_t len)
{
	struct tc_act_rec *r = act_new(c, TC_ACT_SEND);
	r->a.kind = kind;
	r->a.node = node;
	r->a.len = len;
	r->data_off = arena_put(c, p, len);
}

void tc_emit_log(struct tc_core *c, uint32_t level, uint32_t code, uint64_t arg, uint64_t arg2)
{
	struct tc_act_rec *r = act_new(c, TC_ACT_LOG);
	r->a.kind = level;
	r->a.code = code;
	r->a.node = c->me;
	r->a.ring = c->ring_id;
	r->a.arg = arg;
	r->a.arg2 = arg2;
}

void tc_emit_simple(struct tc_core *c, uint32_t type, const struct tc_ring_id *ring, uint64_t seq)
{
	struct tc_act_rec *r = act_new(c, type);
	if (ring != NULL)
		r->a.ring = *ring;
	r->a.seq = seq;
	r->a.node = c->me;
}

void tc_emit_confchg(struct tc_core *c, uint32_t kind, const struct tm_set *members,
                     const struct tm_set *left, const struct tm_set *joined)
{
	struct tc_act_rec *r = act_new(c, TC_ACT_CONFCHG);
	r->a.kind = kind;
	r->a.ring = c->ring_id;
	r->a.node = c->me;
	r->a.n_members = members->n;
	r->a.n_left = left->n;
	r->a.n_joined = joined->n;
	r->m_off = arena_put(c, members->id, members->n * sizeof(uint32_t));
	r->l_off = arena_put(c, left->id, left->n * sizeof(uint32_t));
	r->j_off = arena_put(c, joined->id, joined->n * sizeof(uint32_t));
}

void tc_emit_deliver(struct tc_core *c, uint32_t origin, uint8_t channel, const uint8_t *p,
                     size_t len, const struct tc_ring_id *ring, uint64_t seq, int safe, uint32_t idx)
{
	struct tc_act_rec *r = act_new(c, TC_ACT_DELIVER);
	r->a.node = origin;
	r->a.channel = channel;
	r->a.safe = (uint32_t)safe;
	r->a.ring = *ring;
	r->a.seq = seq;
	r->a.arg = idx;
	r->a.kind = c->delivering_regular;
	r->a.len = len;
	r->data_off = arena_put(c, p, len);
	c->st.delivered_msgs++;
}

void tc_emit_frame(struct tc_core *c, uint32_t origin, const struct tc_ring_id *ring, uint64_t seq,
                   int safe, const uint8_t *p, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	struct tc_act_rec *r = act_new(c, TC_ACT_FRAME);
	r->a.node = origin;
	r->a.ring = *ring;
	r->a.seq = seq;
	r->a.safe = (uint32_t)safe;
	r->a.kind = c->delivering_regular;
	r->a.arg = h;
	r->a.len = len;
}

size_t tc_actions(struct tc_core *c, struct tc_action *out, size_t max)
{
	size_t n = 0;
	while (n < max && c->fetched < c->n_acts) {
		struct tc_act_rec *r = &c->acts[c->fetched++];
		out[n] = r->a;
		if (r->data_off != SIZE_MAX)
			out[n].data = c->arena + r->data_off;
		if (r->m_off != SIZE_MAX) {
			out[n].members = (const uint32_t *)(const void *)(c->arena + r->m_off);
			out[n].left = (const uint32_t *)(const void *)(c->arena + r->l_off);
			out[n].joined = (const uint32_t *)(const void *)(c->arena + r->j_off);
		}
		n++;
	}
	return n;
}

/* ---- timers and randomness -------------------------------------------- */

void tc_timer_set(struct tc_core *c, enum tc_timer t, uint64_t delay_ms)
{
	c->timer[t] = c->now + delay_ms;
}

void tc_timer_stop(struct tc_core *c, enum tc_timer t)
{
	c->timer[t] = TC_NEVER;
}

int tc_timer_armed(const struct tc_core *c, enum tc_timer t)
{
	return c->timer[t] != TC_NEVER;
}

uint64_t tc_rand(struct tc_core *c)
{
	uint64_t z = (c->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t tc_next_deadline(const struct tc_core *c)
{
	uint64_t d = TC_NEVER;
	for (int i = 0; i < T_COUNT; i++)
		if (c->timer[i] < d)
			d = c->timer[i];
	return d;
}

void tc_timeout(struct tc_core *c, uint64_t now_ms)
{
	begin_call(c, now_ms);
	for (int guard = 0; guard < 4 * T_COUNT; guard++) {
		int best = -1;
		for (int i = 0; i < T_COUNT; i++)
			if (c->timer[i] <= c->now && (best < 0 || c->timer[i] < c->timer[best]))
				best = i;
		if (best < 0)
			break;
		c->timer[best] = TC_NEVER;
		switch (best) {
		case T_TOKEN_RETRANSMIT: tc_timer_retransmit(c); break;
		case T_HOLD: tc_timer_hold(c); break;
		case T_TOKEN_LOSS: tc_timer_token_loss(c); break;
		case T_MERGE: tc_timer_merge(c); break;
		case T_JOIN: tc_timer_join(c); break;
		case T_JOIN_SEND: tc_timer_join_send(c); break;
		case T_CONSENSUS: tc_timer_consensus(c); break;
		case T_LINGER: tc_linger_end(c); break;
		default: break;
		}
	}
}

/* ---- lifecycle --------------------------------------------------------- */

struct tc_core *tc_create(const struct tc_config *cfg, uint32_t my_nodeid,
                          uint64_t stored_ring_seq, uint64_t rng_seed)
{
	struct tc_core *c;
	if (cfg == NULL || my_nodeid == 0 || tc_config_validate(cfg) != TC_OK)
		return NULL;
	if (stored_ring_seq > UINT64_MAX / 2)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->cfg = *cfg;
	c->me = my_nodeid;
	c->state = TC_STATE_IDLE;
	c->rng = rng_seed ^ ((uint64_t)my_nodeid << 32);
	c->payload_cap = tc_frame_payload(cfg);
	for (int i = 0; i < T_COUNT; i++)
		c->timer[i] = TC_NEVER;
	c->cap_acts = 256;
	c->arena_cap = 1u << 16;
	c->acts = malloc(c->cap_acts * sizeof(*c->acts));
	c->arena = malloc(c->arena_cap);
	c->scratch = malloc(cfg->frame_size);
	c->frame = malloc(cfg->frame_size);
	c->covered = calloc(cfg->sq_capacity, 1);
	if (c->acts == NULL || c->arena == NULL || c->scratch == NULL || c->frame == NULL ||
	    c->covered == NULL ||
	    tsq_init(&c->sq, cfg->sq_capacity, cfg->frame_size) != 0 ||
	    tsq_init(&c->rsq, cfg->sq_capacity, cfg->frame_size) != 0 ||
	    tpq_init(&c->pq, cfg->pending_bytes) != 0 ||
	    (cfg->trans_ack_gate && tpq_init(&c->pq2, cfg->pending_bytes) != 0)) {
		tc_destroy(c);
		return NULL;
	}
	tpk_rx_init(&c->rx, cfg->max_msg_size);
	c->ring_id.rep = my_nodeid;
	c->ring_id.seq = stored_ring_seq + 1;
	c->old_ring_id = c->ring_id;
	c->max_ring_seq_seen = stored_ring_seq + 1;
	tsq_reset(&c->sq, cfg->seq_start);
	tsq_reset(&c->rsq, cfg->seq_start);
	c->my_aru = c->high_seq = c->high_delivered = cfg->seq_start;
	c->my_last_aru = c->my_last_seq = c->safe_point = cfg->seq_start;
	tm_clear(&c->proc);
	tm_add(&c->proc, my_nodeid);
	tm_add(&c->consensus, my_nodeid);
	return c;
}

void tc_destroy(struct tc_core *c)
{
	if (c == NULL)
		return;
	tsq_free(&c->sq);
	tsq_free(&c->rsq);
	tpq_free(&c->pq);
	tpq_free(&c->pq2);
	tpk_rx_free(&c->rx);
	free(c->acts);
	free(c->arena);
	free(c->scratch);
	free(c->frame);
	free(c->covered);
	free(c);
}

void tc_start(struct tc_core *c, uint64_t now_ms)
{
	begin_call(c, now_ms);
	if (c->state != TC_STATE_IDLE)
		return;
	tc_gather_enter(c, TC_REASON_START);
}

void tc_input(struct tc_core *c, uint64_t now_ms, uint32_t src_nodeid,
              const uint8_t *pkt, size_t len)
{
	union tw_packet p;
	int rc;

	begin_call(c, now_ms);
	if (c->state == TC_STATE_IDLE || c->state == TC_STATE_LEFT)
		return;
	c->st.rx_packets++;
	rc = tw_decode(pkt, len, &p);
	if (rc == TW_OK && p.h.type == TW_MCAST) {
		/* size limits and frame structure are checked before anything is stored */
		if (len > c->cfg.frame_size)
			rc = TW_ERR_LENGTH;
		else if (!(p.h.flags & TW_FLAG_ENCAP) &&
		         (p.mcast.payload_len > c->payload_cap ||
		          tpk_validate(p.mcast.payload, p.mcast.payload_len, c->cfg.max_msg_size) != 0))
			rc = TW_ERR_VALUE;
		else if ((p.h.flags & TW_FLAG_ENCAP) &&
		         !tc_inner_valid(c, p.mcast.payload, p.mcast.payload_len))
			rc = TW_ERR_VALUE;
	}
	if (rc != TW_OK) {
		c->st.rx_bad++;
		/* logged on powers of two so a flood cannot flood the log */
		if ((c->st.rx_bad & (c->st.rx_bad - 1)) == 0)
			tc_emit_log(c, TC_LOG_WARNING, TC_LOG_BAD_PACKET, (uint64_t)-rc, c->st.rx_bad);
		return;
	}
	/* An MCAST keeps its originator's id when another member retransmits it
	   (§2.5), so only the other packet types must come from their sender. */
	if (p.h.type != TW_MCAST && p.h.sender != src_nodeid) {
		c->st.rx_bad_sender++;
		return;
	}
	switch (p.h.type) {
	case TW_ORF: tc_handle_orf(c, &p.orf); break;
	case TW_MCAST: tc_handle_mcast(c, &p.mcast, pkt, len); break;
	case TW_MERGE_DETECT: tc_handle_merge_detect(c, &p.ringmsg); break;
	case TW_JOIN: tc_handle_join(c, &p.join); break;
	case TW_COMMIT: tc_handle_commit(c, &p.commit); break;
	case TW_HOLD_CANCEL: tc_handle_hold_cancel(c, &p.ringmsg); break;
	default: break;
	}
}

int tc_submit(struct tc_core *c, uint64_t now_ms, uint8_t channel,
              const uint8_t *msg, size_t len, int safe)
{
	struct tpq *q;
	begin_call(c, now_ms);
	if (len > c->cfg.max_msg_size || (msg == NULL && len > 0))
		return TC_EINVAL;
	if (c->state == TC_STATE_LEFT)
		return TC_ESTATE;
	q = c->waiting_trans_ack ? &c->pq2 : &c->pq;
	if (tpq_push(q, channel, safe, msg, len) != 0) {
		c->st.submit_eagain++;
		return TC_EAGAIN;
	}
	if (c->token_held && c->state == TC_STATE_OPERATIONAL) {
		c->token_held = 0;
		tc_send_hold_cancel(c);
	}
	return TC_OK;
}

void tc_trans_ack(struct tc_core *c)
{
	begin_call(c, c->now);
	c->waiting_trans_ack = 0;
}

void tc_link_state(struct tc_core *c, uint64_t now_ms, int isolated)
{
	begin_call(c, now_ms);
	if (c->state == TC_STATE_IDLE || c->state == TC_STATE_LEFT)
		return;
	if ((isolated != 0) != c->isolated) {
		c->isolated = isolated != 0;
		tc_gather_enter(c, TC_REASON_LINK_CHANGE);
	}
}

void tc_leave(struct tc_core *c, uint64_t now_ms)
{
	struct tw_join j;
	struct tm_set p = c->proc, f = c->failed;
	size_t len;
	begin_call(c, now_ms);
	if (c->state == TC_STATE_IDLE || c->state == TC_STATE_LEFT)
		return;
	memset(&j, 0, sizeof(j));
	tm_remove(&p, c->me);
	tm_add(&f, c->me);
	j.h.type = TW_JOIN;
	j.h.flags = TW_FLAG_LEAVE;
	j.h.sender = c->me;
	j.ring_seq = c->ring_id.seq;
	j.n_proc = p.n;
	memcpy(j.proc, p.id, p.n * sizeof(uint32_t));
	j.n_failed = f.n;
	memcpy(j.failed, f.id, f.n * sizeof(uint32_t));
	len = tw_encode_join(&j, c->scratch, c->cfg.frame_size);
	if (len > 0)
		tc_emit_send(c, TC_DEST_MCAST_FLUSH, 0, c->scratch, len);
	for (int i = 0; i < T_COUNT; i++)
		c->timer[i] = TC_NEVER;
	tc_linger_drop(c);
	c->state = TC_STATE_LEFT;
	tc_emit_log(c, TC_LOG_NOTICE, TC_LOG_LEFT, 0, 0);
}

/* ---- token linger --------------------------------------------------------- */

uint64_t tc_lingering(const struct tc_core *c)
{
	return c->lingering ? c->linger_id : 0;
}

void tc_linger_flush(struct tc_core *c, uint64_t now_ms)
{
	begin_call(c, now_ms);
	tc_linger_flush_now(c);
}

void tc_linger_release(struct tc_core *c, uint64_t now_ms)
{
	begin_call(c, now_ms);
	tc_linger_end(c);
}

/* ---- queries ------------------------------------------------------------ */

size_t tc_queue_space(const struct tc_core *c)
{
	const struct tpq *q = c->waiting_trans_ack ? &c->pq2 : &c->pq;
	uint64_t s = tpq_space(q);
	return s > TPK_REC_HDR ? (size_t)(s - TPK_REC_HDR) : 0;
}

void tc_get_status(const struct tc_core *c, struct tc_status *out)
{
	memset(out, 0, sizeof(*out));
	out->state = c->state;
	out->nodeid = c->me;
	out->ring = c->ring_id;
	out->old_ring = c->old_ring_id;
	out->n_members = c->memb.n;
	memcpy(out->members, c->memb.id, c->memb.n * sizeof(uint32_t));
	out->n_ring_members = c->new_memb.n;
	memcpy(out->ring_members, c->new_memb.id, c->new_memb.n * sizeof(uint32_t));
	out->my_aru = c->my_aru;
	out->high_seq_received = c->high_seq;
	out->high_delivered = c->high_delivered;
	out->last_released = c->sq.base;
	out->max_ring_seq_seen = c->max_ring_seq_seen;
	out->sq_used = c->sq.used + c->rsq.used;
	out->sq_capacity = c->cfg.sq_capacity;
	out->pending_bytes_used = tpq_used(&c->pq) + (c->pq2.buf ? tpq_used(&c->pq2) : 0);
	out->pending_msgs = c->pq.count + c->pq2.count;
	out->assemblies_active = tpk_rx_active(&c->rx);
	out->waiting_trans_ack = (uint32_t)c->waiting_trans_ack;
}

void tc_get_stats(const struct tc_core *c, struct tc_stats *out)
{
	*out = c->st;
}

int tc_has_message(const struct tc_core *c, const struct tc_ring_id *ring, uint64_t seq)
{
	if (tw_ring_eq(ring, &c->old_ring_id))
		return (seq <= c->sq.base || tsq_has(&c->sq, seq)) ? 1 : 0;
	if (c->state == TC_STATE_RECOVERY && tw_ring_eq(ring, &c->ring_id))
		return (seq <= c->rsq.base || tsq_has(&c->rsq, seq)) ? 1 : 0;
	return -1;
}

const char *tc_log_code_name(uint32_t code)
{
	static const char *const names[] = {
		"?", "gather entered", "commit entered", "recovery entered", "operational",
		"token lost", "consensus expired", "failed to receive", "retransmit list",
		"bad packet", "left",
	};
	return code < sizeof(names) / sizeof(names[0]) ? names[code] : "?";
}

const char *tc_state_name(uint32_t state)
{
	static const char *const names[] = {
		"?", "OPERATIONAL", "GATHER", "COMMIT", "RECOVERY", "IDLE", "LEFT",
	};
	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}
