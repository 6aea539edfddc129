/*
 * tn_sock.c - open the sockets of one transport (docs/totem.md 5.2, 5.3).
 *
 *   udp:  fd_mcast  bound to mcastaddr:mcastport, SO_REUSEADDR, joined to the
 *                   group on the chosen interface, IP_MULTICAST_ALL off
 *         fd_ucast  bound to local:mcastport, receives tokens (unicast)
 *         fd_send   bound to local:mcastport-1, IP_MULTICAST_IF, TTL, loop
 *   udpu: fd_ucast  bound to local:mcastport, receives everything
 *         fd_send   bound to local:mcastport-1
 *
 * Every packet leaves through fd_send, multicasts and tokens alike, so a token
 * never overtakes the multicasts sent before it on the way out (one socket, one
 * device queue).  Only the group socket gets SO_REUSEADDR: a second process
 * binding our unicast port is a configuration error and must fail loudly.
 * All sockets are nonblocking and close-on-exec; IPv6 sockets are v6-only.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tn_internal.h"

#ifndef IP_MULTICAST_ALL
#define IP_MULTICAST_ALL 49
#endif
#ifndef IPV6_MULTICAST_ALL
#define IPV6_MULTICAST_ALL 29
#endif

/* the send socket receives nothing useful; keep its queue small */
#define SEND_SOCKET_RCVBUF 4096

static int fail(char *err, size_t errlen, const char *what, const struct tn_addr *a)
{
    int e = errno;
    char text[TN_ADDRSTRLEN] = "";

    if (a != NULL)
        tn_addr_format(&a->u, 1, text, sizeof(text));
    snprintf(err, errlen, "%s%s%s: %s", what, a ? " " : "", text, strerror(e));
    return -e;
}

static int set_int(int fd, int level, int opt, int v)
{
    return setsockopt(fd, level, opt, &v, sizeof(v));
}

/* Ask for `bytes` of buffer; as root SO_*BUFFORCE passes rmem_max/wmem_max.
 * Returns what the kernel granted. */
static int set_buf(int fd, int force_opt, int opt, int bytes)
{
    int got = 0;
    socklen_t len = sizeof(got);

    if (set_int(fd, SOL_SOCKET, force_opt, bytes) != 0)
        (void)set_int(fd, SOL_SOCKET, opt, bytes);
    if (getsockopt(fd, SOL_SOCKET, opt, &got, &len) != 0)
        return 0;
    return got;
}

static int new_socket(int family, char *err, size_t errlen)
{
    int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);

    if (fd < 0)
        return fail(err, errlen, "socket", NULL);
    if (family == AF_INET6 && set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1) != 0) {
        int rc = fail(err, errlen, "IPV6_V6ONLY", NULL);
        close(fd);
        return rc;
    }
    return fd;
}

static int bind_to(int fd, const struct tn_addr *a, char *err, size_t errlen)
{
    if (bind(fd, &a->u.sa, a->len) != 0)
        return fail(err, errlen, "bind", a);
    return 0;
}

static int open_send(struct tn *t, const struct tn_addr *local, char *err, size_t errlen)
{
    struct tn_addr a = *local;
    int fd = new_socket(t->family, err, errlen);
    int rc;

    if (fd < 0)
        return fd;
    t->fd_send = fd;
    tn_addr_set_port(&a, t->port - 1);
    rc = bind_to(fd, &a, err, errlen);
    if (rc != 0)
        return rc;
    t->sndbuf = set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, t->sndbuf_req);
    (void)set_int(fd, SOL_SOCKET, SO_RCVBUF, SEND_SOCKET_RCVBUF);
    if (t->transport != TN_TRANSPORT_UDP)
        return 0;
    if (t->family == AF_INET) {
        struct ip_mreqn mr;
        memset(&mr, 0, sizeof(mr));
        mr.imr_address = local->u.sin.sin_addr;
        mr.imr_ifindex = t->iface.ifindex;
        if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) != 0)
            return fail(err, errlen, "IP_MULTICAST_IF", local);
        if (set_int(fd, IPPROTO_IP, IP_MULTICAST_TTL, t->ttl) != 0)
            return fail(err, errlen, "IP_MULTICAST_TTL", NULL);
        if (set_int(fd, IPPROTO_IP, IP_MULTICAST_LOOP, t->loop) != 0)
            return fail(err, errlen, "IP_MULTICAST_LOOP", NULL);
    } else {
        if (set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, t->iface.ifindex) != 0)
            return fail(err, errlen, "IPV6_MULTICAST_IF", local);
        if (set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, t->ttl) != 0)
            return fail(err, errlen, "IPV6_MULTICAST_HOPS", NULL);
        if (set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, t->loop) != 0)
            return fail(err, errlen, "IPV6_MULTICAST_LOOP", NULL);
    }
    return 0;
}

static int open_ucast(struct tn *t, const struct tn_addr *local, char *err, size_t errlen)
{
    struct tn_addr a = *local;
    int fd = new_socket(t->family, err, errlen);
    int rc;

    if (fd < 0)
        return fd;
    t->fd_ucast = fd;
    tn_addr_set_port(&a, t->port);
    rc = bind_to(fd, &a, err, errlen);
    if (rc != 0)
        return rc;
    t->rcvbuf = set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, t->rcvbuf_req);
    return 0;
}

static int open_mcast(struct tn *t, const struct tn_addr *local, char *err, size_t errlen)
{
    struct tn_addr group = t->mcast;
    int fd = new_socket(t->family, err, errlen);
    int got, rc;

    if (fd < 0)
        return fd;
    t->fd_mcast = fd;
    if (set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1) != 0)
        return fail(err, errlen, "SO_REUSEADDR", NULL);
    if (t->family == AF_INET6 && tn_addr_is_linklocal(&group))
        group.u.sin6.sin6_scope_id = (uint32_t)t->iface.ifindex;
    rc = bind_to(fd, &group, err, errlen);
    if (rc != 0)
        return rc;
    got = set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, t->rcvbuf_req);
    if (got < t->rcvbuf || t->rcvbuf == 0)
        t->rcvbuf = got;
    /* a run of multicasts sent with UDP GSO stays one message up to here
     * instead of being cut into datagrams for this socket (tn_recv.c);
     * without kernel support it is cut as before */
    t->gro = t->gro_req && set_int(fd, SOL_UDP, UDP_GRO, 1) == 0;
    if (t->family == AF_INET) {
        struct ip_mreqn mr;
        memset(&mr, 0, sizeof(mr));
        mr.imr_multiaddr = t->mcast.u.sin.sin_addr;
        mr.imr_address = local->u.sin.sin_addr;
        mr.imr_ifindex = t->iface.ifindex;
        if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) != 0)
            return fail(err, errlen, "IP_ADD_MEMBERSHIP", &t->mcast);
        /* only the group joined on this socket, not every group of the host */
        (void)set_int(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0);
    } else {
        struct ipv6_mreq mr;
        memset(&mr, 0, sizeof(mr));
        mr.ipv6mr_multiaddr = t->mcast.u.sin6.sin6_addr;
        mr.ipv6mr_interface = (unsigned)t->iface.ifindex;
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr)) != 0)
            return fail(err, errlen, "IPV6_JOIN_GROUP", &t->mcast);
        (void)set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0);
    }
    return 0;
}

int tn_sock_open(struct tn *t, char *err, size_t errlen)
{
    struct tn_addr local = t->iface.addr;
    int rc;

    if (t->family == AF_INET6 && tn_addr_is_linklocal(&local))
        local.u.sin6.sin6_scope_id = (uint32_t)t->iface.ifindex;
    t->rcvbuf = t->sndbuf = 0;
    rc = open_send(t, &local, err, errlen);
    if (rc == 0)
        rc = open_ucast(t, &local, err, errlen);
    if (rc == 0 && t->transport == TN_TRANSPORT_UDP)
        rc = open_mcast(t, &local, err, errlen);
    if (rc != 0)
        tn_sock_close(t);
    return rc;
}

void tn_sock_close(struct tn *t)
{
    int *fds[] = {&t->fd_mcast, &t->fd_ucast, &t->fd_send};

    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
        if (*fds[i] >= 0)
            close(*fds[i]);
        *fds[i] = -1;
    }
}
