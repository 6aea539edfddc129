/*
 * tn_wire.h - the outer header every datagram starts with (README.md "Wire
 * layout").  Big-endian, fixed 24 bytes; with secauth it is the AEAD's
 * associated data, so every bit of it is authenticated.
 */
#ifndef TN_WIRE_H
#define TN_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "totemnet_c.h"

struct tn_hdr {
    int sealed;                 /* TN_FLAG_SEALED */
    unsigned key_id;            /* 0..TN_KEY_ID_MAX */
    uint32_t sender;
    uint64_t epoch;
    uint64_t counter;
};

void tn_hdr_encode(uint8_t out[TN_HEADER_SIZE], const struct tn_hdr *h);
/* 0, or -1 if buf is short or the header is not one of ours (wrong magic or
 * version, reserved flag bits set, sender 0, counter 0). */
int tn_hdr_decode(const uint8_t *buf, size_t len, struct tn_hdr *h);

/* 12-byte AES-GCM nonce: 32 zero bits then the counter (docs/totem.md 6.3;
 * the key is unique per sender and epoch, so the counter alone suffices). */
void tn_nonce(uint8_t out[12], uint64_t counter);

void tn_put_be32(uint8_t *p, uint32_t v);
void tn_put_be64(uint8_t *p, uint64_t v);
uint32_t tn_get_be32(const uint8_t *p);
uint64_t tn_get_be64(const uint8_t *p);

#endif
