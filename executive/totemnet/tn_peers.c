/* tn_peers.c - the node id table (see tn_peers.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tn_peers.h"

static uint32_t hash(uint32_t nodeid)
{
    /* Fibonacci hashing; ids are often consecutive or IPv4 addresses */
    return nodeid * 2654435761u;
}

int tn_peers_init(struct tn_peers *p, uint32_t max)
{
    uint32_t cap = 4;

    memset(p, 0, sizeof(*p));
    while (cap < 2 * max)
        cap <<= 1;
    p->slots = calloc(cap, sizeof(*p->slots));
    if (p->slots == NULL)
        return -ENOMEM;
    p->mask = cap - 1;
    p->max = max;
    return 0;
}

void tn_peers_free(struct tn_peers *p)
{
    if (p->slots != NULL)
        for (uint32_t i = 0; i <= p->mask; i++)
            EVP_CIPHER_CTX_free(p->slots[i].ctx);
    free(p->slots);
    memset(p, 0, sizeof(*p));
}

static struct tn_peer *probe(const struct tn_peers *p, uint32_t nodeid)
{
    uint32_t i = hash(nodeid) & p->mask;

    /* terminates: at most max <= capacity / 2 slots are used */
    while (p->slots[i].nodeid != 0 && p->slots[i].nodeid != nodeid)
        i = (i + 1) & p->mask;
    return &p->slots[i];
}

struct tn_peer *tn_peers_find(const struct tn_peers *p, uint32_t nodeid)
{
    struct tn_peer *e;

    if (nodeid == 0)
        return NULL;
    e = probe(p, nodeid);
    return e->nodeid == nodeid ? e : NULL;
}

struct tn_peer *tn_peers_get(struct tn_peers *p, uint32_t nodeid)
{
    struct tn_peer *e;

    if (nodeid == 0)
        return NULL;
    e = probe(p, nodeid);
    if (e->nodeid == nodeid)
        return e;
    if (p->count >= p->max)
        return NULL;
    memset(e, 0, sizeof(*e));
    e->nodeid = nodeid;
    e->active = 1;
    p->count++;
    return e;
}
