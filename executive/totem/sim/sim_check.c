/*
 * sim_check.c - the EVS invariants of totem.md §8.5, checked on every
 * action the cores emit and at the end of every schedule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

struct okey {
	uint64_t ring_seq;
	uint64_t seq;
	uint32_t rep;
	uint32_t idx;
};

struct oent {
	struct okey k;
	uint64_t v1, v2;
	int used;
};

struct ringent {
	struct tc_ring_id ring;
	uint32_t n;
	uint32_t m[SIM_MAX];
	int has_members;
	uint64_t last_ts;
	uint32_t last_node;
};

struct faent {
	struct tc_ring_id r1, r2;
	uint64_t hash, count;
};

struct chk {
	struct oent *tab;
	size_t tab_cap, tab_n;
	struct ringent *rings;
	size_t n_rings, cap_rings;
	struct faent *fa;
	size_t n_fa, cap_fa;
	uint32_t exempt_reps;      /* bitmask of nodes that restarted without ring id file */
};

static uint64_t h64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

uint64_t chk_msg_hash(const uint8_t *p, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h ^ len;
}

void chk_fill_msg(uint8_t *p, size_t len, int sender, uint32_t counter)
{
	size_t k = len < 4 ? len : 4;
	for (size_t i = 0; i < k; i++)
		p[i] = (uint8_t)(counter >> (8 * i));
	for (size_t i = k; i < len; i++)
		p[i] = (uint8_t)(sender * 37 + counter * 11 + i);
}

void chk_init(struct sim *s)
{
	struct chk *c = calloc(1, sizeof(*c));
	if (c == NULL)
		abort();
	c->tab_cap = 1u << 14;
	c->tab = calloc(c->tab_cap, sizeof(*c->tab));
	if (c->tab == NULL)
		abort();
	s->chk = c;
}

void chk_free(struct sim *s)
{
	struct chk *c = s->chk;
	if (c == NULL)
		return;
	free(c->tab);
	free(c->rings);
	free(c->fa);
	free(c);
	s->chk = NULL;
}

static int ring_eq(const struct tc_ring_id *a, const struct tc_ring_id *b)
{
	return a->rep == b->rep && a->seq == b->seq;
}

static int exempt(const struct sim *s, const struct tc_ring_id *r)
{
	const struct chk *c = s->chk;
	int i = sim_index_of(s, r->rep);
	return i >= 0 && (c->exempt_reps >> i) & 1;
}

void chk_node_reset(struct sim *s, int i)
{
	struct sim_node *nd = &s->nodes[i];
	struct chk *c = s->chk;
	if (nd->last_installed_seq == 0 && nd->inc > 2)
		c->exempt_reps |= 1u << i;   /* restarted without its ring id file */
	memset(&nd->chk, 0, sizeof(nd->chk));
	for (int k = 0; k < SIM_MAX; k++)
		nd->chk.last_counter[k] = -1;
}

/* ---- (ring, seq, idx) -> value, consistent over all nodes ---------------- */

static uint64_t okey_hash(const struct okey *k)
{
	return h64(k->ring_seq * 31 + k->rep) ^ h64(k->seq * 131 + k->idx);
}

static void tab_grow(struct chk *c)
{
	struct oent *old = c->tab;
	size_t oc = c->tab_cap;
	c->tab_cap *= 2;
	c->tab = calloc(c->tab_cap, sizeof(*c->tab));
	if (c->tab == NULL)
		abort();
	for (size_t i = 0; i < oc; i++) {
		if (!old[i].used)
			continue;
		size_t j = okey_hash(&old[i].k) & (c->tab_cap - 1);
		while (c->tab[j].used)
			j = (j + 1) & (c->tab_cap - 1);
		c->tab[j] = old[i];
	}
	free(old);
}

/* 1: new or equal; 0: conflict (old values returned) */
static int tab_check(struct chk *c, const struct okey *k, uint64_t v1, uint64_t v2,
                     uint64_t *o1, uint64_t *o2)
{
	if (2 * (c->tab_n + 1) > c->tab_cap)
		tab_grow(c);
	size_t j = okey_hash(k) & (c->tab_cap - 1);
	while (c->tab[j].used) {
		struct okey *e = &c->tab[j].k;
		if (e->ring_seq == k->ring_seq && e->rep == k->rep && e->seq == k->seq && e->idx == k->idx) {
			*o1 = c->tab[j].v1;
			*o2 = c->tab[j].v2;
			return c->tab[j].v1 == v1 && c->tab[j].v2 == v2;
		}
		j = (j + 1) & (c->tab_cap - 1);
	}
	c->tab[j].used = 1;
	c->tab[j].k = *k;
	c->tab[j].v1 = v1;
	c->tab[j].v2 = v2;
	c->tab_n++;
	return 1;
}

static struct ringent *ring_get(struct chk *c, const struct tc_ring_id *r)
{
	for (size_t i = 0; i < c->n_rings; i++)
		if (ring_eq(&c->rings[i].ring, r))
			return &c->rings[i];
	if (c->n_rings == c->cap_rings) {
		c->cap_rings = c->cap_rings ? 2 * c->cap_rings : 64;
		c->rings = realloc(c->rings, c->cap_rings * sizeof(*c->rings));
		if (c->rings == NULL)
			abort();
	}
	struct ringent *e = &c->rings[c->n_rings++];
	memset(e, 0, sizeof(*e));
	e->ring = *r;
	return e;
}

static int has_id(const uint32_t *v, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == id)
			return 1;
	return 0;
}

static int same_set(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (!has_id(b, nb, a[i]))
			return 0;
	return 1;
}

/* ---- actions --------------------------------------------------------------- */

static const struct sub *find_sub(const struct sublist *l, int64_t after, uint32_t low,
                                  uint32_t mask, uint32_t len)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {          /* first entry with counter > after */
		size_t mid = (lo + hi) / 2;
		if ((int64_t)l->v[mid].counter <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < l->n && i < lo + 100000; i++)
		if ((l->v[i].counter & mask) == low && l->v[i].len == len)
			return &l->v[i];
	return NULL;
}

static void on_deliver(struct sim *s, int i, const struct tc_action *a)
{
	struct sim_node *nd = &s->nodes[i];
	struct chk_node *ck = &nd->chk;
	struct chk *c = s->chk;
	int regular = a->kind == 1;
	int snd = (int)a->channel - 1;
	uint32_t low = 0, mask;
	size_t k = a->len < 4 ? a->len : 4;

	s->delivered++;
	if (!ck->have_reg) {
		sim_fail(s, "node %u delivered before its first regular configuration", nd->id);
		return;
	}
	if (regular == ck->in_trans) {
		sim_fail(s, "node %u: delivery flagged %s during %s configuration", nd->id,
		         regular ? "regular" : "transitional", ck->in_trans ? "transitional" : "regular");
		return;
	}
	if (!ring_eq(&a->ring, &ck->reg)) {
		sim_fail(s, "node %u: message of ring (%u,%llu) delivered in configuration of ring (%u,%llu)",
		         nd->id, a->ring.rep, (unsigned long long)a->ring.seq, ck->reg.rep,
		         (unsigned long long)ck->reg.seq);
		return;
	}
	if (snd < 0 || snd >= s->n || s->nodes[snd].id != a->node) {
		sim_fail(s, "node %u: delivery with channel %u from origin %u", nd->id, a->channel, a->node);
		return;
	}
	for (size_t b = 0; b < k; b++)
		low |= (uint32_t)a->data[b] << (8 * b);
	mask = k == 4 ? 0xffffffffu : ((1u << (8 * k)) - 1);
	const struct sub *sb = find_sub(&s->nodes[snd].subs, ck->last_counter[snd], low, mask,
	                                (uint32_t)a->len);
	if (sb == NULL) {
		sim_fail(s, "node %u: message from %u (len %zu, counter bits %u) was never submitted, "
		         "is a duplicate or breaks FIFO (last delivered counter %lld)", nd->id, a->node,
		         a->len, low, (long long)ck->last_counter[snd]);
		return;
	}
	if (sb->hash != chk_msg_hash(a->data, a->len)) {
		sim_fail(s, "node %u: content of message %u:%u corrupted", nd->id, a->node, sb->counter);
		return;
	}
	ck->last_counter[snd] = sb->counter;

	if (!exempt(s, &a->ring)) {
		struct okey key = { a->ring.seq, a->seq, a->ring.rep, (uint32_t)a->arg };
		uint64_t o1, o2;
		if (!tab_check(c, &key, (uint64_t)a->node << 32 | sb->counter, sb->hash, &o1, &o2)) {
			sim_fail(s, "agreed order: ring (%u,%llu) seq %llu idx %llu is %u:%u at node %u "
			         "but %llu:%llu elsewhere", a->ring.rep, (unsigned long long)a->ring.seq,
			         (unsigned long long)a->seq, (unsigned long long)a->arg, a->node,
			         sb->counter, nd->id, (unsigned long long)(o1 >> 32),
			         (unsigned long long)(o1 & 0xffffffffu));
			return;
		}
	}
	if (snd == i) {
		if (ck->self_next >= nd->subs.n || nd->subs.v[ck->self_next].counter != sb->counter) {
			sim_fail(s, "node %u: self-delivery of counter %u but expected %u", nd->id,
			         sb->counter, ck->self_next < nd->subs.n ? nd->subs.v[ck->self_next].counter : 0);
			return;
		}
		ck->self_next++;
	}
	if (a->safe && regular) {
		for (uint32_t m = 0; m < ck->reg_n; m++) {
			int j = sim_index_of(s, ck->reg_m[m]);
			if (j < 0 || !s->nodes[j].alive)
				continue;
			if (tc_has_message(s->nodes[j].core, &a->ring, a->seq) == 0) {
				sim_fail(s, "safe: node %u delivered SAFE seq %llu of ring (%u,%llu) "
				         "but member %u does not hold it", nd->id, (unsigned long long)a->seq,
				         a->ring.rep, (unsigned long long)a->ring.seq, ck->reg_m[m]);
				return;
			}
		}
	}
	ck->fa_hash = h64(ck->fa_hash ^ ((uint64_t)a->node << 32 | sb->counter));
	ck->fa_count++;
	ck->reg_hash = h64(ck->reg_hash ^ ((uint64_t)a->node << 32 | sb->counter));
	ck->reg_count++;
}

static void on_frame(struct sim *s, int i, const struct tc_action *a)
{
	struct sim_node *nd = &s->nodes[i];
	struct chk_node *ck = &nd->chk;
	if (!exempt(s, &a->ring)) {
		struct okey key = { a->ring.seq, a->seq, a->ring.rep, 0xffffffffu };
		uint64_t o1, o2;
		if (!tab_check(s->chk, &key, a->node, a->arg, &o1, &o2)) {
			sim_fail(s, "agreed order: frame seq %llu of ring (%u,%llu) differs between nodes "
			         "(node %u sees origin %u, other origin %llu)", (unsigned long long)a->seq,
			         a->ring.rep, (unsigned long long)a->ring.seq, nd->id, a->node,
			         (unsigned long long)o1);
			return;
		}
	}
	if (a->kind == 1) {
		if (ck->frame_valid && ring_eq(&ck->frame_ring, &a->ring) && a->seq != ck->frame_seq + 1) {
			sim_fail(s, "gap: node %u delivered frame %llu after %llu in regular configuration "
			         "of ring (%u,%llu)", nd->id, (unsigned long long)a->seq,
			         (unsigned long long)ck->frame_seq, a->ring.rep,
			         (unsigned long long)a->ring.seq);
			return;
		}
		ck->frame_valid = 1;
		ck->frame_ring = a->ring;
		ck->frame_seq = a->seq;
	} else {
		ck->frame_valid = 0;
	}
}

static void on_confchg(struct sim *s, int i, const struct tc_action *a)
{
	struct sim_node *nd = &s->nodes[i];
	struct chk_node *ck = &nd->chk;
	struct chk *c = s->chk;
	s->confchgs++;
	if (s->verbose)
		printf("%8llu node %u %s ring (%u,%llu) members %zu left %zu joined %zu\n",
		       (unsigned long long)s->now, nd->id, a->kind == TC_CONF_REGULAR ? "REGULAR" :
		       "TRANSITIONAL", a->ring.rep, (unsigned long long)a->ring.seq, a->n_members,
		       a->n_left, a->n_joined);
	if (a->n_members > SIM_MAX || a->n_left > SIM_MAX || a->n_joined > SIM_MAX) {
		sim_fail(s, "node %u: configuration lists too long", nd->id);
		return;
	}
	if (a->kind == TC_CONF_TRANSITIONAL) {
		if (ck->in_trans) {
			sim_fail(s, "node %u: two TRANSITIONAL configurations in a row", nd->id);
			return;
		}
		if (a->n_joined != 0) {
			sim_fail(s, "node %u: TRANSITIONAL with joined members", nd->id);
			return;
		}
		if (!ck->have_reg) {
			if (a->n_members != 0 || a->n_left != 0) {
				sim_fail(s, "node %u: first TRANSITIONAL after start is not empty", nd->id);
				return;
			}
		} else {
			if (!has_id(a->members, a->n_members, nd->id)) {
				sim_fail(s, "node %u: not a member of its TRANSITIONAL configuration", nd->id);
				return;
			}
			for (size_t k = 0; k < a->n_members; k++)
				if (!has_id(ck->reg_m, ck->reg_n, a->members[k])) {
					sim_fail(s, "node %u: transitional member %u was not in the old configuration",
					         nd->id, a->members[k]);
					return;
				}
			for (size_t k = 0; k < ck->reg_n; k++) {
				int in_t = has_id(a->members, a->n_members, ck->reg_m[k]);
				int in_l = has_id(a->left, a->n_left, ck->reg_m[k]);
				if (in_t == in_l) {
					sim_fail(s, "node %u: left != old - trans for node %u", nd->id, ck->reg_m[k]);
					return;
				}
			}
			if (a->n_left + a->n_members != ck->reg_n) {
				sim_fail(s, "node %u: left list has extra nodes", nd->id);
				return;
			}
		}
		ck->trans_n = (uint32_t)a->n_members;
		memcpy(ck->trans_m, a->members, a->n_members * sizeof(uint32_t));
		ck->in_trans = 1;
		ck->fa_hash = h64(ck->fa_hash ^ 0x7777);
		ck->frame_valid = 0;
		return;
	}
	/* REGULAR */
	if (!ck->in_trans) {
		sim_fail(s, "node %u: REGULAR without preceding TRANSITIONAL", nd->id);
		return;
	}
	if (!has_id(a->members, a->n_members, nd->id)) {
		sim_fail(s, "node %u: not a member of its REGULAR configuration", nd->id);
		return;
	}
	if (a->n_left != 0) {
		sim_fail(s, "node %u: REGULAR with a left list", nd->id);
		return;
	}
	for (size_t k = 0; k < ck->trans_n; k++)
		if (!has_id(a->members, a->n_members, ck->trans_m[k])) {
			sim_fail(s, "node %u: transitional member %u missing from the new configuration",
			         nd->id, ck->trans_m[k]);
			return;
		}
	for (size_t k = 0; k < a->n_members; k++) {
		int in_t = has_id(ck->trans_m, ck->trans_n, a->members[k]);
		int in_j = has_id(a->joined, a->n_joined, a->members[k]);
		if (in_t == in_j) {
			sim_fail(s, "node %u: joined != new - trans for node %u", nd->id, a->members[k]);
			return;
		}
	}
	if (a->n_joined + ck->trans_n != a->n_members) {
		sim_fail(s, "node %u: joined list has extra nodes", nd->id);
		return;
	}
	if (a->ring.seq <= nd->last_installed_seq) {
		sim_fail(s, "node %u: installed ring seq %llu after %llu", nd->id,
		         (unsigned long long)a->ring.seq, (unsigned long long)nd->last_installed_seq);
		return;
	}
	nd->last_installed_seq = a->ring.seq;
	if (!exempt(s, &a->ring)) {
		struct ringent *r = ring_get(c, &a->ring);
		if (r->has_members) {
			if (!same_set(r->m, r->n, a->members, a->n_members)) {
				sim_fail(s, "ring (%u,%llu) installed with two different member lists",
				         a->ring.rep, (unsigned long long)a->ring.seq);
				return;
			}
		} else {
			r->has_members = 1;
			r->n = (uint32_t)a->n_members;
			memcpy(r->m, a->members, a->n_members * sizeof(uint32_t));
		}
	}
	/* failure atomicity over the pair (previous regular, this regular) */
	if (ck->have_reg && !exempt(s, &ck->reg) && !exempt(s, &a->ring)) {
		struct faent *f = NULL;
		for (size_t k = 0; k < c->n_fa; k++)
			if (ring_eq(&c->fa[k].r1, &ck->reg) && ring_eq(&c->fa[k].r2, &a->ring))
				f = &c->fa[k];
		if (f == NULL) {
			if (c->n_fa == c->cap_fa) {
				c->cap_fa = c->cap_fa ? 2 * c->cap_fa : 64;
				c->fa = realloc(c->fa, c->cap_fa * sizeof(*c->fa));
				if (c->fa == NULL)
					abort();
			}
			f = &c->fa[c->n_fa++];
			f->r1 = ck->reg;
			f->r2 = a->ring;
			f->hash = ck->fa_hash;
			f->count = ck->fa_count;
		} else if (f->hash != ck->fa_hash || f->count != ck->fa_count) {
			sim_fail(s, "failure atomicity: node %u delivered %llu messages in ring (%u,%llu) + "
			         "transitional before ring (%u,%llu), another node %llu (or different ones)",
			         nd->id, (unsigned long long)ck->fa_count, ck->reg.rep,
			         (unsigned long long)ck->reg.seq, a->ring.rep, (unsigned long long)a->ring.seq,
			         (unsigned long long)f->count);
			return;
		}
	}
	ck->prev_reg = ck->reg;
	ck->reg = a->ring;
	ck->reg_n = (uint32_t)a->n_members;
	memcpy(ck->reg_m, a->members, a->n_members * sizeof(uint32_t));
	ck->have_reg = 1;
	ck->in_trans = 0;
	ck->fa_hash = 0;
	ck->fa_count = 0;
	ck->reg_hash = 0;
	ck->reg_count = 0;
	ck->frame_valid = 0;
}

static void on_token(struct sim *s, int i, const struct tc_action *a)
{
	struct sim_node *nd = &s->nodes[i];
	struct chk *c = s->chk;
	if (exempt(s, &a->ring))
		return;
	struct ringent *r = ring_get(c, &a->ring);
	if (r->last_ts == 0) {
		if (a->seq != 1)
			sim_fail(s, "token: first accepted token_seq of ring (%u,%llu) is %llu",
			         a->ring.rep, (unsigned long long)a->ring.seq, (unsigned long long)a->seq);
	} else if (a->seq != r->last_ts + 1) {
		sim_fail(s, "token: node %u accepted token_seq %llu of ring (%u,%llu) after %llu "
		         "(accepted by %u)", nd->id, (unsigned long long)a->seq, a->ring.rep,
		         (unsigned long long)a->ring.seq, (unsigned long long)r->last_ts, r->last_node);
	} else {
		struct tc_status st;
		tc_get_status(nd->core, &st);
		uint32_t succ = 0;
		for (uint32_t k = 0; k < st.n_ring_members; k++)
			if (st.ring_members[k] == r->last_node)
				succ = st.ring_members[(k + 1) % st.n_ring_members];
		if (succ != nd->id)
			sim_fail(s, "token: node %u accepted token_seq %llu but the holder of %llu was %u "
			         "whose successor is %u", nd->id, (unsigned long long)a->seq,
			         (unsigned long long)r->last_ts, r->last_node, succ);
	}
	r->last_ts = a->seq;
	r->last_node = nd->id;
}

void chk_action(struct sim *s, int i, const struct tc_action *a)
{
	switch (a->type) {
	case TC_ACT_DELIVER: on_deliver(s, i, a); break;
	case TC_ACT_FRAME: on_frame(s, i, a); break;
	case TC_ACT_CONFCHG: on_confchg(s, i, a); break;
	case TC_ACT_TOKEN_RECEIVED: on_token(s, i, a); break;
	default: break;
	}
}

void chk_resources(struct sim *s, int i)
{
	struct tc_status st;
	tc_get_status(s->nodes[i].core, &st);
	if (st.sq_used > 2 * st.sq_capacity)
		sim_fail(s, "node %u: sort queues hold %u > 2 x %u", st.nodeid, st.sq_used, st.sq_capacity);
	if (st.pending_bytes_used > (uint64_t)s->sc.cfg.pending_bytes)
		sim_fail(s, "node %u: send queue %llu bytes > %u", st.nodeid,
		         (unsigned long long)st.pending_bytes_used, s->sc.cfg.pending_bytes);
	if (st.assemblies_active > 2 * TC_MAX_NODES)
		sim_fail(s, "node %u: %u assemblies", st.nodeid, st.assemblies_active);
}

void chk_converged(struct sim *s, const char *when)
{
	uint32_t alive[SIM_MAX];
	int na = 0;
	struct tc_ring_id ring = { 0, 0, 0 };
	for (int i = 0; i < s->n; i++)
		if (s->nodes[i].alive)
			alive[na++] = s->nodes[i].id;
	for (int i = 0; i < s->n && !s->failed; i++) {
		struct tc_status st;
		if (!s->nodes[i].alive)
			continue;
		tc_get_status(s->nodes[i].core, &st);
		if (st.state != TC_STATE_OPERATIONAL) {
			sim_fail(s, "%s: node %u is in state %s (bound %llu ms)", when, st.nodeid,
			         tc_state_name(st.state), (unsigned long long)s->bound_ms);
			return;
		}
		if (ring.rep == 0)
			ring = st.ring;
		if (!ring_eq(&ring, &st.ring)) {
			sim_fail(s, "%s: node %u is on ring (%u,%llu), another on (%u,%llu)", when,
			         st.nodeid, st.ring.rep, (unsigned long long)st.ring.seq, ring.rep,
			         (unsigned long long)ring.seq);
			return;
		}
		if (!same_set(st.members, st.n_members, alive, (size_t)na)) {
			sim_fail(s, "%s: node %u has %u members, %d nodes are alive", when, st.nodeid,
			         st.n_members, na);
			return;
		}
	}
}

void chk_final(struct sim *s)
{
	int first = -1;
	chk_converged(s, "end of schedule");
	for (int i = 0; i < s->n && !s->failed; i++) {
		struct sim_node *nd = &s->nodes[i];
		struct tc_status st;
		if (!nd->alive)
			continue;
		tc_get_status(nd->core, &st);
		if (st.pending_msgs != 0) {
			sim_fail(s, "node %u: %llu messages still queued at the end", nd->id,
			         (unsigned long long)st.pending_msgs);
			return;
		}
		if (nd->chk.self_next != nd->subs.n) {
			sim_fail(s, "node %u: delivered %zu of its own %zu messages (self-delivery)", nd->id,
			         nd->chk.self_next, nd->subs.n);
			return;
		}
		if (first < 0) {
			first = i;
			continue;
		}
		struct chk_node *a = &s->nodes[first].chk, *b = &nd->chk;
		if (a->reg_count != b->reg_count || a->reg_hash != b->reg_hash) {
			sim_fail(s, "final configuration: node %u delivered %llu messages, node %u %llu "
			         "(or different ones)", s->nodes[first].id, (unsigned long long)a->reg_count,
			         nd->id, (unsigned long long)b->reg_count);
			return;
		}
	}
}
