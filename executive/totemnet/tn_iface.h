/*
 * tn_iface.h - pick the local interface for bindnetaddr (docs/totem.md 5.5):
 * the up interface whose address masked by its netmask equals bindnetaddr
 * masked the same way; an interface holding exactly bindnetaddr wins.  Same
 * rule for IPv4 and IPv6 (as executive/aisexec/netif.py).
 */
#ifndef TN_IFACE_H
#define TN_IFACE_H

#include "tn_addr.h"
#include "totemnet_c.h"

struct tn_iface {
    char name[TN_IFNAMSIZ];
    int ifindex;
    struct tn_addr addr;        /* the interface's address, port 0 */
};

/* 0 and *out filled; -ENODEV if no up interface matches; -errno if the
 * interface list could not be read.  Runs in the caller's network namespace. */
int tn_iface_find(const struct tn_addr *bindnet, struct tn_iface *out);

#endif
