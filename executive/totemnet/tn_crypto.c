/* tn_crypto.c - AES-256-GCM with OpenSSL libcrypto EVP (see tn_crypto.h). */
#include <errno.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <string.h>

#include "tn_crypto.h"
#include "tn_wire.h"
#include "totemnet_c.h"

int tn_crypto_init(struct tn_crypto *c, const char *cluster_name)
{
    memset(c, 0, sizeof(*c));
    if (cluster_name != NULL) {
        if (strlen(cluster_name) >= sizeof(c->cluster_name))
            return -ENAMETOOLONG;
        strcpy(c->cluster_name, cluster_name);
    }
    c->cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    c->tx = EVP_CIPHER_CTX_new();
    if (c->cipher == NULL || c->tx == NULL) {
        tn_crypto_free(c);
        return -ENOMEM;
    }
    return 0;
}

void tn_crypto_free(struct tn_crypto *c)
{
    EVP_CIPHER_CTX_free(c->tx);
    EVP_CIPHER_free(c->cipher);
    OPENSSL_cleanse(c->slots, sizeof(c->slots));
    memset(c, 0, sizeof(*c));
}

static struct tn_keyslot *slot_of(struct tn_crypto *c, unsigned key_id)
{
    for (int i = 0; i < TN_KEY_SLOTS; i++)
        if (c->slots[i].present && c->slots[i].id == key_id)
            return &c->slots[i];
    return NULL;
}

int tn_crypto_has_key(const struct tn_crypto *c, unsigned key_id)
{
    return slot_of((struct tn_crypto *)c, key_id) != NULL;
}

int tn_crypto_add_key(struct tn_crypto *c, unsigned key_id, const uint8_t *key, size_t len)
{
    struct tn_keyslot *s = slot_of(c, key_id);
    uint8_t prk[TN_PRK_SIZE];
    int rc;

    if (key_id > TN_KEY_ID_MAX || key == NULL || len < TN_AUTHKEY_MIN || len > TN_AUTHKEY_MAX)
        return -EINVAL;
    for (int i = 0; s == NULL && i < TN_KEY_SLOTS; i++)
        if (!c->slots[i].present)
            s = &c->slots[i];
    if (s == NULL)
        return -ENOSPC;
    rc = tn_kdf_extract(key, len, c->cluster_name, prk);
    if (rc == 0) {
        memcpy(s->prk, prk, sizeof(prk));
        s->id = key_id;
        s->present = 1;
    }
    OPENSSL_cleanse(prk, sizeof(prk));
    return rc;
}

int tn_crypto_remove_key(struct tn_crypto *c, unsigned key_id)
{
    struct tn_keyslot *s = slot_of(c, key_id);

    if (s == NULL)
        return -ENOKEY;
    if (c->tx_ready && c->tx_key_id == key_id)
        return -EBUSY;
    OPENSSL_cleanse(s, sizeof(*s));
    return 0;
}

/* Derive K for (nodeid, epoch) under key_id and load it into ctx. */
static int load_key(struct tn_crypto *c, EVP_CIPHER_CTX *ctx, unsigned key_id, uint32_t nodeid,
                    uint64_t epoch, int encrypt)
{
    struct tn_keyslot *s = slot_of(c, key_id);
    uint8_t key[TN_KEY_SIZE];
    int rc;

    if (s == NULL)
        return -ENOKEY;
    rc = tn_kdf_expand(s->prk, nodeid, epoch, key);
    if (rc == 0 && EVP_CipherInit_ex(ctx, c->cipher, NULL, key, NULL, encrypt) != 1)
        rc = -EIO;
    OPENSSL_cleanse(key, sizeof(key));
    return rc;
}

int tn_crypto_use_key(struct tn_crypto *c, unsigned key_id, uint32_t self, uint64_t epoch)
{
    int rc = load_key(c, c->tx, key_id, self, epoch, 1);

    if (rc == 0) {
        c->tx_key_id = key_id;
        c->tx_ready = 1;
    }
    return rc;
}

int tn_crypto_rx_key(struct tn_crypto *c, EVP_CIPHER_CTX *ctx, unsigned key_id, uint32_t nodeid,
                     uint64_t epoch)
{
    return load_key(c, ctx, key_id, nodeid, epoch, 0);
}

int tn_crypto_seal(struct tn_crypto *c, uint8_t *pkt, const uint8_t *pt, size_t len, uint64_t counter)
{
    uint8_t nonce[12];
    int n;

    if (!c->tx_ready || len > INT_MAX)
        return -EIO;
    tn_nonce(nonce, counter);
    if (EVP_EncryptInit_ex(c->tx, NULL, NULL, NULL, nonce) != 1 ||
        EVP_EncryptUpdate(c->tx, NULL, &n, pkt, TN_HEADER_SIZE) != 1 ||
        (len > 0 && EVP_EncryptUpdate(c->tx, pkt + TN_HEADER_SIZE, &n, pt, (int)len) != 1) ||
        EVP_EncryptFinal_ex(c->tx, pkt + TN_HEADER_SIZE + len, &n) != 1 ||
        EVP_CIPHER_CTX_ctrl(c->tx, EVP_CTRL_AEAD_GET_TAG, TN_TAG_SIZE, pkt + TN_HEADER_SIZE + len) != 1)
        return -EIO;
    return 0;
}

int tn_crypto_open(EVP_CIPHER_CTX *ctx, uint8_t *pkt, size_t total, uint64_t counter)
{
    uint8_t nonce[12];
    size_t len;
    int n;

    if (total < TN_HEADER_SIZE + TN_TAG_SIZE || total > INT_MAX)
        return -1;
    len = total - TN_HEADER_SIZE - TN_TAG_SIZE;
    tn_nonce(nonce, counter);
    if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1 ||
        EVP_DecryptUpdate(ctx, NULL, &n, pkt, TN_HEADER_SIZE) != 1 ||
        (len > 0 && EVP_DecryptUpdate(ctx, pkt + TN_HEADER_SIZE, &n, pkt + TN_HEADER_SIZE, (int)len) != 1) ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TN_TAG_SIZE, pkt + TN_HEADER_SIZE + len) != 1 ||
        EVP_DecryptFinal_ex(ctx, pkt + TN_HEADER_SIZE + len, &n) != 1)
        return -1;
    return 0;
}
