/*
 * tn_internal.h - the transport instance shared by the files of libtotemnet.
 * Not installed; the public interface is totemnet.h.
 */
#ifndef TN_INTERNAL_H
#define TN_INTERNAL_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "tn_addr.h"
#include "tn_crypto.h"
#include "tn_iface.h"
#include "tn_peers.h"
#include "totemnet_c.h"

/* A configured member (udpu fan-out list, or a static address with udp). */
struct tn_memb {
    struct tn_addr addr;        /* port = mcastport */
    uint32_t nodeid;            /* 0: not learned yet */
    int self;                   /* our own entry: never sent to */
};

/* A received message whose datagrams are not all handed out yet: slot bytes
 * [off, len), in datagrams of seg bytes (the last may be shorter). */
struct tn_rxq {
    int slot;
    uint32_t off, len, seg;
    int msg_flags;
    socklen_t namelen;
    int unicast;
};

struct tn {
    /* configuration */
    int transport;
    uint32_t nodeid;
    int family;
    struct tn_addr bindnet;
    struct tn_addr mcast;       /* udp: group, port = mcastport */
    int port;
    int ttl;
    int loop;
    int secauth;
    int allow_unlisted;
    int rcvbuf_req, sndbuf_req;
    uint32_t max_datagram;      /* netmtu - IP/UDP header */
    uint32_t max_payload;       /* max_datagram - header (- tag) */
    uint64_t epoch;
    uint64_t counter;           /* of the last packet sent */

    /* interface and sockets */
    struct tn_iface iface;
    int isolated;
    int fd_mcast;               /* udp: bound to group:port; -1 otherwise */
    int fd_ucast;               /* bound to local:port (tokens; all of udpu) */
    int fd_send;                /* bound to local:port-1; every send leaves here */
    int rcvbuf, sndbuf;         /* granted by the kernel */
    char sock_error[128];       /* why the last tn_sock_open() failed */

    /* who is who */
    struct tn_memb *members;
    size_t n_members;
    struct tn_peers peers;
    struct tn_crypto crypto;
    EVP_CIPHER_CTX *scratch;    /* trial key for an unknown (node, epoch, key id) */

    /* receive buffers: rx_slots messages of rx_slot_size bytes each (one
     * datagram, or with UDP GRO a run of them: tn_recv.c) */
    int gro_req;                /* udp: ask for UDP GRO on the multicast socket */
    int gro;                    /* the multicast socket has it */
    int rx_slots;
    size_t rx_slot_size;
    uint8_t *rx_buf;
    uint8_t *rx_busy;           /* per slot: its data is handed out or queued */
    struct mmsghdr *rx_msgs;
    struct iovec *rx_iov;
    union tn_sockaddr *rx_src;  /* per slot: the sender's address */
    uint8_t *rx_ctl;            /* per message of a recvmmsg: control (GRO size) */
    int *rx_pick;               /* per message of a recvmmsg: its slot */
    struct tn_rxq *rxq;         /* received messages not handed out yet, in order */
    int rxq_head, rxq_n;

    /* transmit buffers: sealed copies and sendmmsg vectors */
    int tx_slots;
    size_t tx_slot_size;
    uint8_t *tx_buf;
    struct iovec *tx_iov;       /* 2 per slot: header/sealed packet, cleartext payload */
    int tx_msgs_cap;
    struct mmsghdr *tx_msgs;
    int *tx_entry;              /* message -> index of its struct tn_tx */
    const struct tn_addr **tx_dests;    /* scratch: destinations of one entry */

    /* the send vector tn_gso_build() makes of tx_msgs (tn_gso.c) */
    int gso;                    /* udp: coalesce multicast runs (UDP_SEGMENT) */
    struct mmsghdr *tx_out;     /* tx_msgs_cap messages */
    int *tx_unit_first;         /* out message -> its first datagram in tx_msgs */
    int *tx_unit_count;         /* and how many datagrams it carries */
    struct iovec *gso_iov;      /* the coalesced messages' iovecs (2 per slot) */
    uint8_t *gso_ctl;           /* TN_GSO_CTL_SIZE bytes of control per out message */

    struct tn_stats stats;
    union tn_sockaddr last_drop_src;
};

/* UDP segmentation offloads (linux/udp.h; older libc headers lack them) */
#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103         /* send: cut this message into datagrams, kernel 4.18 */
#endif
#ifndef UDP_GRO
#define UDP_GRO 104             /* receive: runs of datagrams as one message, kernel 5.0 */
#endif

/* tn_recv.c: a receive buffer; UDP GRO may join datagrams up to 64 KiB */
#define TN_GRO_SLOT_SIZE 65536
#define TN_GRO_CTL_SIZE 32      /* >= CMSG_SPACE(sizeof(int)), aligned */

/* tn_sock.c */
int tn_sock_open(struct tn *t, char *err, size_t errlen);
void tn_sock_close(struct tn *t);

/* tn_stats.c */
void tn_stats_drop(struct tn *t, int reason, const union tn_sockaddr *src);

/* tn_recv.c / tn_send.c (the frees: once, by tn_destroy, which frees t next) */
int tn_rx_init(struct tn *t);
void tn_rx_free(struct tn *t);
int tn_tx_init(struct tn *t);
void tn_tx_free(struct tn *t);

/* tn_gso.c: the send vector for tx_msgs[0..n); returns its length */
#define TN_GSO_CTL_SIZE 32      /* >= CMSG_SPACE(sizeof(uint16_t)), aligned */
int tn_gso_build(struct tn *t, int n);

/* IP + UDP header bytes for a family (docs/totem.md 4.1). */
uint32_t tn_udpip_header(int family);

#endif
