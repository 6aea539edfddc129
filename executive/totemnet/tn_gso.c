/*
 * tn_gso.c - UDP generic segmentation offload for multicasts (transport udp).
 *
 * A token visit multicasts a run of frames, most of them full: through a
 * bridge every datagram costs the sending host a trip through the stack per
 * receiver.  With UDP_SEGMENT the kernel takes such a run as one message and
 * cuts it into the same datagrams at gso_size boundaries (in software or in
 * the NIC, late on the path, or not at all when it reaches a socket that
 * takes GRO), so the receivers get exactly the datagrams they would have got.
 *
 * tn_gso_build() turns the queued datagrams into the send vector: a run of
 * consecutive multicast datagrams of one size (the last may be shorter), at
 * most TN_GSO_MAX_SEGS of them and TN_GSO_MAX_BYTES in all, becomes one
 * message whose iovecs are the datagrams' iovecs in order, with a UDP_SEGMENT
 * control message; everything else stays one message per datagram.  If the
 * kernel refuses a coalesced message as unsupported (EIO: no checksum
 * offload on the device; EINVAL or EMSGSIZE: a segment beyond the path MTU,
 * which IP would have fragmented; ENOPROTOOPT, EOPNOTSUPP: no UDP GSO)
 * tn_send.c turns GSO off for this transport and sends those datagrams one by
 * one.
 */
#include <netinet/in.h>
#include <string.h>

#include "tn_internal.h"

#define TN_GSO_MAX_SEGS 64      /* UDP_MAX_SEGMENTS of the oldest kernels with GSO */
#define TN_GSO_MAX_BYTES 65507  /* the largest UDP payload over IPv4 */

static size_t dgram_len(const struct mmsghdr *m)
{
    size_t len = 0;
    for (size_t i = 0; i < m->msg_hdr.msg_iovlen; i++)
        len += m->msg_hdr.msg_iov[i].iov_len;
    return len;
}

int tn_gso_build(struct tn *t, int n)
{
    int out = 0, iov_used = 0;

    for (int i = 0; i < n;) {
        const struct mmsghdr *first = &t->tx_msgs[i];
        struct mmsghdr *o = &t->tx_out[out];
        size_t seg = dgram_len(first), total = seg;
        int j = i + 1;

        if (t->gso && first->msg_hdr.msg_name == (void *)&t->mcast.u) {
            while (j < n && j - i < TN_GSO_MAX_SEGS && t->tx_msgs[j].msg_hdr.msg_name == first->msg_hdr.msg_name) {
                size_t len = dgram_len(&t->tx_msgs[j]);
                if (len > seg || total + len > TN_GSO_MAX_BYTES || len == 0)
                    break;
                total += len;
                j++;
                if (len < seg)
                    break;      /* only the last segment may be shorter */
            }
        }
        t->tx_unit_first[out] = i;
        t->tx_unit_count[out] = j - i;
        if (j - i == 1) {
            *o = *first;
        } else {
            struct iovec *iov = &t->gso_iov[iov_used];
            size_t k = 0;
            uint8_t *ctl = t->gso_ctl + (size_t)out * TN_GSO_CTL_SIZE;
            struct cmsghdr *c = (struct cmsghdr *)(void *)ctl;
            uint16_t gso_size = (uint16_t)seg;

            for (int d = i; d < j; d++)
                for (size_t v = 0; v < t->tx_msgs[d].msg_hdr.msg_iovlen; v++)
                    iov[k++] = t->tx_msgs[d].msg_hdr.msg_iov[v];
            iov_used += (int)k;
            memset(o, 0, sizeof(*o));
            o->msg_hdr.msg_name = first->msg_hdr.msg_name;
            o->msg_hdr.msg_namelen = first->msg_hdr.msg_namelen;
            o->msg_hdr.msg_iov = iov;
            o->msg_hdr.msg_iovlen = k;
            memset(ctl, 0, TN_GSO_CTL_SIZE);
            o->msg_hdr.msg_control = ctl;
            o->msg_hdr.msg_controllen = CMSG_SPACE(sizeof(uint16_t));
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            memcpy(CMSG_DATA(c), &gso_size, sizeof(gso_size));
        }
        out++;
        i = j;
    }
    return out;
}
