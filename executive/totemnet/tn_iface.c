/* tn_iface.c - bindnetaddr -> interface (see tn_iface.h). */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>

#include "tn_iface.h"

/* The address bytes of a sockaddr of the given family, or NULL. */
static const uint8_t *ip_bytes(const struct sockaddr *sa, int family, size_t *n)
{
    if (sa == NULL || sa->sa_family != family)
        return NULL;
    if (family == AF_INET) {
        *n = 4;
        return (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    }
    *n = 16;
    return (const uint8_t *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
}

static void fill(struct tn_iface *out, const struct ifaddrs *ifa, int family)
{
    memset(out, 0, sizeof(*out));
    strncpy(out->name, ifa->ifa_name, sizeof(out->name) - 1);
    out->ifindex = (int)if_nametoindex(ifa->ifa_name);
    if (family == AF_INET) {
        memcpy(&out->addr.u.sin, ifa->ifa_addr, sizeof(struct sockaddr_in));
        out->addr.u.sin.sin_port = 0;
        out->addr.len = sizeof(struct sockaddr_in);
    } else {
        memcpy(&out->addr.u.sin6, ifa->ifa_addr, sizeof(struct sockaddr_in6));
        out->addr.u.sin6.sin6_port = 0;
        out->addr.len = sizeof(struct sockaddr_in6);
    }
}

int tn_iface_find(const struct tn_addr *bindnet, struct tn_iface *out)
{
    struct ifaddrs *list;
    const struct ifaddrs *masked = NULL;
    const struct ifaddrs *exact = NULL;
    int family = tn_addr_family(bindnet);
    size_t n, mn;
    const uint8_t *want;

    want = ip_bytes(&bindnet->u.sa, family, &n);
    if (want == NULL)
        return -EINVAL;
    if (getifaddrs(&list) != 0)
        return -errno;
    for (const struct ifaddrs *i = list; i != NULL && exact == NULL; i = i->ifa_next) {
        const uint8_t *have = ip_bytes(i->ifa_addr, family, &n);
        const uint8_t *mask = ip_bytes(i->ifa_netmask, family, &mn);
        int same_net = 1;

        if (have == NULL || !(i->ifa_flags & IFF_UP))
            continue;
        if (memcmp(have, want, n) == 0) {
            exact = i;
            break;
        }
        if (mask == NULL)
            continue;
        for (size_t k = 0; k < n; k++)
            if ((have[k] & mask[k]) != (want[k] & mask[k]))
                same_net = 0;
        if (same_net && masked == NULL)
            masked = i;
    }
    if (exact != NULL || masked != NULL)
        fill(out, exact != NULL ? exact : masked, family);
    freeifaddrs(list);
    return exact != NULL || masked != NULL ? 0 : -ENODEV;
}
