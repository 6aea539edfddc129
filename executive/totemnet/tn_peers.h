/*
 * tn_peers.h - node id -> what we know about that node: the address unicasts
 * to it go to, and the receive state of its packets (the key of its current
 * epoch and its anti-replay window).  Open addressing, fixed capacity chosen
 * at creation (no allocation on the packet path), entries never removed.
 */
#ifndef TN_PEERS_H
#define TN_PEERS_H

#include <openssl/evp.h>
#include <stdint.h>

#include "tn_addr.h"
#include "tn_replay.h"

struct tn_peer {
    uint32_t nodeid;            /* 0: empty slot */
    int active;                 /* udpu: receives plain (non-flush) multicasts */
    struct tn_addr addr;        /* where unicasts go (port = mcastport); len 0: unknown */
    /* receive state, valid when ctx != NULL */
    EVP_CIPHER_CTX *ctx;        /* loaded with K(nodeid, epoch) under key_id */
    unsigned key_id;
    uint64_t epoch;             /* newest epoch authenticated from this node */
    struct tn_replay window;    /* over the counters of that epoch */
};

struct tn_peers {
    struct tn_peer *slots;
    uint32_t mask;              /* capacity - 1, capacity a power of two >= 2 * max */
    uint32_t count;
    uint32_t max;
};

int tn_peers_init(struct tn_peers *p, uint32_t max);
void tn_peers_free(struct tn_peers *p);
struct tn_peer *tn_peers_find(const struct tn_peers *p, uint32_t nodeid);
/* The entry for nodeid, created if needed; NULL when max entries exist. */
struct tn_peer *tn_peers_get(struct tn_peers *p, uint32_t nodeid);

#endif
