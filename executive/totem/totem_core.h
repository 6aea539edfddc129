/*
 * totem_core.h - public C API of the Totem Single Ring Protocol core.
 *
 * The core is a pure state machine: it performs no I/O, reads no clock and
 * allocates only at creation (and for the action arena / reassembly
 * buffers, see README.md).  The caller feeds it received packets, the
 * current time and send requests; it answers with a list of actions
 * (packets to send, deliveries, configuration changes, persistence
 * requests, log events) and the next deadline.
 *
 * cffi: the text between the TC_CDEF_BEGIN and TC_CDEF_END markers uses
 * only integer #defines, enums, structs and prototypes, so a binding can
 * hand exactly that slice to ffi.cdef().
 */
#ifndef TOTEM_CORE_H
#define TOTEM_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* TC_CDEF_BEGIN */

#define TC_MAX_NODES 32
#define TC_RTR_MAX 30
#define TC_MSG_SIZE_MAX 1048576

enum tc_result {
	TC_OK = 0,
	TC_EINVAL = -22,
	TC_EAGAIN = -11,
	TC_ENOMEM = -12,
	TC_ESTATE = -1
};

enum tc_state {
	TC_STATE_OPERATIONAL = 1,
	TC_STATE_GATHER = 2,
	TC_STATE_COMMIT = 3,
	TC_STATE_RECOVERY = 4,
	TC_STATE_IDLE = 5,          /* created, not started */
	TC_STATE_LEFT = 6           /* tc_leave() was called */
};

enum tc_action_type {
	TC_ACT_SEND = 1,            /* kind = enum tc_dest, node = unicast target */
	TC_ACT_DELIVER = 2,         /* node = origin, channel, safe, ring, seq, data */
	TC_ACT_CONFCHG = 3,         /* kind = enum tc_conf_type, ring, lists */
	TC_ACT_PERSIST = 4,         /* seq = ring_seq to store durably before going on */
	TC_ACT_TOKEN_RECEIVED = 5,  /* an ORF token was accepted: ring, seq = token_seq */
	TC_ACT_TOKEN_SENT = 6,      /* the ORF token was forwarded: ring, seq = token_seq */
	TC_ACT_LOG = 7,             /* kind = enum tc_log_level, code, arg, arg2 */
	TC_ACT_FRAME = 8            /* trace_frames only: one frame delivered:
	                               node = origin, ring, seq, kind = 1 regular /
	                               0 transitional, arg = FNV-1a of the frame,
	                               safe */
};

enum tc_dest {
	TC_DEST_MCAST = 1,          /* ring multicast (MCAST, retransmissions) */
	TC_DEST_MCAST_FLUSH = 2,    /* to every configured node (JOIN, MERGE, CANCEL) */
	TC_DEST_UNICAST = 3         /* token / commit token to node (may be self) */
};

enum tc_conf_type {
	TC_CONF_TRANSITIONAL = 0,
	TC_CONF_REGULAR = 1
};

enum tc_log_level {
	TC_LOG_ERROR = 3,
	TC_LOG_WARNING = 4,
	TC_LOG_NOTICE = 5,
	TC_LOG_DEBUG = 7
};

enum tc_log_code {
	TC_LOG_GATHER_ENTERED = 1,    /* arg = enum tc_reason */
	TC_LOG_COMMIT_ENTERED = 2,    /* arg = new ring seq, arg2 = rep */
	TC_LOG_RECOVERY_ENTERED = 3,  /* arg = messages to re-send */
	TC_LOG_OPERATIONAL = 4,       /* arg = ring seq, arg2 = members */
	TC_LOG_TOKEN_LOST = 5,        /* arg = state */
	TC_LOG_CONSENSUS_EXPIRED = 6, /* arg = consecutive expiries */
	TC_LOG_FAILED_TO_RECV = 7,
	TC_LOG_RETRANSMIT_LIST = 8,   /* arg = entries requested */
	TC_LOG_BAD_PACKET = 9,        /* arg = enum tc_wire_error */
	TC_LOG_LEFT = 10
};

enum tc_reason {
	TC_REASON_START = 1,
	TC_REASON_TOKEN_LOST_OPERATIONAL = 2,
	TC_REASON_CONSENSUS_TIMEOUT = 3,
	TC_REASON_TOKEN_LOST_GATHER = 4,
	TC_REASON_TOKEN_LOST_COMMIT = 5,
	TC_REASON_TOKEN_LOST_RECOVERY = 6,
	TC_REASON_FAILED_TO_RECV = 7,
	TC_REASON_FOREIGN_MESSAGE = 8,
	TC_REASON_MERGE_DETECT = 9,
	TC_REASON_JOIN = 10,
	TC_REASON_JOIN_IN_COMMIT = 11,
	TC_REASON_JOIN_IN_RECOVERY = 12,
	TC_REASON_LINK_CHANGE = 13
};

struct tc_ring_id {
	uint64_t seq;
	uint32_t rep;
	uint32_t pad_;
};

struct tc_config {
	uint32_t token_ms;              /* token loss timeout (1000) */
	uint32_t token_retransmit_ms;   /* 238 */
	uint32_t hold_ms;               /* 180 */
	uint32_t join_ms;               /* 50 */
	uint32_t send_join_ms;          /* 0: no random JOIN delay */
	uint32_t consensus_ms;          /* 1200 (1.2 x token) */
	uint32_t merge_ms;              /* 200 */
	uint32_t fail_recv_const;       /* 2500 */
	uint32_t seqno_unchanged_const; /* 30 */
	uint32_t miss_count_const;      /* 5 */
	uint32_t window_size;           /* 50 */
	uint32_t max_messages;          /* 17 */
	uint32_t frame_size;            /* largest MCAST packet handed to the transport:
	                                   netmtu - IP/UDP - crypto envelope (1432) */
	uint32_t sq_capacity;           /* sort queue slots (4096) */
	uint32_t max_msg_size;          /* largest application message (1 MiB) */
	uint32_t pending_bytes;         /* send queue size in bytes (4 MiB) */
	uint32_t trans_ack_gate;        /* 1: hold pre-change traffic until tc_trans_ack */
	uint32_t trace_frames;          /* 1: emit TC_ACT_FRAME per delivered frame */
	uint64_t seq_start;             /* first seq of each ring minus one (0) */
	uint32_t token_linger;          /* 1: keep the token's visit open while the
	                                   application is likely to send again
	                                   (README.md, "Token linger"); the caller
	                                   bounds the wait with tc_linger_release (0) */
	uint32_t pad_;
};

struct tc_action {
	uint32_t type;                  /* enum tc_action_type */
	uint32_t kind;                  /* dest / conf type / log level / regular flag */
	uint32_t node;                  /* unicast target, origin */
	uint32_t channel;               /* DELIVER */
	uint32_t safe;                  /* DELIVER, FRAME */
	uint32_t code;                  /* LOG */
	struct tc_ring_id ring;
	uint64_t seq;
	uint64_t arg;
	uint64_t arg2;
	const uint8_t *data;            /* SEND packet, DELIVER payload */
	size_t len;
	const uint32_t *members;        /* CONFCHG */
	size_t n_members;
	const uint32_t *left;
	size_t n_left;
	const uint32_t *joined;
	size_t n_joined;
};

struct tc_stats {
	uint64_t rx_packets;
	uint64_t rx_bad;                /* failed decode/validation: dropped */
	uint64_t rx_bad_sender;         /* header sender != transport sender */
	uint64_t rx_bad_frame;          /* MCAST delivered but its frame was malformed */
	uint64_t tokens_rx;             /* accepted ORF tokens */
	uint64_t tokens_tx;
	uint64_t tokens_dup;            /* dropped by token_seq */
	uint64_t token_retransmits;
	uint64_t mcast_tx;
	uint64_t mcast_retx;            /* retransmissions served */
	uint64_t rtr_requested;         /* seqs put on the rtr list */
	uint64_t joins_tx;
	uint64_t commit_tx;
	uint64_t merge_detect_tx;
	uint64_t hold_cancel_tx;
	uint64_t gather_entered;
	uint64_t consensus_timeouts;
	uint64_t consecutive_consensus_timeouts;
	uint64_t token_lost_operational;
	uint64_t token_lost_gather;
	uint64_t token_lost_commit;
	uint64_t token_lost_recovery;
	uint64_t rings_installed;
	uint64_t delivered_msgs;
	uint64_t delivered_frames;
	uint64_t failed_to_recv;
	uint64_t submit_eagain;
	uint64_t tokens_lingered;       /* visits kept open by token_linger */
	uint64_t linger_submits;        /* flushes that sent on an open visit */
};

struct tc_status {
	uint32_t state;                 /* enum tc_state */
	uint32_t nodeid;
	struct tc_ring_id ring;         /* current ring (being installed in COMMIT/RECOVERY) */
	struct tc_ring_id old_ring;     /* last installed ring */
	uint32_t n_members;             /* last installed regular configuration */
	uint32_t members[32];
	uint32_t n_ring_members;        /* ring being installed / current ring */
	uint32_t ring_members[32];
	uint64_t my_aru;
	uint64_t high_seq_received;
	uint64_t high_delivered;
	uint64_t last_released;
	uint64_t max_ring_seq_seen;
	uint32_t sq_used;               /* occupied sort queue slots (both queues) */
	uint32_t sq_capacity;
	uint64_t pending_bytes_used;    /* send queue bytes (both queues) */
	uint64_t pending_msgs;
	uint32_t assemblies_active;
	uint32_t waiting_trans_ack;
};

void tc_config_defaults(struct tc_config *cfg);
int tc_config_validate(const struct tc_config *cfg);
uint32_t tc_frame_payload(const struct tc_config *cfg);

struct tc_core *tc_create(const struct tc_config *cfg, uint32_t my_nodeid,
                          uint64_t stored_ring_seq, uint64_t rng_seed);
void tc_destroy(struct tc_core *c);
void tc_start(struct tc_core *c, uint64_t now_ms);
void tc_input(struct tc_core *c, uint64_t now_ms, uint32_t src_nodeid,
              const uint8_t *pkt, size_t len);
void tc_timeout(struct tc_core *c, uint64_t now_ms);
int tc_submit(struct tc_core *c, uint64_t now_ms, uint8_t channel,
              const uint8_t *msg, size_t len, int safe);
void tc_trans_ack(struct tc_core *c);
void tc_link_state(struct tc_core *c, uint64_t now_ms, int isolated);
void tc_leave(struct tc_core *c, uint64_t now_ms);
/* token_linger: 0, or an id of the current wait for a local message (it
 * changes when a flush extends the visit).  flush: originate what was
 * submitted since, on the open visit (call it after a batch of tc_submit);
 * release: that, then pass the token on. */
uint64_t tc_lingering(const struct tc_core *c);
void tc_linger_flush(struct tc_core *c, uint64_t now_ms);
void tc_linger_release(struct tc_core *c, uint64_t now_ms);
uint64_t tc_next_deadline(const struct tc_core *c);
size_t tc_actions(struct tc_core *c, struct tc_action *out, size_t max);
size_t tc_queue_space(const struct tc_core *c);
void tc_get_status(const struct tc_core *c, struct tc_status *out);
void tc_get_stats(const struct tc_core *c, struct tc_stats *out);
int tc_has_message(const struct tc_core *c, const struct tc_ring_id *ring, uint64_t seq);
const char *tc_log_code_name(uint32_t code);
const char *tc_state_name(uint32_t state);

/* TC_CDEF_END */

#ifdef __cplusplus
}
#endif

#endif
