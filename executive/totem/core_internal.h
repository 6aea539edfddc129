/* core_internal.h - state of one totem core instance, shared by core_*.c. */
#ifndef TOTEM_CORE_INTERNAL_H
#define TOTEM_CORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "totem_core.h"
#include "totem_memb.h"
#include "totem_pack.h"
#include "totem_sq.h"
#include "totem_wire.h"

#define TC_NEVER UINT64_MAX

/* Timer order = tie-break order when several expire together (§8.2). */
enum tc_timer {
	T_TOKEN_RETRANSMIT = 0,
	T_HOLD,
	T_TOKEN_LOSS,
	T_MERGE,
	T_JOIN,
	T_JOIN_SEND,
	T_CONSENSUS,
	T_LINGER,                   /* backstop of a lingering token (token_linger) */
	T_COUNT
};

struct tc_act_rec {
	struct tc_action a;
	size_t data_off;
	size_t m_off;
	size_t l_off;
	size_t j_off;
};

struct tc_core {
	struct tc_config cfg;
	uint32_t me;
	uint32_t state;
	uint64_t now;
	uint64_t rng;
	uint32_t payload_cap;       /* frame payload bytes */
	int isolated;

	uint64_t timer[T_COUNT];

	/* rings */
	struct tc_ring_id ring_id;  /* current (or being installed) */
	struct tc_ring_id old_ring_id;
	uint64_t max_ring_seq_seen;

	/* membership */
	struct tm_set proc, failed, consensus;
	struct tm_set memb, new_memb, trans;
	int failed_to_recv;

	/* ordering */
	struct tsq sq;              /* installed ring (old ring during reconfiguration) */
	struct tsq rsq;             /* new ring during RECOVERY */
	uint64_t my_aru, high_seq, high_delivered;
	uint64_t my_last_aru, my_token_seq, my_last_seq, safe_point;
	uint32_t seq_unchanged, aru_count;
	int token_held;
	int64_t last_new;           /* messages originated on the last token visit */
	uint64_t seq_passed;        /* the token's seq when we last passed it */
	int lingering;              /* the visit of linger_tok is open (token_linger) */
	struct tw_orf linger_tok;   /* processed, not yet encoded and passed on */
	int64_t linger_budget;      /* messages the open visit may still originate */
	uint64_t linger_id;         /* changes when the caller's wait starts again */
	int64_t trc, pbl, cbl;

	/* old-ring snapshot */
	int snap_taken;
	uint64_t old_aru, old_high;

	/* recovery */
	uint64_t install_seq, high_ring_delivered;
	uint64_t rq_next, rq_end, rq_remaining;
	uint8_t *covered;           /* old seq already re-sent by someone */
	int received_flg, set_retrans_flg;
	uint32_t retrans_flg_count, rotation_counter;
	int originated_orf;
	uint64_t commit_seq_sent;

	/* last token / commit token sent, for retransmission */
	uint8_t tok_copy[TW_COMMIT_MAX_LEN > TW_ORF_MAX_LEN ? TW_COMMIT_MAX_LEN : TW_ORF_MAX_LEN];
	size_t tok_len;
	uint32_t tok_dest;

	/* application traffic */
	struct tpq pq;              /* normal send queue */
	struct tpq pq2;             /* used while waiting for trans_ack */
	int waiting_trans_ack;
	struct tpk_rx rx;

	/* actions */
	struct tc_act_rec *acts;
	size_t n_acts, cap_acts, fetched;
	uint8_t *arena;
	size_t arena_len, arena_cap;

	/* scratch buffers */
	uint8_t *scratch;           /* one MCAST packet */
	uint8_t *frame;             /* one frame payload */

	struct tc_stats st;
	uint32_t delivering_regular;   /* for TC_ACT_FRAME */
};

/* core_api.c */
void tc_emit_send(struct tc_core *c, uint32_t kind, uint32_t node, const uint8_t *p, size_t len);
void tc_emit_log(struct tc_core *c, uint32_t level, uint32_t code, uint64_t arg, uint64_t arg2);
void tc_emit_simple(struct tc_core *c, uint32_t type, const struct tc_ring_id *ring, uint64_t seq);
void tc_emit_confchg(struct tc_core *c, uint32_t kind, const struct tm_set *members,
                     const struct tm_set *left, const struct tm_set *joined);
void tc_emit_deliver(struct tc_core *c, uint32_t origin, uint8_t channel, const uint8_t *p,
                     size_t len, const struct tc_ring_id *ring, uint64_t seq, int safe, uint32_t idx);
void tc_emit_frame(struct tc_core *c, uint32_t origin, const struct tc_ring_id *ring, uint64_t seq,
                   int safe, const uint8_t *p, size_t len);
void tc_timer_set(struct tc_core *c, enum tc_timer t, uint64_t delay_ms);
void tc_timer_stop(struct tc_core *c, enum tc_timer t);
int tc_timer_armed(const struct tc_core *c, enum tc_timer t);
uint64_t tc_rand(struct tc_core *c);
void tc_send_token_packet(struct tc_core *c, uint32_t dest, const uint8_t *p, size_t len);

/* core_token.c */
void tc_handle_orf(struct tc_core *c, struct tw_orf *tok);
void tc_linger_drop(struct tc_core *c);
void tc_handle_mcast(struct tc_core *c, const struct tw_mcast *m, const uint8_t *raw, size_t len);
void tc_handle_hold_cancel(struct tc_core *c, const struct tw_ringmsg *m);
void tc_deliver_frame(struct tc_core *c, const uint8_t *pkt, size_t len, int regular);
void tc_deliver_agreed(struct tc_core *c);
uint32_t tc_successor(const struct tc_core *c);
void tc_send_hold_cancel(struct tc_core *c);
void tc_timer_retransmit(struct tc_core *c);
void tc_timer_hold(struct tc_core *c);
void tc_linger_end(struct tc_core *c);
void tc_linger_flush_now(struct tc_core *c);
int tc_update_aru(struct tc_core *c, struct tsq *q);
int tc_recovery_queue_empty(struct tc_core *c);
int tc_inner_valid(const struct tc_core *c, const uint8_t *p, size_t len);

/* core_memb.c */
void tc_gather_enter(struct tc_core *c, uint32_t reason);
void tc_send_join(struct tc_core *c);
void tc_handle_join(struct tc_core *c, const struct tw_join *j);
void tc_handle_merge_detect(struct tc_core *c, const struct tw_ringmsg *m);
void tc_handle_commit(struct tc_core *c, struct tw_commit *t);
void tc_timer_token_loss(struct tc_core *c);
void tc_timer_consensus(struct tc_core *c);
void tc_timer_join(struct tc_core *c);
void tc_timer_join_send(struct tc_core *c);
void tc_timer_merge(struct tc_core *c);

/* core_recovery.c */
void tc_recovery_enter(struct tc_core *c, const struct tw_commit *t);
void tc_recovery_token(struct tc_core *c, struct tw_orf *tok);
void tc_send_initial_orf(struct tc_core *c);
void tc_install(struct tc_core *c);
void tc_old_ring_restore(struct tc_core *c);

#endif
