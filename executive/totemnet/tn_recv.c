/*
 * tn_recv.c - the receive path (docs/totem.md 5.4, 6.3).
 *
 * recvmmsg() batches into the transport's own buffers.  With UDP GRO (udp
 * transport, multicast socket) a message may bring a run of datagrams that a
 * sender coalesced with UDP GSO (tn_gso.c): the kernel did not cut it, so it
 * is cut here, at the size the kernel reports, into exactly those datagrams.
 * Received messages wait in a queue until their last datagram is handed out
 * (one call returns at most max), their buffers kept meanwhile.  Each
 * datagram is checked on its own, in this order, the cheap and
 * unauthenticated checks first, and anything that fails is dropped and
 * counted:
 *   size (bigger than netmtu allows: truncated) -> outer header (magic,
 *   version, reserved flags, sender 0, counter 0) -> SEALED flag against our
 *   secauth -> own node id -> udpu member list -> [secauth: key id known ->
 *   epoch not older than the newest authenticated one of that node -> counter
 *   not in the replay window -> AES-GCM tag] -> commit: peer entry, window,
 *   address learning.
 * Nothing about a peer changes before its packet authenticated, so forged or
 * replayed packets cannot move the window, the epoch or the address.
 * The multicast socket is drained before the token socket (5.4: the core
 * should see the multicasts sent before a token first).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tn_internal.h"
#include "tn_wire.h"

/* at most this many messages per tn_recv() per returned entry: bounds the
 * work of one call when a flood of garbage arrives */
#define RX_BUDGET_FACTOR 4

int tn_rx_init(struct tn *t)
{
    size_t n = (size_t)t->rx_slots;

    /* a full buffer means "too big"; with GRO a message may carry a run of
     * datagrams of up to 64 KiB in all */
    t->rx_slot_size = t->gro_req ? TN_GRO_SLOT_SIZE : t->max_datagram + 1;
    t->rx_buf = malloc(n * t->rx_slot_size);
    t->rx_busy = calloc(n, sizeof(*t->rx_busy));
    t->rx_msgs = calloc(n, sizeof(*t->rx_msgs));
    t->rx_iov = calloc(n, sizeof(*t->rx_iov));
    t->rx_src = calloc(n, sizeof(*t->rx_src));
    t->rx_ctl = calloc(n, TN_GRO_CTL_SIZE);
    t->rx_pick = calloc(n, sizeof(*t->rx_pick));
    t->rxq = calloc(n, sizeof(*t->rxq));
    if (!t->rx_buf || !t->rx_busy || !t->rx_msgs || !t->rx_iov || !t->rx_src || !t->rx_ctl ||
        !t->rx_pick || !t->rxq)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        t->rx_iov[i].iov_base = t->rx_buf + i * t->rx_slot_size;
        t->rx_iov[i].iov_len = t->rx_slot_size;
    }
    t->rxq_head = t->rxq_n = 0;
    return 0;
}

void tn_rx_free(struct tn *t)
{
    free(t->rx_buf);
    free(t->rx_busy);
    free(t->rx_msgs);
    free(t->rx_iov);
    free(t->rx_src);
    free(t->rx_ctl);
    free(t->rx_pick);
    free(t->rxq);
}

static struct tn_memb *member_by_ip(struct tn *t, const union tn_sockaddr *src, socklen_t len)
{
    for (size_t i = 0; i < t->n_members; i++)
        if (tn_addr_same_ip(&t->members[i].addr, src, len))
            return &t->members[i];
    return NULL;
}

static void set_peer_addr(struct tn *t, struct tn_peer *p, const struct tn_addr *a)
{
    if (p->addr.len != 0 && tn_addr_same_ip(&p->addr, &a->u, a->len))
        return;
    if (p->addr.len != 0)
        t->stats.addr_changes++;
    p->addr = *a;
}

/* Authenticate and decrypt a sealed packet of a known-good header; commits the
 * peer's key, epoch and window on success.  Returns TN_DROP_NONE or a reason. */
static int open_sealed(struct tn *t, const struct tn_hdr *h, uint8_t *pkt, size_t n, struct tn_peer **pp)
{
    struct tn_peer *p = tn_peers_find(&t->peers, h->sender);
    EVP_CIPHER_CTX *ctx;
    int fresh, known = p != NULL && p->ctx != NULL;

    if (n < TN_HEADER_SIZE + TN_TAG_SIZE)
        return TN_DROP_MALFORMED;
    if (!tn_crypto_has_key(&t->crypto, h->key_id))
        return TN_DROP_UNKNOWN_KEY;
    if (known && h->epoch < p->epoch)
        return TN_DROP_STALE_EPOCH;
    if (known && h->epoch == p->epoch && tn_replay_check(&p->window, h->counter) != 0)
        return TN_DROP_REPLAY;

    fresh = !known || h->epoch != p->epoch || h->key_id != p->key_id;
    if (fresh) {
        /* a new node, a new boot of it, or a rotated key: try the derived key
         * on the side and keep it only if the packet authenticates */
        if (t->scratch == NULL && (t->scratch = EVP_CIPHER_CTX_new()) == NULL)
            return TN_DROP_AUTH;
        if (tn_crypto_rx_key(&t->crypto, t->scratch, h->key_id, h->sender, h->epoch) != 0)
            return TN_DROP_AUTH;
        ctx = t->scratch;
    } else {
        ctx = p->ctx;
    }
    if (tn_crypto_open(ctx, pkt, n, h->counter) != 0)
        return TN_DROP_AUTH;

    if (p == NULL && (p = tn_peers_get(&t->peers, h->sender)) == NULL)
        return TN_DROP_PEERS_FULL;
    if (fresh) {
        EVP_CIPHER_CTX *old = p->ctx;
        p->ctx = t->scratch;
        t->scratch = old;       /* NULL for a new peer: allocated on next need */
        if (!known || h->epoch > p->epoch)
            tn_replay_reset(&p->window);
        p->epoch = h->epoch;
        p->key_id = h->key_id;
    }
    tn_replay_update(&p->window, h->counter);
    *pp = p;
    return TN_DROP_NONE;
}

/* One datagram of n bytes in pkt: TN_DROP_NONE and *out filled, or a reason. */
static int accept_one(struct tn *t, uint8_t *pkt, size_t n, int msg_flags, const union tn_sockaddr *src,
                      socklen_t srclen, struct tn_rx *out)
{
    struct tn_memb *m = NULL;
    struct tn_peer *p = NULL;
    struct tn_hdr h;
    size_t payload;
    int reason;

    if ((msg_flags & MSG_TRUNC) || n > t->max_datagram)
        return TN_DROP_TRUNCATED;
    if (tn_hdr_decode(pkt, n, &h) != 0)
        return TN_DROP_MALFORMED;
    if (h.sealed != t->secauth)
        return TN_DROP_SECAUTH_MISMATCH;
    if (h.sender == t->nodeid)
        return TN_DROP_OWN;
    if (t->transport == TN_TRANSPORT_UDPU && !t->allow_unlisted) {
        m = member_by_ip(t, src, srclen);
        if (m == NULL || m->self || (m->nodeid != 0 && m->nodeid != h.sender))
            return TN_DROP_UNLISTED;
    }
    if (t->secauth) {
        reason = open_sealed(t, &h, pkt, n, &p);
        if (reason != TN_DROP_NONE)
            return reason;
        payload = n - TN_HEADER_SIZE - TN_TAG_SIZE;
    } else {
        p = tn_peers_get(&t->peers, h.sender);
        if (p == NULL)
            return TN_DROP_PEERS_FULL;
        payload = n - TN_HEADER_SIZE;
    }

    /* learn where this node is */
    if (m != NULL) {
        m->nodeid = h.sender;
        set_peer_addr(t, p, &m->addr);
    } else {
        struct tn_addr a;
        tn_addr_from_sockaddr(&a, src, srclen);
        if (a.len != 0) {
            tn_addr_set_port(&a, t->port);
            set_peer_addr(t, p, &a);
        }
    }
    out->data = pkt + TN_HEADER_SIZE;
    out->len = (uint32_t)payload;
    out->nodeid = h.sender;
    out->flags = 0;
    out->reserved = 0;
    return TN_DROP_NONE;
}

/* The datagram size of a message that brought a run of datagrams (its
 * UDP_GRO control message), or 0: it is one datagram. */
static uint32_t gro_size(struct msghdr *mh)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
            int v;
            memcpy(&v, CMSG_DATA(c), sizeof(v));
            return v > 0 ? (uint32_t)v : 0;
        }
    }
    return 0;
}

/* Queue message i of the last recvmmsg (in slot rx_pick[i]). */
static void queue_message(struct tn *t, int i, int unicast)
{
    struct msghdr *mh = &t->rx_msgs[i].msg_hdr;
    struct tn_rxq *q = &t->rxq[(t->rxq_head + t->rxq_n) % t->rx_slots];
    uint32_t len = t->rx_msgs[i].msg_len, seg = mh->msg_controllen ? gro_size(mh) : 0;

    /* one datagram unless the kernel says it joined several (a truncated
     * message is one datagram too big, dropped once) */
    if (seg == 0 || seg >= len || (mh->msg_flags & MSG_TRUNC))
        seg = len > 0 ? len : 1;
    else
        t->stats.rx_gro++;
    t->stats.rx_datagrams += (len + seg - 1) / seg + (len == 0);
    q->slot = t->rx_pick[i];
    q->off = 0;
    q->len = len;
    q->seg = seg;
    q->msg_flags = mh->msg_flags;
    q->namelen = mh->msg_namelen;
    q->unicast = unicast;
    t->rx_busy[q->slot] = 1;
    t->rxq_n++;
}

/* Check the queued datagrams in order into out[0, max); returns how many
 * were handed out.  A message stays queued until its last datagram is. */
static int hand_out(struct tn *t, struct tn_rx *out, int max)
{
    int n = 0;

    while (t->rxq_n > 0 && n < max) {
        struct tn_rxq *q = &t->rxq[t->rxq_head];
        uint8_t *pkt = t->rx_buf + (size_t)q->slot * t->rx_slot_size + q->off;
        uint32_t len = q->len - q->off < q->seg ? q->len - q->off : q->seg;
        int reason = accept_one(t, pkt, len, q->msg_flags, &t->rx_src[q->slot], q->namelen, &out[n]);

        q->off += len;
        if (q->off >= q->len) {
            t->rxq_head = (t->rxq_head + 1) % t->rx_slots;
            t->rxq_n--;
        }
        if (reason != TN_DROP_NONE) {
            tn_stats_drop(t, reason, &t->rx_src[q->slot]);
            continue;
        }
        if (q->unicast)
            out[n].flags |= TN_RX_UNICAST;
        t->stats.rx_packets++;
        t->stats.rx_bytes += len;
        n++;
    }
    return n;
}

/* Up to want free slots into rx_pick and the first want message headers. */
static int pick_slots(struct tn *t, int want, int gro)
{
    int k = 0;

    for (int s = 0; s < t->rx_slots && k < want; s++) {
        struct msghdr *mh = &t->rx_msgs[k].msg_hdr;
        if (t->rx_busy[s])
            continue;
        memset(mh, 0, sizeof(*mh));
        mh->msg_name = &t->rx_src[s];
        mh->msg_namelen = sizeof(t->rx_src[s]);
        mh->msg_iov = &t->rx_iov[s];
        mh->msg_iovlen = 1;
        if (gro) {
            mh->msg_control = t->rx_ctl + (size_t)k * TN_GRO_CTL_SIZE;
            mh->msg_controllen = TN_GRO_CTL_SIZE;
        }
        t->rx_pick[k++] = s;
    }
    return k;
}

int tn_rx_pending(const struct tn *t)
{
    return t->rxq_n > 0 && !t->isolated;    /* tn_recv hands out nothing while isolated */
}

int tn_recv(struct tn *t, struct tn_rx *out, int max)
{
    int fds[2] = {t->fd_mcast, t->fd_ucast};
    int n, budget;

    if (max > t->rx_slots)
        max = t->rx_slots;
    if (max <= 0 || t->isolated || out == NULL)
        return 0;
    /* the rest of earlier runs alone: a caller that stops reading the
     * sockets (the driver while a PERSIST is outstanding) stops after it */
    if (t->rxq_n > 0)
        return hand_out(t, out, max);
    /* nothing queued: what the last call handed out may be overwritten now */
    memset(t->rx_busy, 0, (size_t)t->rx_slots);
    n = 0;
    budget = RX_BUDGET_FACTOR * max;
    for (int f = 0; f < 2 && n < max; f++) {
        int unicast = f == 1 && t->transport == TN_TRANSPORT_UDP;
        int gro = f == 0 && t->gro;

        if (fds[f] < 0)
            continue;
        /* busy: handed out or queued by this call */
        while (n < max && budget > 0) {
            int want = pick_slots(t, max - n < budget ? max - n : budget, gro);
            int got = want > 0 ? recvmmsg(fds[f], t->rx_msgs, (unsigned)want, MSG_DONTWAIT, NULL) : 0;

            if (got < 0) {
                if (errno == EINTR)
                    continue;
                if (errno != EAGAIN && errno != EWOULDBLOCK)
                    t->stats.rx_errors++;
                break;
            }
            budget -= got;
            for (int i = 0; i < got; i++)
                queue_message(t, i, unicast);
            n += hand_out(t, out + n, max - n);
            if (got < want || want == 0)
                break;
        }
    }
    return n;
}
