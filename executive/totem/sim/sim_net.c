/*
 * sim_net.c - virtual clock, event heap, simulated links and the driver
 * loop that feeds the cores and executes their actions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

uint64_t sim_rand(struct sim *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

double sim_unif(struct sim *s)
{
	return (double)(sim_rand(s) >> 11) / 9007199254740992.0;
}

void sim_fail(struct sim *s, const char *fmt, ...)
{
	va_list ap;
	if (s->failed)
		return;
	s->failed = 1;
	int k = snprintf(s->fail_msg, sizeof(s->fail_msg), "t=%llu: ", (unsigned long long)s->now);
	va_start(ap, fmt);
	vsnprintf(s->fail_msg + k, sizeof(s->fail_msg) - (size_t)k, fmt, ap);
	va_end(ap);
}

int sim_index_of(const struct sim *s, uint32_t id)
{
	for (int i = 0; i < s->n; i++)
		if (s->nodes[i].id == id)
			return i;
	return -1;
}

static void mix(struct sim *s, uint64_t v)
{
	s->digest ^= v + 0x9e3779b97f4a7c15ull + (s->digest << 6) + (s->digest >> 2);
}

/* ---- event heap ordered by (time, order) -------------------------------- */

static int pkt_less(const struct sim_pkt *a, const struct sim_pkt *b)
{
	return a->time < b->time || (a->time == b->time && a->order < b->order);
}

static void heap_push(struct sim *s, struct sim_pkt p)
{
	if (s->heap_n == s->heap_cap) {
		s->heap_cap = s->heap_cap ? s->heap_cap * 2 : 1024;
		s->heap = realloc(s->heap, s->heap_cap * sizeof(*s->heap));
		if (s->heap == NULL)
			abort();
	}
	size_t i = s->heap_n++;
	s->heap[i] = p;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (!pkt_less(&s->heap[i], &s->heap[up]))
			break;
		struct sim_pkt t = s->heap[i];
		s->heap[i] = s->heap[up];
		s->heap[up] = t;
		i = up;
	}
}

static struct sim_pkt heap_pop(struct sim *s)
{
	struct sim_pkt top = s->heap[0];
	s->heap[0] = s->heap[--s->heap_n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < s->heap_n && pkt_less(&s->heap[l], &s->heap[m]))
			m = l;
		if (r < s->heap_n && pkt_less(&s->heap[r], &s->heap[m]))
			m = r;
		if (m == i)
			break;
		struct sim_pkt t = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = t;
		i = m;
	}
	return top;
}

/* ---- links ------------------------------------------------------------------ */

void sim_set_all_links(struct sim *s, double loss, double dup, double reorder)
{
	for (int i = 0; i < s->n; i++)
		for (int j = 0; j < s->n; j++) {
			s->link[i][j].loss = loss;
			s->link[i][j].dup = dup;
			s->link[i][j].reorder = reorder;
		}
}

void sim_heal(struct sim *s)
{
	for (int i = 0; i < s->n; i++) {
		s->nodes[i].group = 0;
		s->nodes[i].mcast_cut = 0;
		for (int j = 0; j < s->n; j++)
			s->link[i][j].blocked = 0;
	}
	sim_set_all_links(s, 0, 0, 0);
}

static int reachable(const struct sim *s, int a, int b)
{
	return a == b || (s->nodes[a].group == s->nodes[b].group && !s->link[a][b].blocked);
}

static void transmit(struct sim *s, int src, int dst, const uint8_t *p, size_t len, int mcast)
{
	const struct sim_link *l = &s->link[src][dst];
	int copies = 1;
	if (dst != src) {
		if (!reachable(s, src, dst))
			return;
		if (mcast && s->nodes[dst].mcast_cut)
			return;
		if (l->loss > 0 && sim_unif(s) < l->loss)
			return;
		if (l->dup > 0 && sim_unif(s) < l->dup)
			copies = 2;
	}
	for (int k = 0; k < copies; k++) {
		struct sim_pkt pk;
		uint64_t delay = 0;
		if (dst != src) {
			delay = l->lat + (l->jitter ? sim_rand(s) % (l->jitter + 1) : 0);
			if (l->reorder > 0 && sim_unif(s) < l->reorder)
				delay += sim_rand(s) % (5 * (uint64_t)l->jitter + 3);
		}
		pk.time = s->now + delay;
		pk.order = s->order++;
		pk.dst = dst;
		pk.src = src;
		pk.dst_inc = s->nodes[dst].inc;
		pk.len = (uint32_t)len;
		pk.mcast = mcast;
		pk.data = malloc(len ? len : 1);
		if (pk.data == NULL)
			abort();
		memcpy(pk.data, p, len);
		heap_push(s, pk);
	}
}

/* Feed a mutated copy of real traffic to the observer core (forged input). */
static void forge(struct sim *s, const uint8_t *p, size_t len)
{
	uint8_t buf[2048];
	size_t n = len < sizeof(buf) ? len : sizeof(buf);
	int how = (int)(sim_rand(s) % 4);
	memcpy(buf, p, n);
	if (how == 0 && n > 0) {
		n = sim_rand(s) % n;                     /* truncate */
	} else if (how == 1) {
		int flips = 1 + (int)(sim_rand(s) % 4);   /* flip bytes */
		for (int k = 0; k < flips && n > 0; k++)
			buf[sim_rand(s) % n] ^= (uint8_t)(1 + sim_rand(s) % 255);
	} else if (how == 2 && n + 8 < sizeof(buf)) {
		for (int k = 0; k < 8; k++)              /* trailing garbage */
			buf[n++] = (uint8_t)sim_rand(s);
	} else {
		for (size_t k = 0; k < n; k++)           /* random bytes, valid magic */
			buf[k] = (uint8_t)sim_rand(s);
		if (n >= 4) {
			buf[0] = 0x54; buf[1] = 0x4d; buf[2] = 1; buf[3] %= 7;
		}
	}
	uint32_t src = n >= 9 ? ((uint32_t)buf[5] << 24 | (uint32_t)buf[6] << 16 |
	                         (uint32_t)buf[7] << 8 | buf[8]) : 1;
	tc_input(s->victim, s->now, src, buf, n);
	struct tc_action a[64];
	while (tc_actions(s->victim, a, 64) > 0)
		;
	s->forged++;
}

/* ---- executing actions -------------------------------------------------------- */

static void run_actions(struct sim *s, int i)
{
	struct sim_node *nd = &s->nodes[i];
	struct tc_action acts[64];
	size_t n;
	while (nd->alive && (n = tc_actions(nd->core, acts, 64)) > 0) {
		for (size_t k = 0; k < n; k++) {
			const struct tc_action *a = &acts[k];
			mix(s, a->type);
			switch (a->type) {
			case TC_ACT_SEND:
				mix(s, chk_msg_hash(a->data, a->len));
				if (a->kind == TC_DEST_UNICAST) {
					int d = sim_index_of(s, a->node);
					if (d < 0) {
						sim_fail(s, "node %u: unicast to unknown node %u", nd->id, a->node);
						break;
					}
					transmit(s, i, d, a->data, a->len, 0);
				} else {
					if (a->kind == TC_DEST_MCAST && a->len > s->sc.cfg.frame_size)
						sim_fail(s, "node %u: multicast of %zu bytes exceeds frame_size %u",
						         nd->id, a->len, s->sc.cfg.frame_size);
					for (int d = 0; d < s->n; d++)
						if (s->nodes[d].alive)
							transmit(s, i, d, a->data, a->len, 1);
				}
				if (s->victim != NULL && s->sc.fuzz && sim_unif(s) < 0.2)
					forge(s, a->data, a->len);
				break;
			case TC_ACT_PERSIST:
				nd->stored_ring_seq = a->seq;
				break;
			case TC_ACT_LOG:
				if (s->verbose >= 2)
					printf("%8llu node %u %s arg=%llu arg2=%llu\n",
					       (unsigned long long)s->now, nd->id, tc_log_code_name(a->code),
					       (unsigned long long)a->arg, (unsigned long long)a->arg2);
				break;
			case TC_ACT_TOKEN_RECEIVED:
				if (s->verbose >= 3)
					printf("%8llu node %u token %llu fcc %llu backlog %llu rtr %llu aru %llu\n",
					       (unsigned long long)s->now, nd->id, (unsigned long long)a->seq,
					       (unsigned long long)(a->arg >> 32), (unsigned long long)(a->arg & 0xffffffffu),
					       (unsigned long long)(a->arg2 >> 32), (unsigned long long)(a->arg2 & 0xffffffffu));
				chk_action(s, i, a);
				break;
			default:
				chk_action(s, i, a);
				break;
			}
		}
	}
	if (nd->alive)
		chk_resources(s, i);
}

/* ---- nodes ------------------------------------------------------------------------ */

void sim_node_start(struct sim *s, int i)
{
	struct sim_node *nd = &s->nodes[i];
	uint64_t stored = nd->lost_file ? 0 : nd->stored_ring_seq;
	nd->core = tc_create(&s->sc.cfg, nd->id, stored, s->seed * 131 + nd->inc);
	if (nd->core == NULL) {
		sim_fail(s, "tc_create failed for node %u", nd->id);
		return;
	}
	nd->alive = 1;
	nd->inc++;
	nd->paused_until = 0;
	if (nd->lost_file) {
		nd->last_installed_seq = 0;
		nd->lost_file = 0;
	}
	chk_node_reset(s, i);
	nd->chk.self_next = nd->subs.n;
	if (s->verbose)
		printf("%8llu node %u start (stored ring seq %llu)\n", (unsigned long long)s->now,
		       nd->id, (unsigned long long)stored);
	tc_start(nd->core, s->now);
	run_actions(s, i);
}

/* Add a core's token-linger counters to the schedule's, then destroy it. */
static void destroy_core(struct sim *s, struct tc_core *c)
{
	struct tc_stats st;
	tc_get_stats(c, &st);
	s->lingered += st.tokens_lingered;
	s->linger_submits += st.linger_submits;
	tc_destroy(c);
}

void sim_node_crash(struct sim *s, int i)
{
	struct sim_node *nd = &s->nodes[i];
	if (!nd->alive)
		return;
	if (s->verbose)
		printf("%8llu node %u crash\n", (unsigned long long)s->now, nd->id);
	destroy_core(s, nd->core);
	nd->core = NULL;
	nd->alive = 0;
	nd->inc++;          /* packets in flight to the old incarnation are dropped */
}

static void submit_one(struct sim *s, int i)
{
	struct sim_node *nd = &s->nodes[i];
	static uint8_t *buf;
	static size_t bufcap;
	uint32_t len;
	double r = sim_unif(s);
	if (r < s->sc.big_prob)
		len = 3000 + (uint32_t)(sim_rand(s) % (s->sc.big_max > 3000 ? s->sc.big_max - 2999 : 1));
	else if (r < s->sc.big_prob + 0.25)
		len = 100 + (uint32_t)(sim_rand(s) % 2900);
	else    /* 4 bytes at least: a message carries its whole 32-bit counter */
		len = 4 + (uint32_t)(sim_rand(s) % 97);
	if (len > s->sc.big_max)
		len = s->sc.big_max;
	if (len > bufcap) {
		free(buf);
		bufcap = len < 4096 ? 4096 : len;
		buf = malloc(bufcap);
		if (buf == NULL)
			abort();
	}
	int safe = sim_unif(s) < s->sc.safe_prob;
	uint32_t counter = nd->counter + 1;
	chk_fill_msg(buf, len, i, counter);
	int rc = tc_submit(nd->core, s->now, (uint8_t)(i + 1), buf, len, safe);
	if (rc == TC_OK) {
		struct sublist *l = &nd->subs;
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 256;
			l->v = realloc(l->v, l->cap * sizeof(*l->v));
			if (l->v == NULL)
				abort();
		}
		l->v[l->n].counter = counter;
		l->v[l->n].len = len;
		l->v[l->n].hash = chk_msg_hash(buf, len);
		l->n++;
		nd->counter = counter;
		s->submitted++;
	} else if (rc == TC_EAGAIN) {
		s->eagain++;
	} else {
		sim_fail(s, "node %u: tc_submit returned %d", nd->id, rc);
	}
	mix(s, (uint64_t)rc);
	run_actions(s, i);
}

static uint64_t next_interval(struct sim *s)
{
	double rate = s->sc.rate;
	if (rate <= 0)
		return UINT64_MAX / 4;
	uint64_t mean = (uint64_t)(1000.0 / rate);
	if (mean == 0)
		mean = 1;
	return 1 + sim_rand(s) % (2 * mean);
}

/* ---- main loop ---------------------------------------------------------------------- */

void sim_run_until(struct sim *s, uint64_t t_end)
{
	while (!s->failed) {
		uint64_t t = UINT64_MAX;
		int who = -1, what = 0;   /* 1 timer, 2 packet, 3 load */
		for (int i = 0; i < s->n; i++) {
			struct sim_node *nd = &s->nodes[i];
			if (!nd->alive)
				continue;
			uint64_t d = tc_next_deadline(nd->core);
			if (nd->paused_until > d)
				d = nd->paused_until;
			if (d < t) {
				t = d; who = i; what = 1;
			}
		}
		if (s->heap_n > 0 && s->heap[0].time < t) {
			t = s->heap[0].time; what = 2;
		}
		if (s->load_on)
			for (int i = 0; i < s->n; i++)
				if (s->nodes[i].alive && s->nodes[i].next_submit < t) {
					t = s->nodes[i].next_submit; who = i; what = 3;
				}
		if (t > t_end || what == 0)
			break;
		s->now = t;
		if (++s->events > 50000000ull || s->heap_n > 5000000) {
			sim_fail(s, "runaway schedule: %llu events, %zu packets in flight",
			         (unsigned long long)s->events, s->heap_n);
			break;
		}
		if (what == 1) {
			tc_timeout(s->nodes[who].core, s->now);
			run_actions(s, who);
		} else if (what == 2) {
			struct sim_pkt p = heap_pop(s);
			struct sim_node *nd = &s->nodes[p.dst];
			if (nd->alive && nd->inc == p.dst_inc) {
				if (nd->paused_until > s->now) {
					p.time = nd->paused_until;
					p.order = s->order++;
					heap_push(s, p);
					continue;
				}
				tc_input(nd->core, s->now, s->nodes[p.src].id, p.data, p.len);
				run_actions(s, p.dst);
			}
			free(p.data);
		} else {
			struct sim_node *nd = &s->nodes[who];
			if (s->sc.flood) {
				for (int k = 0; k < 8 && !s->failed; k++)
					submit_one(s, who);
			} else {
				submit_one(s, who);
			}
			if (!s->failed && nd->core != NULL) {
				/* as a driver does after a batch of submits (token_linger) */
				tc_linger_flush(nd->core, s->now);
				run_actions(s, who);
			}
			nd->next_submit = s->now + next_interval(s);
		}
	}
	if (!s->failed && s->now < t_end)
		s->now = t_end;
}

void sim_init(struct sim *s, const struct scen *sc, uint64_t seed, int verbose)
{
	memset(s, 0, sizeof(*s));
	s->sc = *sc;
	s->seed = seed;
	s->rng = seed * 0x2545f4914f6cdd1dull + 1;
	s->n = sc->n;
	s->verbose = verbose;
	s->digest = 1469598103934665603ull;
	for (int i = 0; i < s->n; i++) {
		s->nodes[i].id = (uint32_t)(i + 1);
		s->nodes[i].inc = 1;
	}
	for (int i = 0; i < s->n; i++)
		for (int j = 0; j < s->n; j++) {
			s->link[i][j].lat = sc->lat;
			s->link[i][j].jitter = sc->jitter;
		}
	chk_init(s);
	if (sc->fuzz) {
		s->victim = tc_create(&s->sc.cfg, 77, 0, seed);
		if (s->victim != NULL)
			tc_start(s->victim, 0);
	}
}

void sim_free(struct sim *s)
{
	for (int i = 0; i < s->n; i++) {
		if (s->nodes[i].core != NULL)
			destroy_core(s, s->nodes[i].core);
		free(s->nodes[i].subs.v);
	}
	while (s->heap_n > 0) {
		struct sim_pkt p = heap_pop(s);
		free(p.data);
	}
	free(s->heap);
	if (s->victim != NULL)
		tc_destroy(s->victim);
	chk_free(s);
}
