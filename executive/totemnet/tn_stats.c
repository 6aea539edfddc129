/* tn_stats.c - counters of the transport (struct tn_stats in totemnet.h). */
#include <string.h>

#include "tn_internal.h"

void tn_stats_drop(struct tn *t, int reason, const union tn_sockaddr *src)
{
    struct tn_stats *s = &t->stats;

    switch (reason) {
    case TN_DROP_MALFORMED: s->malformed++; break;
    case TN_DROP_TRUNCATED: s->truncated++; break;
    case TN_DROP_SECAUTH_MISMATCH: s->secauth_mismatch++; break;
    case TN_DROP_AUTH: s->auth_failures++; break;
    case TN_DROP_REPLAY: s->replays++; break;
    case TN_DROP_STALE_EPOCH: s->stale_epoch++; break;
    case TN_DROP_OWN: s->own_packets++; break;
    case TN_DROP_UNLISTED: s->unlisted++; break;
    case TN_DROP_PEERS_FULL: s->peers_full++; break;
    case TN_DROP_UNKNOWN_KEY: s->unknown_key++; break;
    default: break;
    }
    s->last_drop_reason = reason;
    t->last_drop_src = *src;    /* formatted when somebody asks */
}

void tn_get_stats(const struct tn *t, struct tn_stats *out)
{
    *out = t->stats;
    if (out->last_drop_reason != TN_DROP_NONE)
        tn_addr_format(&t->last_drop_src, 1, out->last_drop_source, sizeof(out->last_drop_source));
}
