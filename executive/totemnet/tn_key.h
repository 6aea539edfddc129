/*
 * tn_key.h - the authkey and what is derived from it (docs/totem.md 6.3).
 *
 *   PRK = HKDF-Extract(SHA-256, salt = "totem-v1" || cluster name, IKM = authkey)
 *   K   = HKDF-Expand(PRK, info = "data" || be32(sender node id) || be64(epoch), 32)
 *
 * K is the AES-256-GCM key of one sender for one boot (epoch); every node can
 * derive every sender's K from the shared authkey.
 */
#ifndef TN_KEY_H
#define TN_KEY_H

#include <stddef.h>
#include <stdint.h>

#define TN_KDF_SALT_LABEL "totem-v1"
#define TN_KDF_INFO_LABEL "data"
#define TN_PRK_SIZE 32
#define TN_KEY_SIZE 32

/* Read an authkey file: a regular file, not accessible by group or others
 * (ais-keygen writes 0400), TN_AUTHKEY_MIN..TN_AUTHKEY_MAX bytes (openais:
 * 128).  0 and *len set, or -errno with a message in err. */
int tn_key_read_file(const char *path, uint8_t *out, size_t max, size_t *len, char *err, size_t errlen);

int tn_kdf_extract(const uint8_t *ikm, size_t ikm_len, const char *cluster_name, uint8_t prk[TN_PRK_SIZE]);
int tn_kdf_expand(const uint8_t prk[TN_PRK_SIZE], uint32_t nodeid, uint64_t epoch, uint8_t key[TN_KEY_SIZE]);

#endif
