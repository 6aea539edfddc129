/*
 * tn.c - create and destroy a transport, and the small public calls around
 * it: descriptors, interface re-check, members, keys, info.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tn_internal.h"

uint32_t tn_udpip_header(int family)
{
    return family == AF_INET6 ? 48 : 28;        /* IPv6 40 / IPv4 20, + UDP 8 */
}

int tn_max_payload(int netmtu, int family, int secauth)
{
    if ((family != AF_INET && family != AF_INET6) || netmtu < TN_NETMTU_MIN || netmtu > TN_NETMTU_MAX)
        return -EINVAL;
    return netmtu - (int)tn_udpip_header(family) - TN_HEADER_SIZE - (secauth ? TN_TAG_SIZE : 0);
}

static int errf(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static uint64_t realtime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Which members are us, and scopes of link-local members (after the interface is known). */
static void members_bind(struct tn *t)
{
    for (size_t i = 0; i < t->n_members; i++) {
        struct tn_memb *m = &t->members[i];
        m->self = (m->nodeid != 0 && m->nodeid == t->nodeid) ||
                  (!t->isolated && tn_addr_same_ip(&m->addr, &t->iface.addr.u, t->iface.addr.len));
        if (tn_addr_is_linklocal(&m->addr) && !t->isolated)
            m->addr.u.sin6.sin6_scope_id = (uint32_t)t->iface.ifindex;
        if (m->nodeid != 0 && !m->self) {
            struct tn_peer *p = tn_peers_find(&t->peers, m->nodeid);
            if (p != NULL)
                p->addr = m->addr;
        }
    }
}

static int members_load(struct tn *t, const struct tn_config *cfg, char *err, size_t errlen)
{
    if (cfg->n_members == 0)
        return 0;
    if (cfg->members == NULL)
        return errf(err, errlen, -EINVAL, "members is NULL");
    if (cfg->n_members > (size_t)t->peers.max)
        return errf(err, errlen, -EINVAL, "%zu members, more than max_nodes %u", cfg->n_members,
                    t->peers.max);
    t->members = calloc(cfg->n_members, sizeof(*t->members));
    if (t->members == NULL)
        return errf(err, errlen, -ENOMEM, "out of memory");
    t->n_members = cfg->n_members;
    for (size_t i = 0; i < cfg->n_members; i++) {
        const struct tn_member *c = &cfg->members[i];
        struct tn_memb *m = &t->members[i];

        if (memchr(c->addr, 0, sizeof(c->addr)) == NULL || tn_addr_parse(c->addr, t->port, &m->addr) != 0)
            return errf(err, errlen, -EINVAL, "member %zu: '%.63s' is not a numeric IP address", i, c->addr);
        if (tn_addr_family(&m->addr) != t->family)
            return errf(err, errlen, -EINVAL, "member %s: not the address family of bindnetaddr", c->addr);
        if (t->transport == TN_TRANSPORT_UDP && c->nodeid == 0)
            return errf(err, errlen, -EINVAL, "member %s: transport udp needs its node id", c->addr);
        for (size_t j = 0; j < i; j++) {
            if (c->nodeid != 0 && t->members[j].nodeid == c->nodeid)
                return errf(err, errlen, -EINVAL, "node id %u appears twice in the member list", c->nodeid);
            if (tn_addr_same_ip(&t->members[j].addr, &m->addr.u, m->addr.len))
                return errf(err, errlen, -EINVAL, "address %s appears twice in the member list", c->addr);
        }
        m->nodeid = c->nodeid;
        if (c->nodeid != 0 && c->nodeid != t->nodeid && tn_peers_get(&t->peers, c->nodeid) == NULL)
            return errf(err, errlen, -ENOSPC, "peer table full");
    }
    return 0;
}

static int load_key(struct tn *t, const struct tn_config *cfg, char *err, size_t errlen)
{
    uint8_t *key;
    size_t len = 0;
    int rc;

    if (cfg->key_id < 0 || cfg->key_id > TN_KEY_ID_MAX)
        return errf(err, errlen, -EINVAL, "key_id %d is not within 0..%d", cfg->key_id, TN_KEY_ID_MAX);
    if (cfg->key != NULL) {
        if (cfg->key_len < TN_AUTHKEY_MIN || cfg->key_len > TN_AUTHKEY_MAX)
            return errf(err, errlen, -EINVAL, "key has %zu bytes, expected %d to %d", cfg->key_len,
                        TN_AUTHKEY_MIN, TN_AUTHKEY_MAX);
        rc = tn_crypto_add_key(&t->crypto, (unsigned)cfg->key_id, cfg->key, cfg->key_len);
        return rc ? errf(err, errlen, rc, "cannot derive the key: %s", strerror(-rc)) : 0;
    }
    if (cfg->keyfile == NULL)
        return errf(err, errlen, -EINVAL, "secauth is on but neither keyfile nor key is given");
    key = malloc(TN_AUTHKEY_MAX);
    if (key == NULL)
        return errf(err, errlen, -ENOMEM, "out of memory");
    rc = tn_key_read_file(cfg->keyfile, key, TN_AUTHKEY_MAX, &len, err, errlen);
    if (rc == 0) {
        rc = tn_crypto_add_key(&t->crypto, (unsigned)cfg->key_id, key, len);
        if (rc != 0)
            errf(err, errlen, rc, "cannot derive the key: %s", strerror(-rc));
    }
    OPENSSL_cleanse(key, TN_AUTHKEY_MAX);
    free(key);
    return rc;
}

static int configure(struct tn *t, const struct tn_config *cfg, char *err, size_t errlen)
{
    int netmtu = cfg->netmtu ? cfg->netmtu : TN_NETMTU_DEFAULT;
    int rc;

    if (cfg->transport != TN_TRANSPORT_UDP && cfg->transport != TN_TRANSPORT_UDPU)
        return errf(err, errlen, -EINVAL, "transport %d is neither udp (0) nor udpu (1)", cfg->transport);
    t->transport = cfg->transport;
    if (cfg->mcastport < 2 || cfg->mcastport > 65535)
        return errf(err, errlen, -EINVAL, "mcastport %d is not within 2..65535 (mcastport - 1 is used too)",
                    cfg->mcastport);
    t->port = cfg->mcastport;
    if (tn_addr_parse(cfg->bindnetaddr, 0, &t->bindnet) != 0)
        return errf(err, errlen, -EINVAL, "bindnetaddr '%s' is not a numeric IP address",
                    cfg->bindnetaddr ? cfg->bindnetaddr : "(null)");
    t->family = tn_addr_family(&t->bindnet);
    if (t->transport == TN_TRANSPORT_UDP) {
        if (tn_addr_parse(cfg->mcastaddr, t->port, &t->mcast) != 0)
            return errf(err, errlen, -EINVAL, "mcastaddr '%s' is not a numeric IP address",
                        cfg->mcastaddr ? cfg->mcastaddr : "(null)");
        if (tn_addr_family(&t->mcast) != t->family)
            return errf(err, errlen, -EINVAL, "mcastaddr %s and bindnetaddr %s are of different families",
                        cfg->mcastaddr, cfg->bindnetaddr);
        if (!tn_addr_is_multicast(&t->mcast))
            return errf(err, errlen, -EINVAL, "mcastaddr %s is not a multicast address", cfg->mcastaddr);
    }
    t->ttl = cfg->ttl ? cfg->ttl : TN_TTL_DEFAULT;
    if (t->ttl < 1 || t->ttl > 255)
        return errf(err, errlen, -EINVAL, "ttl %d is not within 1..255", cfg->ttl);
    t->loop = cfg->multicast_loop != 0;
    t->secauth = cfg->secauth != 0;
    t->allow_unlisted = cfg->allow_unlisted != 0;
    t->gso = t->transport == TN_TRANSPORT_UDP && cfg->no_gso == 0;
    t->gro_req = t->transport == TN_TRANSPORT_UDP && cfg->no_gro == 0;
    rc = tn_max_payload(netmtu, t->family, t->secauth);
    if (rc <= 0)
        return errf(err, errlen, -EINVAL, "netmtu %d is not within %d..%d", netmtu, TN_NETMTU_MIN,
                    TN_NETMTU_MAX);
    t->max_payload = (uint32_t)rc;
    t->max_datagram = (uint32_t)netmtu - tn_udpip_header(t->family);
    t->rx_slots = cfg->rx_batch ? cfg->rx_batch : TN_RX_BATCH_DEFAULT;
    if (t->rx_slots < 1 || t->rx_slots > TN_RX_BATCH_MAX)
        return errf(err, errlen, -EINVAL, "rx_batch %d is not within 1..%d", cfg->rx_batch, TN_RX_BATCH_MAX);
    if (cfg->max_nodes < 0 || cfg->max_nodes > TN_MAX_NODES_MAX)
        return errf(err, errlen, -EINVAL, "max_nodes %d is not within 1..%d", cfg->max_nodes,
                    TN_MAX_NODES_MAX);
    if (cfg->rcvbuf < 0 || cfg->sndbuf < 0)
        return errf(err, errlen, -EINVAL, "negative socket buffer size");
    t->rcvbuf_req = cfg->rcvbuf ? cfg->rcvbuf : TN_SOCKBUF_DEFAULT;
    t->sndbuf_req = cfg->sndbuf ? cfg->sndbuf : TN_SOCKBUF_DEFAULT;
    t->epoch = cfg->epoch ? cfg->epoch : realtime_ns();
    return 0;
}

int tn_create(const struct tn_config *cfg, struct tn **out, char *err, size_t errlen)
{
    struct tn *t;
    int rc;

    if (err == NULL)
        errlen = 0;
    if (errlen > 0)
        err[0] = '\0';
    if (out == NULL)
        return errf(err, errlen, -EINVAL, "out is NULL");
    *out = NULL;
    if (cfg == NULL)
        return errf(err, errlen, -EINVAL, "cfg is NULL");
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return errf(err, errlen, -ENOMEM, "out of memory");
    t->fd_mcast = t->fd_ucast = t->fd_send = -1;

    rc = configure(t, cfg, err, errlen);
    if (rc == 0 && (rc = tn_crypto_init(&t->crypto, cfg->cluster_name)) != 0)
        errf(err, errlen, rc, "cannot set up AES-256-GCM (cluster_name too long?): %s", strerror(-rc));
    if (rc == 0 && t->secauth)
        rc = load_key(t, cfg, err, errlen);
    if (rc == 0) {
        rc = tn_iface_find(&t->bindnet, &t->iface);
        if (rc == -ENODEV) {
            t->isolated = 1;
            rc = 0;
        } else if (rc != 0) {
            errf(err, errlen, rc, "cannot list the interfaces: %s", strerror(-rc));
        }
    }
    if (rc == 0) {
        t->nodeid = cfg->nodeid;
        if (t->nodeid == 0 && t->family == AF_INET && !t->isolated)
            t->nodeid = ntohl(t->iface.addr.u.sin.sin_addr.s_addr);
        if (t->nodeid == 0)
            rc = errf(err, errlen, t->isolated ? -ENODEV : -EINVAL,
                      t->isolated ? "no node id configured and no interface matches bindnetaddr %s"
                                  : "IPv6 needs a configured node id (bindnetaddr %s)", cfg->bindnetaddr);
    }
    if (rc == 0 && t->secauth && (rc = tn_crypto_use_key(&t->crypto, (unsigned)cfg->key_id, t->nodeid,
                                                        t->epoch)) != 0)
        errf(err, errlen, rc, "cannot derive the send key: %s", strerror(-rc));
    if (rc == 0 && (rc = tn_peers_init(&t->peers, (uint32_t)(cfg->max_nodes ? cfg->max_nodes
                                                                            : TN_MAX_NODES_DEFAULT))) != 0)
        errf(err, errlen, rc, "out of memory");
    if (rc == 0)
        rc = members_load(t, cfg, err, errlen);
    if (rc == 0 && ((rc = tn_rx_init(t)) != 0 || (rc = tn_tx_init(t)) != 0))
        errf(err, errlen, rc, "out of memory");
    if (rc == 0 && (t->scratch = EVP_CIPHER_CTX_new()) == NULL)
        rc = errf(err, errlen, -ENOMEM, "out of memory");
    if (rc == 0) {
        members_bind(t);
        if (!t->isolated)
            rc = tn_sock_open(t, err, errlen);
    }
    if (rc != 0) {
        tn_destroy(t);
        return rc;
    }
    *out = t;
    return 0;
}

void tn_destroy(struct tn *t)
{
    if (t == NULL)
        return;
    tn_sock_close(t);
    tn_rx_free(t);
    tn_tx_free(t);
    tn_peers_free(&t->peers);
    tn_crypto_free(&t->crypto);
    EVP_CIPHER_CTX_free(t->scratch);
    free(t->members);
    OPENSSL_cleanse(t, sizeof(*t));
    free(t);
}

int tn_fds(const struct tn *t, int *fds, int max)
{
    int n = 0;

    if (t->isolated || fds == NULL)
        return 0;
    if (t->fd_mcast >= 0 && n < max)
        fds[n++] = t->fd_mcast;
    if (t->fd_ucast >= 0 && n < max)
        fds[n++] = t->fd_ucast;
    return n;
}

int tn_iface_check(struct tn *t)
{
    struct tn_iface now;
    int rc = tn_iface_find(&t->bindnet, &now);

    if (rc != 0 && rc != -ENODEV)
        return rc;
    if (rc == -ENODEV) {
        if (t->isolated)
            return TN_IFACE_UNCHANGED;
        tn_sock_close(t);
        t->isolated = 1;
        return TN_IFACE_CHANGED;
    }
    if (!t->isolated && now.ifindex == t->iface.ifindex &&
        tn_addr_same_ip(&t->iface.addr, &now.addr.u, now.addr.len))
        return TN_IFACE_UNCHANGED;
    tn_sock_close(t);
    t->iface = now;
    t->isolated = 0;
    members_bind(t);
    rc = tn_sock_open(t, t->sock_error, sizeof(t->sock_error));
    if (rc != 0) {
        t->isolated = 1;
        return rc;
    }
    t->sock_error[0] = '\0';
    return TN_IFACE_CHANGED;
}

int tn_member_set_active(struct tn *t, uint32_t nodeid, int active)
{
    struct tn_peer *p = tn_peers_find(&t->peers, nodeid);

    if (p == NULL)
        return -ENOENT;
    p->active = active != 0;
    return 0;
}

int tn_peer_addr(const struct tn *t, uint32_t nodeid, char *buf, size_t len)
{
    const struct tn_peer *p = tn_peers_find(&t->peers, nodeid);

    if (p == NULL || p->addr.len == 0)
        return -EHOSTUNREACH;
    tn_addr_format(&p->addr.u, 0, buf, len);
    return 0;
}

int tn_key_add(struct tn *t, int key_id, const uint8_t *key, size_t len)
{
    if (key_id < 0 || key_id > TN_KEY_ID_MAX)
        return -EINVAL;
    return tn_crypto_add_key(&t->crypto, (unsigned)key_id, key, len);
}

int tn_key_use(struct tn *t, int key_id)
{
    if (key_id < 0 || key_id > TN_KEY_ID_MAX)
        return -EINVAL;
    if (!tn_crypto_has_key(&t->crypto, (unsigned)key_id))
        return -ENOKEY;
    return tn_crypto_use_key(&t->crypto, (unsigned)key_id, t->nodeid, t->epoch);
}

int tn_key_remove(struct tn *t, int key_id)
{
    if (key_id < 0 || key_id > TN_KEY_ID_MAX)
        return -EINVAL;
    return tn_crypto_remove_key(&t->crypto, (unsigned)key_id);
}

void tn_get_info(const struct tn *t, struct tn_info *o)
{
    memset(o, 0, sizeof(*o));
    o->nodeid = t->nodeid;
    o->transport = t->transport;
    o->family = t->family;
    o->isolated = t->isolated;
    o->port = t->port;
    o->secauth = t->secauth;
    o->tx_key_id = (int)t->crypto.tx_key_id;
    o->epoch = t->epoch;
    o->tx_counter = t->counter;
    o->max_datagram = t->max_datagram;
    o->gro = t->gro;
    o->max_payload = t->max_payload;
    if (!t->isolated) {
        o->ifindex = t->iface.ifindex;
        memcpy(o->ifname, t->iface.name, sizeof(o->ifname));
        tn_addr_format(&t->iface.addr.u, 0, o->local_addr, sizeof(o->local_addr));
        o->rcvbuf = t->rcvbuf;
        o->sndbuf = t->sndbuf;
    }
    if (t->transport == TN_TRANSPORT_UDP)
        tn_addr_format(&t->mcast.u, 0, o->mcast_addr, sizeof(o->mcast_addr));
    memcpy(o->error, t->sock_error, sizeof(o->error));
}
