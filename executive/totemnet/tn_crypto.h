/*
 * tn_crypto.h - AES-256-GCM sealing of whole datagrams (docs/totem.md 6.3).
 *
 * Layout: header (24 bytes, the associated data) | ciphertext | tag (16).
 * Nonce: 32 zero bits || be64(counter).  Key: per sender and epoch (tn_key.h),
 * under one of at most two authkeys named by a 4-bit key id (rotation).
 */
#ifndef TN_CRYPTO_H
#define TN_CRYPTO_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "tn_key.h"

#define TN_KEY_SLOTS 2

struct tn_keyslot {
    int present;
    unsigned id;
    uint8_t prk[TN_PRK_SIZE];
};

struct tn_crypto {
    struct tn_keyslot slots[TN_KEY_SLOTS];
    char cluster_name[256];
    EVP_CIPHER *cipher;         /* AES-256-GCM, fetched once */
    EVP_CIPHER_CTX *tx;         /* our own key for this epoch */
    unsigned tx_key_id;
    int tx_ready;
};

int tn_crypto_init(struct tn_crypto *c, const char *cluster_name);
void tn_crypto_free(struct tn_crypto *c);

/* Hold key bytes under key_id (replacing a key of the same id); -ENOSPC when
 * two other ids are held. */
int tn_crypto_add_key(struct tn_crypto *c, unsigned key_id, const uint8_t *key, size_t len);
int tn_crypto_remove_key(struct tn_crypto *c, unsigned key_id);
int tn_crypto_has_key(const struct tn_crypto *c, unsigned key_id);
/* Send with key_id from now on (derives our K for (self, epoch)). */
int tn_crypto_use_key(struct tn_crypto *c, unsigned key_id, uint32_t self, uint64_t epoch);

/* Set ctx up to open packets of (nodeid, epoch) under key_id.  -ENOKEY if we
 * do not hold key_id. */
int tn_crypto_rx_key(struct tn_crypto *c, EVP_CIPHER_CTX *ctx, unsigned key_id, uint32_t nodeid,
                     uint64_t epoch);

/* pkt holds the encoded header; writes ciphertext of pt[0..len) at pkt + 24
 * and the tag after it.  0 or -EIO. */
int tn_crypto_seal(struct tn_crypto *c, uint8_t *pkt, const uint8_t *pt, size_t len, uint64_t counter);
/* pkt[0..total) = header | ciphertext | tag; decrypts in place at pkt + 24.
 * 0 if the tag verified, -1 otherwise (the plaintext is then garbage). */
int tn_crypto_open(EVP_CIPHER_CTX *ctx, uint8_t *pkt, size_t total, uint64_t counter);

#endif
