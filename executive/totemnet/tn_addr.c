/* tn_addr.c - socket address helpers (see tn_addr.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tn_addr.h"

int tn_addr_parse(const char *text, int port, struct tn_addr *out)
{
    memset(out, 0, sizeof(*out));
    if (text == NULL)
        return -EINVAL;
    if (inet_pton(AF_INET, text, &out->u.sin.sin_addr) == 1) {
        out->u.sin.sin_family = AF_INET;
        out->len = sizeof(struct sockaddr_in);
    } else if (inet_pton(AF_INET6, text, &out->u.sin6.sin6_addr) == 1) {
        out->u.sin6.sin6_family = AF_INET6;
        out->len = sizeof(struct sockaddr_in6);
    } else {
        return -EINVAL;
    }
    tn_addr_set_port(out, port);
    return 0;
}

int tn_addr_family(const struct tn_addr *a)
{
    return a->len ? a->u.sa.sa_family : AF_UNSPEC;
}

void tn_addr_set_port(struct tn_addr *a, int port)
{
    if (a->u.sa.sa_family == AF_INET)
        a->u.sin.sin_port = htons((uint16_t)port);
    else if (a->u.sa.sa_family == AF_INET6)
        a->u.sin6.sin6_port = htons((uint16_t)port);
}

int tn_addr_port(const struct tn_addr *a)
{
    if (a->u.sa.sa_family == AF_INET)
        return ntohs(a->u.sin.sin_port);
    if (a->u.sa.sa_family == AF_INET6)
        return ntohs(a->u.sin6.sin6_port);
    return 0;
}

int tn_addr_same_ip(const struct tn_addr *a, const union tn_sockaddr *b, socklen_t blen)
{
    if (a->len == 0 || a->u.sa.sa_family != b->sa.sa_family)
        return 0;
    if (b->sa.sa_family == AF_INET)
        return blen >= sizeof(struct sockaddr_in) &&
               a->u.sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
    if (b->sa.sa_family == AF_INET6)
        return blen >= sizeof(struct sockaddr_in6) &&
               memcmp(&a->u.sin6.sin6_addr, &b->sin6.sin6_addr, sizeof(struct in6_addr)) == 0;
    return 0;
}

int tn_addr_is_multicast(const struct tn_addr *a)
{
    if (a->u.sa.sa_family == AF_INET)
        return IN_MULTICAST(ntohl(a->u.sin.sin_addr.s_addr));
    if (a->u.sa.sa_family == AF_INET6)
        return IN6_IS_ADDR_MULTICAST(&a->u.sin6.sin6_addr);
    return 0;
}

int tn_addr_is_linklocal(const struct tn_addr *a)
{
    if (a->u.sa.sa_family != AF_INET6)
        return 0;
    return IN6_IS_ADDR_LINKLOCAL(&a->u.sin6.sin6_addr) || IN6_IS_ADDR_MC_LINKLOCAL(&a->u.sin6.sin6_addr);
}

void tn_addr_from_sockaddr(struct tn_addr *out, const union tn_sockaddr *src, socklen_t len)
{
    memset(out, 0, sizeof(*out));
    if (src->sa.sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        out->u.sin.sin_family = AF_INET;
        out->u.sin.sin_addr = src->sin.sin_addr;
        out->len = sizeof(struct sockaddr_in);
    } else if (src->sa.sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        out->u.sin6.sin6_family = AF_INET6;
        out->u.sin6.sin6_addr = src->sin6.sin6_addr;
        out->u.sin6.sin6_scope_id = src->sin6.sin6_scope_id;
        out->len = sizeof(struct sockaddr_in6);
    }
}

void tn_addr_format(const union tn_sockaddr *a, int with_port, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;

    if (len == 0)
        return;
    if (a->sa.sa_family == AF_INET) {
        inet_ntop(AF_INET, &a->sin.sin_addr, ip, sizeof(ip));
        port = ntohs(a->sin.sin_port);
    } else if (a->sa.sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &a->sin6.sin6_addr, ip, sizeof(ip));
        port = ntohs(a->sin6.sin6_port);
    }
    if (with_port)
        snprintf(buf, len, "%s %d", ip, port);
    else
        snprintf(buf, len, "%s", ip);
}
