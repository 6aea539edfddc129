/*
 * tn_send.c - the send path.
 *
 * Every entry becomes one datagram: the outer header with the next counter,
 * then the payload, sealed with AES-256-GCM when secauth is on.  It goes to
 * the group (udp), to every other member (udpu: the same sealed bytes to
 * each, so one counter value per packet, not per copy), or to one node's
 * address.  Datagrams are queued into one sendmmsg() vector and flushed in
 * order when the vector or the sealing buffers are full and at the end; with
 * transport udp, runs of multicasts leave as UDP GSO messages (tn_gso.c).
 * Sends never block: what the kernel refuses (a full socket buffer) is counted
 * and reported per entry; totem retransmits.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tn_internal.h"
#include "tn_wire.h"

#define TX_SLOTS 64
#define TX_MSGS_MIN 256

int tn_tx_init(struct tn *t)
{
    size_t slots = TX_SLOTS;

    t->tx_slots = TX_SLOTS;
    t->tx_slot_size = t->max_datagram;
    t->tx_msgs_cap = TX_MSGS_MIN;
    if ((size_t)t->tx_msgs_cap < t->n_members + 1)
        t->tx_msgs_cap = (int)t->n_members + 1;
    t->tx_buf = malloc(slots * t->tx_slot_size);
    t->tx_iov = calloc(2 * slots, sizeof(*t->tx_iov));
    t->tx_msgs = calloc((size_t)t->tx_msgs_cap, sizeof(*t->tx_msgs));
    t->tx_entry = calloc((size_t)t->tx_msgs_cap, sizeof(*t->tx_entry));
    t->tx_dests = calloc((size_t)t->tx_msgs_cap, sizeof(*t->tx_dests));
    t->tx_out = calloc((size_t)t->tx_msgs_cap, sizeof(*t->tx_out));
    t->tx_unit_first = calloc((size_t)t->tx_msgs_cap, sizeof(*t->tx_unit_first));
    t->tx_unit_count = calloc((size_t)t->tx_msgs_cap, sizeof(*t->tx_unit_count));
    t->gso_iov = calloc(2 * (size_t)t->tx_msgs_cap, sizeof(*t->gso_iov));
    t->gso_ctl = calloc((size_t)t->tx_msgs_cap, TN_GSO_CTL_SIZE);
    if (!t->tx_buf || !t->tx_iov || !t->tx_msgs || !t->tx_entry || !t->tx_dests || !t->tx_out ||
        !t->tx_unit_first || !t->tx_unit_count || !t->gso_iov || !t->gso_ctl)
        return -ENOMEM;
    return 0;
}

void tn_tx_free(struct tn *t)
{
    free(t->tx_buf);
    free(t->tx_iov);
    free(t->tx_msgs);
    free(t->tx_entry);
    free(t->tx_dests);
    free(t->tx_out);
    free(t->tx_unit_first);
    free(t->tx_unit_count);
    free(t->gso_iov);
    free(t->gso_ctl);
}

struct txq {
    int slots;                  /* sealing buffers in use */
    int msgs;                   /* queued datagrams */
    int *results;
    int last_failed;            /* entry index of the last kernel failure */
    int failed;                 /* entries with at least one refused datagram */
};

/* Datagrams tx_msgs[first, first + count) were refused with errno e. */
static void refused(struct tn *t, struct txq *q, int first, int count, int e)
{
    for (int k = first; k < first + count; k++) {
        int entry = t->tx_entry[k];
        t->stats.tx_errors++;
        t->stats.last_tx_errno = e;
        if (entry != q->last_failed) {
            q->last_failed = entry;
            q->failed++;
            if (q->results)
                q->results[entry] = -e;
        }
    }
}

/* Send datagrams tx_msgs[first, first + count) one message each. */
static void send_each(struct tn *t, struct txq *q, int first, int count)
{
    int i = first, end = first + count;

    while (i < end) {
        int r = sendmmsg(t->fd_send, &t->tx_msgs[i], (unsigned)(end - i), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            refused(t, q, i, 1, errno);
            i++;            /* skip the refused datagram, keep going */
            continue;
        }
        for (int k = i; k < i + r; k++) {
            t->stats.tx_packets++;
            t->stats.tx_bytes += t->tx_msgs[k].msg_len;
        }
        i += r;
    }
}

/* Send the queued datagrams in order: the vector of tn_gso_build (runs of
 * multicasts coalesced when GSO is on), falling back to one message per
 * datagram for good if the kernel cannot segment. */
static void flush(struct tn *t, struct txq *q)
{
    int units = q->msgs > 0 ? tn_gso_build(t, q->msgs) : 0, u = 0;

    while (u < units) {
        int r = sendmmsg(t->fd_send, &t->tx_out[u], (unsigned)(units - u), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (r < 0) {
            int e = errno, first = t->tx_unit_first[u], count = t->tx_unit_count[u];
            if (e == EINTR)
                continue;
            if (count > 1 && (e == EIO || e == EINVAL || e == EMSGSIZE || e == ENOPROTOOPT || e == EOPNOTSUPP)) {
                t->gso = 0;     /* this kernel or device cannot: never again */
                t->stats.gso_off_errno = e;
                send_each(t, q, first, count);
            } else {
                refused(t, q, first, count, e);
            }
            u++;
            continue;
        }
        for (int k = u; k < u + r; k++) {
            t->stats.tx_packets += (uint64_t)t->tx_unit_count[k];
            t->stats.tx_bytes += t->tx_out[k].msg_len;
            if (t->tx_unit_count[k] > 1)
                t->stats.tx_gso++;
        }
        u += r;
    }
    q->msgs = 0;
    q->slots = 0;
}

/* Does a udpu multicast go to this member? */
static int member_wanted(const struct tn *t, const struct tn_memb *m, uint32_t flags)
{
    const struct tn_peer *p;

    if (m->self)
        return 0;
    if (flags & TN_TX_FLUSH || m->nodeid == 0)
        return 1;
    p = tn_peers_find(&t->peers, m->nodeid);
    return p == NULL || p->active;
}

/* Where entry e goes: fills dests (up to tx_msgs_cap), returns the count or -errno. */
static int resolve(struct tn *t, const struct tn_tx *e, const struct tn_addr **dests)
{
    const struct tn_peer *p;
    int k = 0;

    if (e->dest == TN_DEST_MCAST) {
        if (t->transport == TN_TRANSPORT_UDP) {
            dests[0] = &t->mcast;
            return 1;
        }
        for (size_t i = 0; i < t->n_members; i++)
            if (member_wanted(t, &t->members[i], e->flags))
                dests[k++] = &t->members[i].addr;
        return k;
    }
    if (e->dest == t->nodeid) {
        t->stats.tx_rejected++;
        return -EINVAL;         /* the driver loops its own packets back in memory */
    }
    p = tn_peers_find(&t->peers, e->dest);
    if (p == NULL || p->addr.len == 0) {
        t->stats.tx_unknown_node++;
        return -EHOSTUNREACH;
    }
    dests[0] = &p->addr;
    return 1;
}

/* Seal or frame entry e into a buffer and queue it to its k destinations. */
static int queue(struct tn *t, struct txq *q, const struct tn_tx *e, int index, const struct tn_addr **dests,
                 int k)
{
    uint8_t *buf = t->tx_buf + (size_t)q->slots * t->tx_slot_size;
    struct iovec *iov = &t->tx_iov[2 * q->slots];
    struct tn_hdr h = {
        .sealed = t->secauth,
        .key_id = t->crypto.tx_key_id,
        .sender = t->nodeid,
        .epoch = t->epoch,
        .counter = t->counter + 1,
    };
    size_t iovlen = 1;

    tn_hdr_encode(buf, &h);
    if (t->secauth) {
        if (tn_crypto_seal(&t->crypto, buf, e->data, e->len, h.counter) != 0) {
            t->stats.tx_rejected++;
            return -EIO;
        }
        iov[0].iov_base = buf;
        iov[0].iov_len = TN_HEADER_SIZE + e->len + TN_TAG_SIZE;
    } else {
        iov[0].iov_base = buf;
        iov[0].iov_len = TN_HEADER_SIZE;
        if (e->len > 0) {
            iov[1].iov_base = (void *)e->data;
            iov[1].iov_len = e->len;
            iovlen = 2;
        }
    }
    t->counter = h.counter;
    q->slots++;
    for (int d = 0; d < k; d++) {
        struct mmsghdr *m = &t->tx_msgs[q->msgs];
        memset(m, 0, sizeof(*m));
        m->msg_hdr.msg_name = (void *)&dests[d]->u;
        m->msg_hdr.msg_namelen = dests[d]->len;
        m->msg_hdr.msg_iov = iov;
        m->msg_hdr.msg_iovlen = iovlen;
        t->tx_entry[q->msgs] = index;
        q->msgs++;
    }
    return 0;
}

int tn_send_batch(struct tn *t, const struct tn_tx *v, int n, int *results)
{
    const struct tn_addr **dests = t->tx_dests;
    struct txq q = {.results = results, .last_failed = -1};
    int rejected = 0;

    if (n <= 0 || v == NULL)
        return 0;
    for (int i = 0; i < n; i++) {
        const struct tn_tx *e = &v[i];
        int k = 0, rc = 0;

        if (t->isolated) {
            rc = -ENETDOWN;
            t->stats.tx_rejected++;
        } else if (e->len > t->max_payload || (e->data == NULL && e->len > 0)) {
            rc = e->data == NULL ? -EINVAL : -EMSGSIZE;
            t->stats.tx_rejected++;
        } else if (t->counter == UINT64_MAX) {
            rc = -EOVERFLOW;    /* 2^64 packets in one epoch: restart with a new epoch */
            t->stats.tx_rejected++;
        } else {
            k = resolve(t, e, dests);
            rc = k < 0 ? k : 0;
        }
        if (rc == 0 && k > 0) {
            if (q.slots == t->tx_slots || q.msgs + k > t->tx_msgs_cap)
                flush(t, &q);
            rc = queue(t, &q, e, i, dests, k);
        }
        if (results)
            results[i] = rc;
        if (rc != 0)
            rejected++;
    }
    flush(t, &q);
    return n - rejected - q.failed;
}

int tn_mcast(struct tn *t, const uint8_t *buf, size_t len, uint32_t flags)
{
    struct tn_tx e = {.data = buf, .len = (uint32_t)len, .dest = TN_DEST_MCAST, .flags = flags};
    int rc = 0;

    if (len > UINT32_MAX)
        return -EMSGSIZE;
    tn_send_batch(t, &e, 1, &rc);
    return rc;
}

int tn_send_unicast(struct tn *t, uint32_t nodeid, const uint8_t *buf, size_t len)
{
    struct tn_tx e = {.data = buf, .len = (uint32_t)len, .dest = nodeid};
    int rc = 0;

    if (len > UINT32_MAX)
        return -EMSGSIZE;
    if (nodeid == TN_DEST_MCAST)
        return -EINVAL;
    tn_send_batch(t, &e, 1, &rc);
    return rc;
}
