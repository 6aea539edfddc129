/* tn_key.c - authkey file and HKDF-SHA256 (see tn_key.h). */
#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tn_key.h"
#include "tn_wire.h"
#include "totemnet_c.h"

int tn_key_read_file(const char *path, uint8_t *out, size_t max, size_t *len, char *err, size_t errlen)
{
    struct stat st;
    size_t got = 0;
    int fd, rc = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        rc = -errno;
        snprintf(err, errlen, "cannot open authkey %s: %s", path, strerror(errno));
        return rc;
    }
    if (fstat(fd, &st) != 0) {
        rc = -errno;
        snprintf(err, errlen, "cannot stat authkey %s: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = -EINVAL;
        snprintf(err, errlen, "authkey %s is not a regular file", path);
    } else if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        rc = -EPERM;
        snprintf(err, errlen, "authkey %s is accessible by group or others (mode %04o): "
                 "it must be 0400 (ais-keygen writes it so)", path, (unsigned)(st.st_mode & 07777));
    } else if (st.st_size < TN_AUTHKEY_MIN || st.st_size > TN_AUTHKEY_MAX || (size_t)st.st_size > max) {
        rc = -EINVAL;
        snprintf(err, errlen, "authkey %s has %lld bytes, expected %d to %d (ais-keygen writes 128)",
                 path, (long long)st.st_size, TN_AUTHKEY_MIN, TN_AUTHKEY_MAX);
    }
    while (rc == 0 && got < (size_t)st.st_size) {
        ssize_t r = read(fd, out + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = r < 0 ? -errno : -EIO;
            snprintf(err, errlen, "cannot read authkey %s: %s", path, r < 0 ? strerror(errno) : "short read");
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    if (rc != 0)
        OPENSSL_cleanse(out, max);
    else
        *len = got;
    return rc;
}

static int hkdf(int mode, const uint8_t *key, size_t key_len, const uint8_t *extra, size_t extra_len,
                uint8_t *out, size_t out_len)
{
    char digest[] = "SHA256";
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[5];
    int rc = -EIO;

    if (ctx != NULL) {
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
        params[1] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
        params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
        params[3] = OSSL_PARAM_construct_octet_string(
            mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY ? OSSL_KDF_PARAM_SALT : OSSL_KDF_PARAM_INFO,
            (void *)extra, extra_len);
        params[4] = OSSL_PARAM_construct_end();
        if (EVP_KDF_derive(ctx, out, out_len, params) == 1)
            rc = 0;
    }
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return rc;
}

int tn_kdf_extract(const uint8_t *ikm, size_t ikm_len, const char *cluster_name, uint8_t prk[TN_PRK_SIZE])
{
    uint8_t salt[sizeof(TN_KDF_SALT_LABEL) - 1 + 256];
    size_t label = sizeof(TN_KDF_SALT_LABEL) - 1;
    size_t name = cluster_name ? strlen(cluster_name) : 0;

    if (name > sizeof(salt) - label)
        return -ENAMETOOLONG;
    memcpy(salt, TN_KDF_SALT_LABEL, label);
    if (name)
        memcpy(salt + label, cluster_name, name);
    return hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, ikm_len, salt, label + name, prk, TN_PRK_SIZE);
}

int tn_kdf_expand(const uint8_t prk[TN_PRK_SIZE], uint32_t nodeid, uint64_t epoch, uint8_t key[TN_KEY_SIZE])
{
    uint8_t info[sizeof(TN_KDF_INFO_LABEL) - 1 + 4 + 8];
    size_t label = sizeof(TN_KDF_INFO_LABEL) - 1;

    memcpy(info, TN_KDF_INFO_LABEL, label);
    tn_put_be32(info + label, nodeid);
    tn_put_be64(info + label + 4, epoch);
    return hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, TN_PRK_SIZE, info, sizeof(info), key, TN_KEY_SIZE);
}
