/* tn_wire.c - encode and decode the outer header (see tn_wire.h). */
#include <string.h>

#include "tn_wire.h"

#define FLAG_RESERVED 0x0Eu    /* bits 1-3 */
#define KEY_ID_SHIFT 4

void tn_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void tn_put_be64(uint8_t *p, uint64_t v)
{
    tn_put_be32(p, (uint32_t)(v >> 32));
    tn_put_be32(p + 4, (uint32_t)v);
}

uint32_t tn_get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t tn_get_be64(const uint8_t *p)
{
    return (uint64_t)tn_get_be32(p) << 32 | tn_get_be32(p + 4);
}

void tn_hdr_encode(uint8_t out[TN_HEADER_SIZE], const struct tn_hdr *h)
{
    out[0] = (uint8_t)(TN_MAGIC >> 8);
    out[1] = (uint8_t)(TN_MAGIC & 0xFF);
    out[2] = TN_VERSION;
    out[3] = (uint8_t)((h->sealed ? TN_FLAG_SEALED : 0) | (h->key_id & 0x0Fu) << KEY_ID_SHIFT);
    tn_put_be32(out + 4, h->sender);
    tn_put_be64(out + 8, h->epoch);
    tn_put_be64(out + 16, h->counter);
}

int tn_hdr_decode(const uint8_t *buf, size_t len, struct tn_hdr *h)
{
    if (len < TN_HEADER_SIZE)
        return -1;
    if (buf[0] != (uint8_t)(TN_MAGIC >> 8) || buf[1] != (uint8_t)(TN_MAGIC & 0xFF))
        return -1;
    if (buf[2] != TN_VERSION || (buf[3] & FLAG_RESERVED) != 0)
        return -1;
    h->sealed = (buf[3] & TN_FLAG_SEALED) != 0;
    h->key_id = buf[3] >> KEY_ID_SHIFT;
    h->sender = tn_get_be32(buf + 4);
    h->epoch = tn_get_be64(buf + 8);
    h->counter = tn_get_be64(buf + 16);
    if (h->sender == 0 || h->counter == 0)
        return -1;
    return 0;
}

void tn_nonce(uint8_t out[12], uint64_t counter)
{
    memset(out, 0, 4);
    tn_put_be64(out + 4, counter);
}
