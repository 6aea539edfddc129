/*
 * tn_selftest.c - C checks of libtotemnet, meant to run under ASan/UBSan.
 *
 *   tn_selftest
 *       unit checks: replay window against a reference model, header decode
 *       of every corruption, seal/open of every flipped bit, config errors.
 *   tn_selftest NET udp|udpu NS_A NS_B ADDR_A ADDR_B ADDR_C MCAST PORT KEYFILE
 *       the network part, in two network namespaces the caller made (pytest,
 *       tests/totemnet/test_totemnet_selftest.py): node 1 in NS_A on ADDR_A,
 *       node 2 in NS_B on ADDR_B, and a forger speaking for node 3 from ADDR_C
 *       (a second address in NS_A) that holds the authkey: valid packets,
 *       replays, reordering, stale and new epochs, every bit flipped, every
 *       truncation, garbage, a foreign key.  Every count is checked exactly.
 *
 * Exit 0 when every check passed; prints the first failure otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tn_crypto.h"
#include "tn_internal.h"
#include "tn_key.h"
#include "tn_replay.h"
#include "tn_wire.h"
#include "totemnet_c.h"

static int failures;

#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                       \
            fputc('\n', stderr);                                                \
            failures++;                                                         \
            return;                                                             \
        }                                                                       \
    } while (0)

/* xorshift64*: reproducible pseudo-random numbers */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717u;
}

/* ---------------------------------------------------------------- units */

/* The window against a model that remembers every counter ever accepted. */
static void test_replay_model(void)
{
    enum { SPAN = 6000, OPS = 200000 };
    static unsigned char seen[SPAN];
    struct tn_replay w;
    uint64_t top = 0;

    memset(seen, 0, sizeof(seen));
    tn_replay_reset(&w);
    CHECK(tn_replay_check(&w, 0) != 0, "counter 0 accepted");
    for (int op = 0; op < OPS; op++) {
        /* mostly near the top, sometimes far behind or far ahead */
        uint64_t c;
        uint64_t r = rnd() % 100;
        if (r < 70)
            c = top + 1 + rnd() % 4;
        else if (r < 95)
            c = top > 1100 ? top - rnd() % 1100 : 1 + rnd() % (top + 1);
        else
            c = top + rnd() % 1500;
        if (c == 0 || c >= SPAN) {
            /* restart the model and window when the span is used up */
            memset(seen, 0, sizeof(seen));
            tn_replay_reset(&w);
            top = 0;
            continue;
        }
        int expect_ok = !seen[c] && (c > top || top - c < TN_REPLAY_WINDOW);
        int ok = tn_replay_check(&w, c) == 0;
        CHECK(ok == expect_ok, "op %d counter %llu top %llu: window says %d, model %d", op,
              (unsigned long long)c, (unsigned long long)top, ok, expect_ok);
        if (ok) {
            tn_replay_update(&w, c);
            seen[c] = 1;
            if (c > top)
                top = c;
        }
    }
}

static void test_replay_edges(void)
{
    struct tn_replay w;

    tn_replay_reset(&w);
    for (uint64_t c = 1; c <= 5000; c++) {
        CHECK(tn_replay_check(&w, c) == 0, "in-order counter %llu refused", (unsigned long long)c);
        tn_replay_update(&w, c);
        CHECK(tn_replay_check(&w, c) != 0, "counter %llu accepted twice", (unsigned long long)c);
    }
    /* exactly W-1 behind the top is inside, W behind is out */
    tn_replay_reset(&w);
    tn_replay_update(&w, 3000);
    CHECK(tn_replay_check(&w, 3000 - TN_REPLAY_WINDOW + 1) == 0, "last slot of the window refused");
    CHECK(tn_replay_check(&w, 3000 - TN_REPLAY_WINDOW) != 0, "counter left of the window accepted");
    /* a jump of more than the window forgets everything behind */
    tn_replay_update(&w, 3000 + 5 * TN_REPLAY_WINDOW);
    CHECK(tn_replay_check(&w, 3000) != 0, "stale counter accepted after a jump");
    CHECK(tn_replay_check(&w, 3000 + 5 * TN_REPLAY_WINDOW - 1) == 0, "fresh slot after a jump refused");
    /* counters near 2^64 */
    tn_replay_reset(&w);
    tn_replay_update(&w, UINT64_MAX - 1);
    CHECK(tn_replay_check(&w, UINT64_MAX) == 0, "2^64-1 refused");
    tn_replay_update(&w, UINT64_MAX);
    CHECK(tn_replay_check(&w, UINT64_MAX) != 0, "2^64-1 accepted twice");
    CHECK(tn_replay_check(&w, UINT64_MAX - 1) != 0, "2^64-2 accepted twice");
}

static void test_wire(void)
{
    struct tn_hdr h = {.sealed = 1, .key_id = 9, .sender = 0x01020304, .epoch = 0x1122334455667788u,
                       .counter = 0x99AABBCCDDEEFF00u};
    struct tn_hdr d;
    uint8_t b[TN_HEADER_SIZE];
    static const uint8_t expect[TN_HEADER_SIZE] = {
        0x54, 0x4E, 0x01, 0x91, 0x01, 0x02, 0x03, 0x04, 0x11, 0x22, 0x33, 0x44,
        0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00};

    tn_hdr_encode(b, &h);
    CHECK(memcmp(b, expect, sizeof(b)) == 0, "header bytes differ from the documented layout");
    CHECK(tn_hdr_decode(b, sizeof(b), &d) == 0, "decode of a good header failed");
    CHECK(d.sealed == 1 && d.key_id == 9 && d.sender == h.sender && d.epoch == h.epoch &&
              d.counter == h.counter, "round trip changed the header");
    for (size_t len = 0; len < sizeof(b); len++)
        CHECK(tn_hdr_decode(b, len, &d) != 0, "short header of %zu bytes accepted", len);
    /* magic, version and reserved flag bits: every wrong value is refused */
    for (int pos = 0; pos < 3; pos++)
        for (int v = 0; v < 256; v++) {
            uint8_t c[TN_HEADER_SIZE];
            memcpy(c, b, sizeof(c));
            if (c[pos] == v)
                continue;
            c[pos] = (uint8_t)v;
            CHECK(tn_hdr_decode(c, sizeof(c), &d) != 0, "byte %d = %d accepted", pos, v);
        }
    for (int bit = 1; bit <= 3; bit++) {
        uint8_t c[TN_HEADER_SIZE];
        memcpy(c, b, sizeof(c));
        c[3] ^= (uint8_t)(1u << bit);
        CHECK(tn_hdr_decode(c, sizeof(c), &d) != 0, "reserved flag bit %d accepted", bit);
    }
    h.sender = 0;
    tn_hdr_encode(b, &h);
    CHECK(tn_hdr_decode(b, sizeof(b), &d) != 0, "sender 0 accepted");
    h.sender = 7;
    h.counter = 0;
    tn_hdr_encode(b, &h);
    CHECK(tn_hdr_decode(b, sizeof(b), &d) != 0, "counter 0 accepted");
}

static void test_seal_open(void)
{
    struct tn_crypto tx, rx;
    uint8_t key[128], pkt[TN_HEADER_SIZE + 40 + TN_TAG_SIZE], copy[sizeof(pkt)], pt[40];
    struct tn_hdr h = {.sealed = 1, .key_id = 0, .sender = 5, .epoch = 77, .counter = 1234};
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

    for (size_t i = 0; i < sizeof(key); i++)
        key[i] = (uint8_t)rnd();
    for (size_t i = 0; i < sizeof(pt); i++)
        pt[i] = (uint8_t)i;
    CHECK(ctx != NULL, "no memory");
    CHECK(tn_crypto_init(&tx, "c1") == 0 && tn_crypto_init(&rx, "c1") == 0, "crypto init");
    CHECK(tn_crypto_add_key(&tx, 0, key, sizeof(key)) == 0, "add key");
    CHECK(tn_crypto_add_key(&rx, 0, key, sizeof(key)) == 0, "add key");
    CHECK(tn_crypto_use_key(&tx, 0, 5, 77) == 0, "use key");
    CHECK(tn_crypto_rx_key(&rx, ctx, 0, 5, 77) == 0, "rx key");
    tn_hdr_encode(pkt, &h);
    CHECK(tn_crypto_seal(&tx, pkt, pt, sizeof(pt), 1234) == 0, "seal");
    CHECK(memcmp(pkt + TN_HEADER_SIZE, pt, sizeof(pt)) != 0, "payload not encrypted");
    memcpy(copy, pkt, sizeof(pkt));
    CHECK(tn_crypto_open(ctx, copy, sizeof(copy), 1234) == 0, "open of a good packet failed");
    CHECK(memcmp(copy + TN_HEADER_SIZE, pt, sizeof(pt)) == 0, "decrypted payload differs");
    for (size_t bit = 0; bit < sizeof(pkt) * 8; bit++) {
        memcpy(copy, pkt, sizeof(pkt));
        copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        CHECK(tn_crypto_open(ctx, copy, sizeof(copy), 1234) != 0, "bit %zu flipped and still opened", bit);
    }
    memcpy(copy, pkt, sizeof(pkt));
    CHECK(tn_crypto_open(ctx, copy, sizeof(copy), 1235) != 0, "opened with another counter");
    /* another cluster name, node or epoch gives another key */
    CHECK(tn_crypto_rx_key(&rx, ctx, 0, 6, 77) == 0, "rx key");
    memcpy(copy, pkt, sizeof(pkt));
    CHECK(tn_crypto_open(ctx, copy, sizeof(copy), 1234) != 0, "opened with node 6's key");
    CHECK(tn_crypto_rx_key(&rx, ctx, 0, 5, 78) == 0, "rx key");
    memcpy(copy, pkt, sizeof(pkt));
    CHECK(tn_crypto_open(ctx, copy, sizeof(copy), 1234) != 0, "opened with epoch 78's key");
    CHECK(tn_crypto_rx_key(&rx, ctx, 1, 5, 77) == -ENOKEY, "unknown key id gave a key");
    tn_crypto_free(&rx);
    CHECK(tn_crypto_init(&rx, "c2") == 0 && tn_crypto_add_key(&rx, 0, key, sizeof(key)) == 0, "init");
    CHECK(tn_crypto_rx_key(&rx, ctx, 0, 5, 77) == 0, "rx key");
    memcpy(copy, pkt, sizeof(pkt));
    CHECK(tn_crypto_open(ctx, copy, sizeof(copy), 1234) != 0, "opened under another cluster name");
    /* empty payload */
    tn_hdr_encode(pkt, &h);
    CHECK(tn_crypto_seal(&tx, pkt, NULL, 0, 1234) == 0, "seal of nothing");
    CHECK(tn_crypto_rx_key(&rx, ctx, 0, 5, 77) == 0, "rx key");
    tn_crypto_free(&rx);
    CHECK(tn_crypto_init(&rx, "c1") == 0 && tn_crypto_add_key(&rx, 0, key, sizeof(key)) == 0, "init");
    CHECK(tn_crypto_rx_key(&rx, ctx, 0, 5, 77) == 0, "rx key");
    CHECK(tn_crypto_open(ctx, pkt, TN_HEADER_SIZE + TN_TAG_SIZE, 1234) == 0, "open of nothing");
    CHECK(tn_crypto_open(ctx, pkt, TN_HEADER_SIZE + TN_TAG_SIZE - 1, 1234) != 0, "short packet opened");
    tn_crypto_free(&tx);
    tn_crypto_free(&rx);
    EVP_CIPHER_CTX_free(ctx);
}

static void test_config_errors(void)
{
    static const uint8_t key[64] = {1};
    struct tn_config base = {.transport = TN_TRANSPORT_UDP, .nodeid = 1, .bindnetaddr = "127.0.0.1",
                             .mcastaddr = "239.1.2.3", .mcastport = 5405, .secauth = 1, .key = key,
                             .key_len = sizeof(key)};
    struct tn_member dup[2] = {{1, "10.0.0.1"}, {1, "10.0.0.2"}};
    struct tn_member bad[1] = {{1, "not-an-address"}};
    struct {
        const char *what;
        struct tn_config cfg;
    } cases[] = {
        {"transport", base}, {"port", base}, {"bindnetaddr", base}, {"mcast family", base},
        {"not multicast", base}, {"ttl", base}, {"netmtu", base}, {"short key", base},
        {"no key", base}, {"key id", base}, {"rx_batch", base}, {"dup member", base},
        {"bad member", base}, {"v6 nodeid", base}, {"keyfile", base},
    };
    char err[256];
    struct tn *t;
    int i = 0;

    cases[i++].cfg.transport = 7;
    cases[i++].cfg.mcastport = 1;
    cases[i++].cfg.bindnetaddr = "eth0";
    cases[i++].cfg.mcastaddr = "ff02::1";
    cases[i++].cfg.mcastaddr = "10.1.1.1";
    cases[i++].cfg.ttl = 256;
    cases[i++].cfg.netmtu = 100;
    cases[i++].cfg.key_len = 16;
    cases[i++].cfg.key = NULL;
    cases[i++].cfg.key_id = 16;
    cases[i++].cfg.rx_batch = 5000;
    cases[i].cfg.members = dup;
    cases[i++].cfg.n_members = 2;
    cases[i].cfg.members = bad;
    cases[i++].cfg.n_members = 1;
    cases[i].cfg.nodeid = 0;
    cases[i].cfg.bindnetaddr = "::1";
    cases[i++].cfg.mcastaddr = "ff15::1";
    cases[i].cfg.key = NULL;
    cases[i++].cfg.keyfile = "/nonexistent/authkey";
    for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) {
        int rc = tn_create(&cases[i].cfg, &t, err, sizeof(err));
        CHECK(rc < 0 && t == NULL && err[0] != '\0', "config '%s' accepted (rc %d)", cases[i].what, rc);
    }
    CHECK(tn_max_payload(1500, 2, 1) == 1500 - 28 - 24 - 16, "max payload v4");
    CHECK(tn_max_payload(1500, 10, 0) == 1500 - 48 - 24, "max payload v6");
    CHECK(tn_max_payload(100, 2, 1) == -EINVAL, "tiny netmtu");
}

/* -------------------------------------------------------------- network */

static int enter_ns(const char *name)
{
    char path[256];
    int fd, rc;

    snprintf(path, sizeof(path), "/run/netns/%s", name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    rc = setns(fd, CLONE_NEWNET);
    close(fd);
    return rc == 0 ? 0 : -errno;
}

static void fill_payload(uint8_t *p, size_t len, uint32_t seq)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(seq * 31 + i);
    if (len >= 4)
        tn_put_be32(p, seq);
}

/* Receive until `want` packets arrived or the wire stayed quiet for quiet_ms;
 * every payload must be fill_payload's.  Returns the number received. */
static int drain(struct tn *t, int want, int quiet_ms, uint32_t from)
{
    struct tn_rx rx[64];
    int got = 0;

    for (;;) {
        struct pollfd p[2];
        int fds[2], nfds = tn_fds(t, fds, 2);
        for (int i = 0; i < nfds; i++)
            p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        if (got >= want && want >= 0)
            return got;
        if (!tn_rx_pending(t) && poll(p, (nfds_t)nfds, quiet_ms) <= 0)
            return got;
        int n = tn_recv(t, rx, 64);
        for (int i = 0; i < n; i++) {
            uint8_t expect[TN_NETMTU_MAX];
            uint32_t seq = rx[i].len >= 4 ? tn_get_be32(rx[i].data) : 0;
            if (from != 0 && rx[i].nodeid != from)
                return -1;
            fill_payload(expect, rx[i].len, seq);
            if (rx[i].len >= 4 && memcmp(expect, rx[i].data, rx[i].len) != 0)
                return -2;
        }
        got += n;
    }
}

struct forger {
    struct tn_crypto crypto;
    uint32_t nodeid;
    uint64_t epoch;
    int fd;
    struct tn_addr to;
};

/* A sealed packet of node f->nodeid; returns its length. */
static size_t forge(struct forger *f, uint8_t *pkt, uint64_t counter, uint32_t seq, size_t len)
{
    uint8_t pt[2048];
    struct tn_hdr h = {.sealed = 1, .key_id = 0, .sender = f->nodeid, .epoch = f->epoch, .counter = counter};

    fill_payload(pt, len, seq);
    tn_hdr_encode(pkt, &h);
    if (tn_crypto_seal(&f->crypto, pkt, pt, len, counter) != 0)
        return 0;
    return TN_HEADER_SIZE + len + TN_TAG_SIZE;
}

static void raw_send(struct forger *f, const uint8_t *pkt, size_t len)
{
    if (sendto(f->fd, pkt, len, 0, &f->to.u.sa, f->to.len) < 0)
        perror("sendto");
}

static void send_counter(struct forger *f, uint64_t counter)
{
    uint8_t pkt[2048];
    size_t n = forge(f, pkt, counter, (uint32_t)counter, 100);
    raw_send(f, pkt, n);
}

static void test_net(char **argv)
{
    const char *mode = argv[2], *ns_a = argv[3], *ns_b = argv[4], *addr_a = argv[5], *addr_b = argv[6];
    const char *addr_c = argv[7], *mcast = argv[8], *keyfile = argv[10];
    int port = atoi(argv[9]), udpu = strcmp(mode, "udpu") == 0;
    struct tn_member members[3] = {{1, ""}, {2, ""}, {3, ""}};
    struct tn_config ca = {0}, cb;
    struct tn *a = NULL, *b = NULL;
    struct tn_stats s0, s1;
    struct forger f = {0}, alien = {0};
    uint8_t key[TN_AUTHKEY_MAX], pkt[4096], payload[2048];
    size_t keylen = 0, n;
    char err[256];
    int home, rc, got;
    struct tn_info info;

    snprintf(members[0].addr, sizeof(members[0].addr), "%s", addr_a);
    snprintf(members[1].addr, sizeof(members[1].addr), "%s", addr_b);
    snprintf(members[2].addr, sizeof(members[2].addr), "%s", addr_c);
    ca.transport = udpu ? TN_TRANSPORT_UDPU : TN_TRANSPORT_UDP;
    ca.nodeid = 1;
    ca.bindnetaddr = addr_a;
    ca.mcastaddr = mcast;
    ca.mcastport = port;
    ca.secauth = 1;
    ca.keyfile = keyfile;
    ca.epoch = 1000;
    ca.members = udpu ? members : NULL;
    ca.n_members = udpu ? 3 : 0;
    cb = ca;
    cb.nodeid = 2;
    cb.bindnetaddr = addr_b;
    cb.epoch = 2000;

    home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    CHECK(home >= 0, "cannot open own netns");
    CHECK(enter_ns(ns_a) == 0, "cannot enter %s", ns_a);
    rc = tn_create(&ca, &a, err, sizeof(err));
    CHECK(rc == 0, "node 1: %s", err);
    f.fd = socket(strchr(addr_c, ':') ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    alien.fd = f.fd;
    {
        struct tn_addr c;
        CHECK(tn_addr_parse(addr_c, 0, &c) == 0 && bind(f.fd, &c.u.sa, c.len) == 0, "bind %s", addr_c);
    }
    CHECK(enter_ns(ns_b) == 0, "cannot enter %s", ns_b);
    rc = tn_create(&cb, &b, err, sizeof(err));
    CHECK(rc == 0, "node 2: %s", err);
    CHECK(setns(home, CLONE_NEWNET) == 0, "cannot return home");
    close(home);

    /* both ways, every size from 0 to the largest payload */
    tn_get_info(a, &info);
    for (uint32_t len = 0; len <= info.max_payload; len += 97) {
        fill_payload(payload, len, len);
        CHECK(tn_mcast(a, payload, len, 0) == 0, "mcast of %u bytes", len);
    }
    fill_payload(payload, info.max_payload, 1);
    CHECK(tn_mcast(a, payload, info.max_payload + 1, 0) == -EMSGSIZE, "oversized send accepted");
    got = drain(b, (int)(info.max_payload / 97 + 1), 2000, 1);
    CHECK(got == (int)(info.max_payload / 97 + 1), "node 2 got %d multicasts", got);
    /* one batch of full frames and a short one: with udp a few UDP GSO
     * messages, datagram by datagram on arrival */
    {
        enum { RUN = 70 };
        static uint8_t frames[RUN + 1][TN_NETMTU_MAX];
        struct tn_tx tx[RUN + 1];
        for (int i = 0; i <= RUN; i++) {
            uint32_t len = i < RUN ? info.max_payload : 40;
            fill_payload(frames[i], len, (uint32_t)i);
            tx[i] = (struct tn_tx){.data = frames[i], .len = len, .dest = TN_DEST_MCAST};
        }
        struct tn_stats r0, r1;
        tn_get_stats(a, &s0);
        tn_get_stats(b, &r0);
        CHECK(tn_send_batch(a, tx, RUN + 1, NULL) == RUN + 1, "batch of %d multicasts", RUN + 1);
        got = drain(b, RUN + 1, 2000, 1);
        CHECK(got == RUN + 1, "node 2 got %d of the batch", got);
        tn_get_stats(b, &r1);
        tn_get_info(b, &info);
        /* with UDP GRO the runs arrive whole and are cut on this side */
        CHECK(info.gro == !udpu && (udpu ? r1.rx_gro == 0 : r1.rx_gro - r0.rx_gro >= 2),
              "GRO %d, messages: %llu", info.gro, (unsigned long long)(r1.rx_gro - r0.rx_gro));
        CHECK(r1.rx_datagrams - r0.rx_datagrams == RUN + 1, "datagrams counted");
        tn_get_stats(a, &s1);
        CHECK(s1.tx_packets - s0.tx_packets == (udpu ? 2 : 1) * (RUN + 1), "batch datagrams counted");
        CHECK(udpu ? s1.tx_gso == 0 : s1.tx_gso - s0.tx_gso >= 2, "GSO messages: %llu",
              (unsigned long long)(s1.tx_gso - s0.tx_gso));
        CHECK(s1.gso_off_errno == 0 && s1.tx_errors == 0, "GSO refused (%d)", s1.gso_off_errno);
    }
    for (uint32_t i = 0; i < 50; i++) {
        fill_payload(payload, 200, i);
        CHECK(tn_send_unicast(b, 1, payload, 200) == 0, "unicast to node 1");
    }
    got = drain(a, 50, 2000, 2);
    CHECK(got == 50, "node 1 got %d unicasts", got);
    CHECK(tn_send_unicast(b, 99, payload, 10) == -EHOSTUNREACH, "unicast to an unknown node");
    CHECK(tn_send_unicast(b, 2, payload, 10) == -EINVAL, "unicast to self");

    /* the forger: node 3, holding the authkey */
    CHECK(tn_key_read_file(keyfile, key, sizeof(key), &keylen, err, sizeof(err)) == 0, "%s", err);
    CHECK(tn_crypto_init(&f.crypto, NULL) == 0 && tn_crypto_add_key(&f.crypto, 0, key, keylen) == 0, "forger");
    f.nodeid = 3;
    f.epoch = 500;
    CHECK(tn_crypto_use_key(&f.crypto, 0, f.nodeid, f.epoch) == 0, "forger key");
    CHECK(tn_addr_parse(addr_b, port, &f.to) == 0, "addr b");
    for (size_t i = 0; i < keylen; i++)
        key[i] ^= 0x5A;
    CHECK(tn_crypto_init(&alien.crypto, NULL) == 0 && tn_crypto_add_key(&alien.crypto, 0, key, keylen) == 0,
          "alien");
    alien.nodeid = 3;
    alien.epoch = 500;
    alien.to = f.to;
    CHECK(tn_crypto_use_key(&alien.crypto, 0, alien.nodeid, alien.epoch) == 0, "alien key");

    tn_get_stats(b, &s0);
    for (uint64_t c = 1; c <= 50; c++)
        send_counter(&f, c);
    got = drain(b, 50, 2000, 3);
    CHECK(got == 50, "node 2 got %d of node 3's packets", got);
    for (uint64_t c = 1; c <= 50; c++)     /* replays */
        send_counter(&f, c);
    for (uint64_t c = 100; c >= 60; c--)   /* reordered, inside the window */
        send_counter(&f, c);
    send_counter(&f, 60);                  /* again */
    send_counter(&f, 2000);
    send_counter(&f, 2000 - TN_REPLAY_WINDOW);  /* left of the window */
    got = drain(b, 42, 2000, 3);
    CHECK(got == 42, "node 2 got %d (want 41 reordered + 1)", got);
    CHECK(drain(b, -1, 200, 0) == 0, "more arrived");
    tn_get_stats(b, &s1);
    CHECK(s1.replays - s0.replays == 52, "replays %llu", (unsigned long long)(s1.replays - s0.replays));

    /* every bit of a valid packet flipped, every truncation: nothing passes,
     * and none of it moves the window: the original still arrives.  (A flip
     * may land in the counter and make it a replay, or in the sender and make
     * it another node's stale epoch: counted, not delivered.) */
    n = forge(&f, pkt, 3000, 3000, 60);
    for (size_t bit = 0; bit < n * 8; bit++) {
        uint8_t copy[4096];
        memcpy(copy, pkt, n);
        copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        raw_send(&f, copy, n);
    }
    for (size_t len = 0; len < n; len++)
        raw_send(&f, pkt, len);
    for (int i = 0; i < 3000; i++) {
        size_t len = (size_t)(rnd() % 1600);
        for (size_t k = 0; k < len; k++)
            payload[k] = (uint8_t)rnd();
        if (len >= 4 && (i & 1)) {
            payload[0] = 0x54;
            payload[1] = 0x4E;
            payload[2] = 1;
            payload[3] &= 0xF1;
        }
        raw_send(&f, payload, len);
    }
    CHECK(drain(b, -1, 300, 0) == 0, "a damaged packet was delivered");
    tn_get_stats(b, &s0);
    CHECK(s0.auth_failures > s1.auth_failures && s0.malformed > s1.malformed, "nothing counted");
    CHECK(s0.rx_packets == s1.rx_packets, "damage delivered");
    raw_send(&f, pkt, n);
    CHECK(drain(b, 1, 2000, 3) == 1, "the intact packet was refused after the damaged ones");

    /* a foreign key, a stale epoch, a new epoch */
    n = forge(&alien, pkt, 4000, 1, 30);
    raw_send(&alien, pkt, n);
    f.epoch = 499;
    CHECK(tn_crypto_use_key(&f.crypto, 0, f.nodeid, f.epoch) == 0, "forger key");
    send_counter(&f, 5000);
    CHECK(drain(b, -1, 300, 0) == 0, "foreign key or stale epoch delivered");
    tn_get_stats(b, &s1);
    CHECK(s1.auth_failures == s0.auth_failures + 1, "foreign key not an auth failure");
    CHECK(s1.stale_epoch == s0.stale_epoch + 1, "stale epoch not counted");
    f.epoch = 501;      /* node 3 restarted: its counter starts again */
    CHECK(tn_crypto_use_key(&f.crypto, 0, f.nodeid, f.epoch) == 0, "forger key");
    send_counter(&f, 1);
    CHECK(drain(b, 1, 2000, 3) == 1, "new epoch refused");
    f.epoch = 500;
    CHECK(tn_crypto_use_key(&f.crypto, 0, f.nodeid, f.epoch) == 0, "forger key");
    send_counter(&f, 6000);
    CHECK(drain(b, -1, 300, 0) == 0, "the old epoch still accepted");

    /* a datagram larger than netmtu allows */
    memset(payload, 0, sizeof(payload));
    tn_get_info(b, &info);
    raw_send(&f, payload, info.max_datagram + 1);
    CHECK(drain(b, -1, 300, 0) == 0, "oversized datagram delivered");
    tn_get_stats(b, &s0);
    CHECK(s0.truncated == s1.truncated + 1, "oversized datagram not counted as truncated");

    /* still talking */
    fill_payload(payload, 10, 7);
    CHECK(tn_mcast(b, payload, 10, 0) == 0, "mcast from node 2");
    CHECK(drain(a, 1, 2000, 2) == 1, "node 1 no longer hears node 2");

    close(f.fd);
    tn_crypto_free(&f.crypto);
    tn_crypto_free(&alien.crypto);
    tn_destroy(a);
    tn_destroy(b);
}

int main(int argc, char **argv)
{
    if (argc >= 11 && strcmp(argv[1], "NET") == 0) {
        test_net(argv);
    } else if (argc == 1) {
        test_replay_edges();
        test_replay_model();
        test_wire();
        test_seal_open();
        test_config_errors();
    } else {
        fprintf(stderr, "usage: %s [NET udp|udpu NS_A NS_B ADDR_A ADDR_B ADDR_C MCAST PORT KEYFILE]\n",
                argv[0]);
        return 2;
    }
    if (failures == 0)
        printf("tn_selftest: all checks passed\n");
    return failures ? 1 : 0;
}
