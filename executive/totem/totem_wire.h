/*
 * totem_wire.h - the one definition of the six Totem SRP packets.
 *
 * Encoding: big-endian, fixed layout, no padding.  Every packet starts with
 * the common header:
 *
 *   magic u16 | version u8 | type u8 | flags u8 | sender node id u32   (9 bytes)
 *
 * A ring id is encoded as  rep u32 | ring_seq u64  (12 bytes).
 *
 *   ORF token     hdr ring token_seq:u64 seq:u64 aru:u64 aru_addr:u32 fcc:u32
 *                 backlog:u32 retrans_flg:u8 rtr_count:u8 rtr[rtr_count]:u64
 *   MCAST         hdr ring seq:u64 guarantee:u8 payload...
 *                 (flags bit 0: payload is a complete old-ring MCAST)
 *   MERGE_DETECT  hdr ring
 *   JOIN          hdr ring_seq:u64 n_proc:u16 n_failed:u16 proc[]:u32 failed[]:u32
 *                 (flags bit 1: leave)
 *   COMMIT token  hdr token_seq:u64 ring memb_index:u16 count:u16 ids[count]:u32
 *                 entries[count]: ring received_flg:u8 aru:u64 high_delivered:u64
 *   HOLD_CANCEL   hdr ring
 *
 * tw_decode() validates everything a receiver relies on: exact lengths,
 * list sizes, sorted node lists, flag values, index ranges.
 */
#ifndef TOTEM_WIRE_H
#define TOTEM_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "totem_core.h"

#define TW_MAGIC 0x544du
#define TW_VERSION 1u

#define TW_HDR_LEN 9u
#define TW_RING_LEN 12u
#define TW_ORF_FIXED_LEN (TW_HDR_LEN + TW_RING_LEN + 8u * 3u + 4u * 3u + 2u)
#define TW_MCAST_HDR_LEN (TW_HDR_LEN + TW_RING_LEN + 8u + 1u)
#define TW_RINGMSG_LEN (TW_HDR_LEN + TW_RING_LEN)
#define TW_JOIN_FIXED_LEN (TW_HDR_LEN + 8u + 4u)
#define TW_COMMIT_FIXED_LEN (TW_HDR_LEN + 8u + TW_RING_LEN + 4u)
#define TW_COMMIT_ENTRY_LEN (TW_RING_LEN + 1u + 8u + 8u)
#define TW_COMMIT_MAX_LEN (TW_COMMIT_FIXED_LEN + TC_MAX_NODES * (4u + TW_COMMIT_ENTRY_LEN))
#define TW_ORF_MAX_LEN (TW_ORF_FIXED_LEN + 8u * TC_RTR_MAX)
#define TW_JOIN_MAX_LEN (TW_JOIN_FIXED_LEN + 8u * TC_MAX_NODES)

enum tw_type {
	TW_ORF = 0,
	TW_MCAST = 1,
	TW_MERGE_DETECT = 2,
	TW_JOIN = 3,
	TW_COMMIT = 4,
	TW_HOLD_CANCEL = 5
};

#define TW_FLAG_ENCAP 0x01u
#define TW_FLAG_LEAVE 0x02u

enum tw_guarantee { TW_AGREED = 0, TW_SAFE = 1 };

enum tw_error {
	TW_OK = 0,
	TW_ERR_SHORT = -1,
	TW_ERR_MAGIC = -2,
	TW_ERR_VERSION = -3,
	TW_ERR_TYPE = -4,
	TW_ERR_FLAGS = -5,
	TW_ERR_LENGTH = -6,
	TW_ERR_COUNT = -7,
	TW_ERR_VALUE = -8,
	TW_ERR_ORDER = -9
};

struct tw_hdr {
	uint8_t type;
	uint8_t flags;
	uint32_t sender;
};

struct tw_orf {
	struct tw_hdr h;
	struct tc_ring_id ring;
	uint64_t token_seq;
	uint64_t seq;
	uint64_t aru;
	uint32_t aru_addr;
	uint32_t fcc;
	uint32_t backlog;
	uint8_t retrans_flg;
	uint8_t rtr_count;
	uint64_t rtr[TC_RTR_MAX];
};

struct tw_mcast {
	struct tw_hdr h;
	struct tc_ring_id ring;
	uint64_t seq;
	uint8_t guarantee;
	const uint8_t *payload;     /* points into the decoded buffer */
	size_t payload_len;
};

struct tw_ringmsg {             /* MERGE_DETECT and HOLD_CANCEL */
	struct tw_hdr h;
	struct tc_ring_id ring;
};

struct tw_join {
	struct tw_hdr h;
	uint64_t ring_seq;
	uint32_t n_proc;
	uint32_t n_failed;
	uint32_t proc[TC_MAX_NODES];
	uint32_t failed[TC_MAX_NODES];
};

struct tw_commit_entry {
	struct tc_ring_id ring;
	uint8_t received_flg;
	uint64_t aru;
	uint64_t high_delivered;
};

struct tw_commit {
	struct tw_hdr h;
	uint64_t token_seq;
	struct tc_ring_id ring;
	uint32_t memb_index;
	uint32_t count;
	uint32_t members[TC_MAX_NODES];
	struct tw_commit_entry e[TC_MAX_NODES];
};

union tw_packet {
	struct tw_hdr h;
	struct tw_orf orf;
	struct tw_mcast mcast;
	struct tw_ringmsg ringmsg;
	struct tw_join join;
	struct tw_commit commit;
};

/* Decode and validate; 0 or a negative enum tw_error. */
int tw_decode(const uint8_t *buf, size_t len, union tw_packet *out);

/* Encoders return the packet length, or 0 if cap is too small. */
size_t tw_encode_orf(const struct tw_orf *t, uint8_t *buf, size_t cap);
size_t tw_encode_mcast(const struct tw_mcast *m, uint8_t *buf, size_t cap);
size_t tw_encode_ringmsg(const struct tw_ringmsg *m, uint8_t *buf, size_t cap);
size_t tw_encode_join(const struct tw_join *j, uint8_t *buf, size_t cap);
size_t tw_encode_commit(const struct tw_commit *c, uint8_t *buf, size_t cap);

int tw_ring_eq(const struct tc_ring_id *a, const struct tc_ring_id *b);

#endif
