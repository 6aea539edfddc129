/*
 * tn_addr.h - IPv4/IPv6 socket addresses: parse, compare, format.
 */
#ifndef TN_ADDR_H
#define TN_ADDR_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

union tn_sockaddr {
    struct sockaddr sa;
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
};

struct tn_addr {
    union tn_sockaddr u;
    socklen_t len;              /* 0: no address */
};

/* Numeric address only (no name lookup); -EINVAL otherwise. */
int tn_addr_parse(const char *text, int port, struct tn_addr *out);
int tn_addr_family(const struct tn_addr *a);
void tn_addr_set_port(struct tn_addr *a, int port);
int tn_addr_port(const struct tn_addr *a);
/* Same IP address (ports and, for IPv6, scope ignored). */
int tn_addr_same_ip(const struct tn_addr *a, const union tn_sockaddr *b, socklen_t blen);
int tn_addr_is_multicast(const struct tn_addr *a);
int tn_addr_is_linklocal(const struct tn_addr *a);
/* Copy the IP of a received source address; port and scope come from the caller. */
void tn_addr_from_sockaddr(struct tn_addr *out, const union tn_sockaddr *src, socklen_t len);
/* "192.0.2.1" / "2001:db8::1"; with_port appends " port". */
void tn_addr_format(const union tn_sockaddr *a, int with_port, char *buf, size_t len);

#endif
