/*
 * tn_replay.h - per-sender anti-replay window over the 64-bit packet counter
 * (docs/totem.md 6.3; the IPsec/DTLS sliding window, RFC 4303 3.4.3).
 *
 * The window remembers which of the TN_REPLAY_WINDOW counters up to the highest
 * one seen (`top`) have arrived.  A counter above top is new; one at least
 * TN_REPLAY_WINDOW below top is too old; one inside is new once.  Counter 0
 * is never sent and always refused.  Check before authenticating, update only
 * after the tag verified, so forged packets change nothing.
 */
#ifndef TN_REPLAY_H
#define TN_REPLAY_H

#include <stdint.h>

#include "totemnet_c.h"

struct tn_replay {
    uint64_t top;                                   /* highest counter accepted; 0: none */
    uint64_t bits[TN_REPLAY_WINDOW / 64];           /* bit (c % W): counter c arrived */
};

void tn_replay_reset(struct tn_replay *w);
/* 0: counter is new; -1: already seen or too old. */
int tn_replay_check(const struct tn_replay *w, uint64_t counter);
/* Mark counter as seen (call only after tn_replay_check returned 0). */
void tn_replay_update(struct tn_replay *w, uint64_t counter);

#endif
