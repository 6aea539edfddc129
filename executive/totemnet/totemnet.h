/*
 * totemnet.h - public interface of libtotemnet, the UDP transport under the
 * totem core (docs/totem.md sections 5 and 6; executive/totemnet/README.md).
 *
 * This file is read verbatim by cffi's cdef():
 *     ffi.cdef(open("totemnet.h").read()); lib = ffi.dlopen("libtotemnet.so")
 * so it holds no #include, no #if, no include guard and no macro other than
 * plain integer #defines.  C programs include totemnet_c.h instead.
 *
 * Conventions: functions that can fail return 0 (or a count) on success and a
 * negative errno value on failure.  Node ids are 32-bit, never 0.  Nothing here
 * blocks: every socket is nonblocking and the caller polls tn_fds().  Not
 * thread-safe: one event loop owns one struct tn.
 */

/* transports (struct tn_config.transport) */
#define TN_TRANSPORT_UDP 0
#define TN_TRANSPORT_UDPU 1

/* outer header on the wire (README.md "Wire layout"): big-endian
 *   magic u16 | version u8 | flags u8 | sender u32 | epoch u64 | counter u64
 * flags: bit 0 SEALED (AES-256-GCM, 16-byte tag after the ciphertext),
 * bits 1-3 zero, bits 4-7 key id. */
#define TN_MAGIC 0x544E
#define TN_VERSION 1
#define TN_HEADER_SIZE 24
#define TN_TAG_SIZE 16
#define TN_FLAG_SEALED 1
#define TN_KEY_ID_MAX 15

/* limits and defaults (0 in a config field selects the default) */
#define TN_NETMTU_MIN 576
#define TN_NETMTU_MAX 65535
#define TN_NETMTU_DEFAULT 1500
#define TN_TTL_DEFAULT 1
#define TN_RX_BATCH_DEFAULT 64
#define TN_RX_BATCH_MAX 1024
#define TN_MAX_NODES_DEFAULT 384
#define TN_MAX_NODES_MAX 65536
#define TN_SOCKBUF_DEFAULT 8388608
#define TN_AUTHKEY_MIN 32
#define TN_AUTHKEY_MAX 4096
#define TN_REPLAY_WINDOW 1024
#define TN_ADDRSTRLEN 64
#define TN_IFNAMSIZ 16

/* struct tn_tx.dest: a node id, or this for "every node" */
#define TN_DEST_MCAST 0
/* struct tn_tx.flags: with udpu, also send to members marked inactive */
#define TN_TX_FLUSH 1
/* struct tn_rx.flags: arrived on the unicast (token) socket */
#define TN_RX_UNICAST 1

/* tn_iface_check() results */
#define TN_IFACE_UNCHANGED 0
#define TN_IFACE_CHANGED 1

/* reasons a received datagram was dropped (struct tn_stats.last_drop_reason) */
#define TN_DROP_NONE 0
#define TN_DROP_MALFORMED 1
#define TN_DROP_TRUNCATED 2
#define TN_DROP_SECAUTH_MISMATCH 3
#define TN_DROP_AUTH 4
#define TN_DROP_REPLAY 5
#define TN_DROP_STALE_EPOCH 6
#define TN_DROP_OWN 7
#define TN_DROP_UNLISTED 8
#define TN_DROP_PEERS_FULL 9
#define TN_DROP_UNKNOWN_KEY 10

/* One configured member.  transport udpu: the hosts every multicast is sent
 * to (nodeid 0 = learn it from the first authenticated packet from addr);
 * transport udp: optional static node id -> address entries (nodeid needed). */
struct tn_member {
    uint32_t nodeid;
    char addr[64];              /* numeric IPv4 or IPv6 address */
};

struct tn_config {
    int transport;              /* TN_TRANSPORT_UDP or TN_TRANSPORT_UDPU */
    uint32_t nodeid;            /* 0: IPv4 address of the bound interface, host order */
    const char *bindnetaddr;    /* network or host address selecting the interface */
    const char *mcastaddr;      /* udp: the group; udpu: ignored (may be NULL) */
    int mcastport;              /* receive port; sends leave from mcastport - 1 */
    int ttl;                    /* multicast TTL / hop limit; 0: 1 */
    int multicast_loop;         /* 0 (default): the driver loops own multicasts back */
    int netmtu;                 /* IP packet size; 0: 1500 */
    int secauth;                /* 1: seal every packet; 0: cleartext, no replay checks */
    const char *keyfile;        /* authkey file (mode 0400/0600), used when key is NULL */
    const uint8_t *key;         /* or the key bytes themselves */
    size_t key_len;
    int key_id;                 /* 0..15, the id of that key */
    const char *cluster_name;   /* HKDF salt suffix; NULL: "" */
    uint64_t epoch;             /* per-boot value that never repeats; 0: CLOCK_REALTIME ns */
    int rx_batch;               /* receive buffers = most entries per tn_recv; 0: 64 */
    int max_nodes;              /* peer table size; 0: 384 */
    int rcvbuf;                 /* requested SO_RCVBUF bytes; 0: 8 MiB */
    int sndbuf;                 /* requested SO_SNDBUF bytes; 0: 8 MiB */
    int allow_unlisted;         /* udpu: 0 (default) drops packets from non-members */
    int no_gso;                 /* udp: 1 sends every datagram on its own (no UDP GSO) */
    int no_gro;                 /* udp: 1 takes every datagram on its own (no UDP GRO) */
    const struct tn_member *members;
    size_t n_members;
};

/* One received packet: the authenticated, decrypted payload (outer header and
 * tag removed).  data points into the transport's receive buffers and stays
 * valid until the next tn_recv(), tn_iface_check() or tn_destroy(). */
struct tn_rx {
    const uint8_t *data;
    uint32_t len;
    uint32_t nodeid;            /* sender, authenticated when secauth is on */
    uint32_t flags;             /* TN_RX_UNICAST */
    uint32_t reserved;
};

/* One packet to send: dest = TN_DEST_MCAST or a node id. */
struct tn_tx {
    const uint8_t *data;
    uint32_t len;
    uint32_t dest;
    uint32_t flags;             /* TN_TX_FLUSH */
    uint32_t reserved;
};

struct tn_stats {
    uint64_t rx_datagrams;      /* read from the sockets, good or bad */
    uint64_t rx_gro;            /* messages that brought a run of datagrams (UDP GRO) */
    uint64_t rx_packets;        /* handed to the caller */
    uint64_t rx_bytes;          /* wire bytes (UDP payload) of those */
    uint64_t rx_errors;         /* recvmmsg failures other than EAGAIN */
    uint64_t tx_packets;        /* datagrams the kernel accepted (udpu: per member) */
    uint64_t tx_bytes;          /* wire bytes of those */
    uint64_t tx_errors;         /* datagrams the kernel refused (EAGAIN, ENOBUFS, ...) */
    uint64_t tx_unknown_node;   /* unicast to a node id without a known address */
    uint64_t tx_rejected;       /* too large, to self, isolated, counter exhausted */
    uint64_t tx_gso;            /* messages that carried a run of multicasts (UDP GSO) */
    uint64_t malformed;         /* short, wrong magic/version/flags, sender 0, counter 0 */
    uint64_t truncated;         /* larger than netmtu allows */
    uint64_t secauth_mismatch;  /* SEALED flag differs from our secauth setting */
    uint64_t auth_failures;     /* tag did not verify (wrong key, flipped bits, forgery) */
    uint64_t unknown_key;       /* key id we do not hold */
    uint64_t replays;           /* counter already seen or left of the window */
    uint64_t stale_epoch;       /* epoch older than the newest seen from that node */
    uint64_t own_packets;       /* our own node id as sender (loopback, or a duplicate id) */
    uint64_t unlisted;          /* udpu: source not a member, or node id/address mismatch */
    uint64_t peers_full;        /* new sender while the peer table is full */
    uint64_t addr_changes;      /* a node id's learned address changed */
    int32_t last_tx_errno;      /* positive errno of the last kernel send failure */
    int32_t gso_off_errno;      /* why UDP GSO was turned off (0: it was not) */
    int32_t last_drop_reason;   /* TN_DROP_* of the last dropped datagram */
    char last_drop_source[64];  /* its source address, "addr port" */
};

struct tn_info {
    uint32_t nodeid;
    int transport;
    int family;                 /* AF_INET (2) or AF_INET6 (10) */
    int isolated;               /* 1: no interface matches bindnetaddr, no sockets open */
    int ifindex;
    char ifname[16];
    char local_addr[64];
    char mcast_addr[64];
    int port;                   /* mcastport */
    int secauth;
    int tx_key_id;
    uint64_t epoch;
    uint64_t tx_counter;        /* counter of the last packet sent */
    int rcvbuf;                 /* what the kernel granted (getsockopt) */
    int sndbuf;
    uint32_t max_datagram;      /* largest UDP payload sent or accepted */
    uint32_t max_payload;       /* largest tn_tx.len: tn_max_payload(netmtu, family, secauth) */
    int gro;                    /* udp: the multicast socket takes runs as one message (UDP GRO) */
    char error[128];            /* why the last socket setup failed, "" if it did not */
};

struct tn;

/* Create a transport; on failure *out is NULL and err holds a message. */
int tn_create(const struct tn_config *cfg, struct tn **out, char *err, size_t errlen);
void tn_destroy(struct tn *t);

/* Descriptors to poll for reading (udp: multicast then unicast; udpu: one).
 * Returns how many were written (0 while isolated). */
int tn_fds(const struct tn *t, int *fds, int max);

/* Drain up to max packets (at most rx_batch), multicast socket first.  Returns
 * the number of entries filled; bad datagrams are dropped and counted.  With
 * UDP GRO one message from a socket may bring more datagrams than max: the
 * rest wait in the transport, where polling tn_fds() does not see them, and
 * the next call hands out only those. */
int tn_recv(struct tn *t, struct tn_rx *out, int max);

/* 1 if received datagrams wait in the transport: call tn_recv() again before
 * polling tn_fds() (0 while isolated, when tn_recv hands out nothing). */
int tn_rx_pending(const struct tn *t);

/* Send n packets in order.  results (may be NULL) gets 0 or -errno per entry.
 * Returns the number of entries sent without error. */
int tn_send_batch(struct tn *t, const struct tn_tx *v, int n, int *results);
int tn_mcast(struct tn *t, const uint8_t *buf, size_t len, uint32_t flags);
int tn_send_unicast(struct tn *t, uint32_t nodeid, const uint8_t *buf, size_t len);

/* udpu: members marked inactive get only TN_TX_FLUSH multicasts. */
int tn_member_set_active(struct tn *t, uint32_t nodeid, int active);

/* The address unicasts to nodeid go to ("addr"), or -EHOSTUNREACH. */
int tn_peer_addr(const struct tn *t, uint32_t nodeid, char *buf, size_t len);

/* Key rotation: hold up to two keys; send with key_id after tn_key_use(). */
int tn_key_add(struct tn *t, int key_id, const uint8_t *key, size_t len);
int tn_key_use(struct tn *t, int key_id);
int tn_key_remove(struct tn *t, int key_id);

/* Re-check the interface (call every `downcheck` ms, in the transport's
 * network namespace).  TN_IFACE_CHANGED: sockets were closed or rebuilt, poll
 * tn_fds() again and read tn_info().isolated. */
int tn_iface_check(struct tn *t);

void tn_get_stats(const struct tn *t, struct tn_stats *out);
void tn_get_info(const struct tn *t, struct tn_info *out);

/* Largest payload per packet: netmtu - IP/UDP header (28 or 48) - 24
 * (- 16 with secauth).  family: AF_INET or AF_INET6.  -EINVAL if out of range. */
int tn_max_payload(int netmtu, int family, int secauth);
