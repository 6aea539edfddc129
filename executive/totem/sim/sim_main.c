/*
 * sim_main.c - totem_sim: runs seeded schedules of a scenario against N
 * totem cores and checks the EVS invariants.  A failing schedule prints its
 * seed and the command that replays it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"
#include "totem_wire.h"

enum ev_type {
	EV_START, EV_CRASH, EV_RESTART, EV_PARTITION, EV_HEAL_NET, EV_LOSS, EV_PAUSE,
	EV_MCAST_CUT, EV_ONEWAY, EV_LOAD_OFF, EV_CHECK_BOUND, EV_END
};

struct ev {
	uint64_t t;
	int type;
	int node;
	int arg;
	double p;
	uint32_t groups[SIM_MAX];
};

struct script {
	struct ev v[256];
	int n;
};

static void add(struct script *sc, struct ev e)
{
	if (sc->n < 256)
		sc->v[sc->n++] = e;
}

static int ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->type - y->type;
}

enum kind {
	K_COLD, K_RANDOM, K_REP_LOSS, K_NONREP_LOSS, K_PARTITION, K_CRASH_RESTART, K_LOSS30,
	K_BIG, K_FLOOD, K_MCAST_CUT, K_PAUSE, K_DUP, K_ONEWAY, K_SEQHIGH, K_IDLE, K_FUZZ,
	K_COUNT
};

static const char *const kind_names[K_COUNT] = {
	"cold", "random", "rep_loss", "nonrep_loss", "partition", "crash_restart", "loss30",
	"big", "flood", "mcast_cut", "pause", "dup", "oneway", "seqhigh", "idle", "fuzz",
};

static void base_scenario(struct scen *sc, int kind, int n)
{
	memset(sc, 0, sizeof(*sc));
	sc->name = kind_names[kind];
	sc->kind = kind;
	sc->n = n;
	sc->duration = 3000;
	sc->settle = 3000;
	sc->rate = 25;
	sc->big_max = 65536;
	sc->big_prob = 0.02;
	sc->safe_prob = 0.2;
	sc->lat = 1;
	sc->jitter = 1;
	tc_config_defaults(&sc->cfg);
	sc->cfg.sq_capacity = 1024;
	sc->cfg.fail_recv_const = 250;
	sc->cfg.trace_frames = 1;
	switch (kind) {
	case K_COLD: sc->duration = 500; break;
	case K_LOSS30: sc->loss = 0.3; sc->rate = 60; break;
	case K_BIG: sc->big_max = TC_MSG_SIZE_MAX; sc->big_prob = 0.1; sc->rate = 4;
		sc->loss = 0.05; sc->duration = 4000; sc->settle = 8000; break;
	case K_FLOOD: sc->flood = 1; sc->rate = 100; sc->cfg.pending_bytes = 256 * 1024;
		sc->big_max = 8192; sc->cfg.max_msg_size = 65536; sc->settle = 6000; break;
	case K_DUP: sc->dup = 0.2; sc->reorder = 0.3; sc->jitter = 3; break;
	case K_SEQHIGH: sc->seq_start = (1ull << 32) - 200; sc->cfg.seq_start = sc->seq_start; break;
	case K_IDLE: sc->rate = 1; sc->duration = 4000; break;
	case K_FUZZ: sc->fuzz = 1; break;
	case K_MCAST_CUT: sc->duration = 4000; break;
	default: break;
	}
}

static int linger_on;    /* --linger: every core keeps its visits open (token_linger) */
static unsigned flow_window, flow_max;  /* --flow W,M: window_size, max_messages */

static uint64_t bound_ms(const struct sim *s)
{
	const struct tc_config *c = &s->sc.cfg;
	/* a lingering visit lasts 2 ms at most (T_LINGER): nothing here releases it sooner */
	uint64_t visit = c->token_linger ? 2 : 0;
	uint64_t rotation = (uint64_t)s->n * (s->sc.lat + s->sc.jitter + 1 + visit) + c->hold_ms;
	return c->token_ms + 2ull * c->consensus_ms + 10ull * c->join_ms + 5 * rotation;
}

static void random_split(struct sim *s, struct ev *e)
{
	int ngroups = 2 + (s->n > 4 && sim_rand(s) % 3 == 0);
	for (int i = 0; i < s->n; i++)
		e->groups[i] = (uint32_t)(sim_rand(s) % (uint64_t)ngroups);
}

/* Build the fault script of one schedule. */
static void make_script(struct sim *s, struct script *sc, uint64_t *t_heal)
{
	int n = s->n, kind = s->sc.kind;
	uint64_t d = s->sc.duration;
	int stagger = kind == K_COLD ? (int)(sim_rand(s) % 2) : (sim_rand(s) % 4 == 0);
	sc->n = 0;
	for (int i = 0; i < n; i++)
		add(sc, (struct ev){ .t = stagger ? sim_rand(s) % 1500 : 0, .type = EV_START, .node = i });
	uint64_t t0 = 1500 + sim_rand(s) % 500;   /* faults begin after the cold start */
	if (d < t0 + 500)
		d = t0 + 500;
	switch (kind) {
	case K_REP_LOSS:
		add(sc, (struct ev){ .t = t0 + sim_rand(s) % 1000, .type = EV_CRASH, .node = 0 });
		break;
	case K_NONREP_LOSS:
		if (n > 1)
			add(sc, (struct ev){ .t = t0 + sim_rand(s) % 1000, .type = EV_CRASH,
			                     .node = 1 + (int)(sim_rand(s) % (uint64_t)(n - 1)) });
		break;
	case K_PARTITION: {
		struct ev e = { .t = t0, .type = EV_PARTITION };
		for (int i = 0; i < n; i++)
			e.groups[i] = n == 5 ? (i < 3 ? 0 : 1) : (uint32_t)(sim_rand(s) % 2);
		add(sc, e);
		break;
	}
	case K_CRASH_RESTART: {
		int v = (int)(sim_rand(s) % (uint64_t)n);
		uint64_t tc = t0 + sim_rand(s) % 800;
		add(sc, (struct ev){ .t = tc, .type = EV_CRASH, .node = v });
		add(sc, (struct ev){ .t = tc + 200 + sim_rand(s) % 1500, .type = EV_RESTART, .node = v,
		                     .arg = sim_rand(s) % 4 == 0 });
		break;
	}
	case K_LOSS30:
		add(sc, (struct ev){ .t = 0, .type = EV_LOSS, .p = 0.3 });
		break;
	case K_BIG: {
		add(sc, (struct ev){ .t = 0, .type = EV_LOSS, .p = s->sc.loss });
		struct ev e = { .t = t0 + sim_rand(s) % 1000, .type = EV_PARTITION };
		for (int i = 0; i < n; i++)
			e.groups[i] = i == n - 1 && n > 1;
		add(sc, e);
		add(sc, (struct ev){ .t = e.t + 1000, .type = EV_HEAL_NET });
		add(sc, (struct ev){ .t = e.t + 1000, .type = EV_LOSS, .p = s->sc.loss });
		break;
	}
	case K_MCAST_CUT:
		if (n > 1)
			add(sc, (struct ev){ .t = t0, .type = EV_MCAST_CUT,
			                     .node = (int)(sim_rand(s) % (uint64_t)n) });
		break;
	case K_PAUSE:
		add(sc, (struct ev){ .t = t0, .type = EV_PAUSE, .node = (int)(sim_rand(s) % (uint64_t)n),
		                     .arg = (int)(s->sc.cfg.token_ms / 2 + sim_rand(s) % (2 * s->sc.cfg.token_ms)) });
		break;
	case K_DUP:
		add(sc, (struct ev){ .t = 0, .type = EV_LOSS, .p = 0.02 });
		break;
	case K_ONEWAY:
		if (n > 1)
			add(sc, (struct ev){ .t = t0, .type = EV_ONEWAY, .node = (int)(sim_rand(s) % (uint64_t)n),
			                     .arg = (int)(sim_rand(s) % (uint64_t)n) });
		break;
	case K_RANDOM:
	case K_FUZZ:
	case K_SEQHIGH: {
		int nf = kind == K_RANDOM ? 2 + (int)(sim_rand(s) % 6) : (int)(sim_rand(s) % 3);
		for (int f = 0; f < nf; f++) {
			struct ev e = { .t = t0 + sim_rand(s) % (d - t0) };
			int v = (int)(sim_rand(s) % (uint64_t)n);
			switch (sim_rand(s) % 9) {
			case 0: case 1: e.type = EV_PARTITION; random_split(s, &e); break;
			case 2: e.type = EV_HEAL_NET; break;
			case 3: e.type = EV_CRASH; e.node = v;
				add(sc, e);
				e.type = EV_RESTART;
				e.t += 100 + sim_rand(s) % 1500;
				e.arg = sim_rand(s) % 5 == 0;
				break;
			case 4: e.type = EV_LOSS; e.p = 0.05 + 0.3 * sim_unif(s); break;
			case 5: e.type = EV_PAUSE; e.node = v; e.arg = (int)(100 + sim_rand(s) % 1500); break;
			case 6: e.type = EV_MCAST_CUT; e.node = v; break;
			case 7: e.type = EV_ONEWAY; e.node = v; e.arg = (int)(sim_rand(s) % (uint64_t)n); break;
			default: e.type = EV_LOSS; e.p = 0; break;
			}
			add(sc, e);
		}
		break;
	}
	default:
		break;
	}
	/* nothing of the fault phase may outlive the final heal */
	int keep = 0;
	for (int k = 0; k < sc->n; k++)
		if (sc->v[k].t < d)
			sc->v[keep++] = sc->v[k];
	sc->n = keep;
	*t_heal = d;
	add(sc, (struct ev){ .t = d, .type = EV_HEAL_NET, .arg = 1 });
	add(sc, (struct ev){ .t = d, .type = EV_LOAD_OFF });
	add(sc, (struct ev){ .t = d + bound_ms(s), .type = EV_CHECK_BOUND });
	add(sc, (struct ev){ .t = d + bound_ms(s) + s->sc.settle, .type = EV_END });
	qsort(sc->v, (size_t)sc->n, sizeof(sc->v[0]), ev_cmp);
}

static void apply(struct sim *s, const struct ev *e, uint64_t t_heal)
{
	struct sim_node *nd = &s->nodes[e->node];
	switch (e->type) {
	case EV_START:
		if (!nd->alive)
			sim_node_start(s, e->node);
		break;
	case EV_CRASH:
		sim_node_crash(s, e->node);
		break;
	case EV_RESTART:
		if (!nd->alive && e->t < t_heal) {
			nd->lost_file = e->arg;
			sim_node_start(s, e->node);
		}
		break;
	case EV_PARTITION:
		if (s->verbose)
			printf("%8llu partition\n", (unsigned long long)s->now);
		for (int i = 0; i < s->n; i++)
			s->nodes[i].group = (int)e->groups[i];
		break;
	case EV_HEAL_NET:
		if (s->verbose)
			printf("%8llu heal%s\n", (unsigned long long)s->now, e->arg ? " (final)" : "");
		sim_heal(s);
		if (e->arg) {
			/* final heal: everyone comes back, except a deliberately removed node */
			for (int i = 0; i < s->n; i++) {
				struct sim_node *x = &s->nodes[i];
				if (x->paused_until > s->now)
					x->paused_until = s->now;
				int removed = (s->sc.kind == K_REP_LOSS || s->sc.kind == K_NONREP_LOSS) &&
				              x->inc > 1;
				if (!x->alive && !removed)
					sim_node_start(s, i);
			}
		}
		break;
	case EV_LOSS:
		sim_set_all_links(s, e->p, s->sc.dup, s->sc.reorder);
		break;
	case EV_PAUSE:
		if (nd->alive) {
			uint64_t until = s->now + (uint64_t)e->arg;
			nd->paused_until = until < t_heal ? until : t_heal;
		}
		break;
	case EV_MCAST_CUT:
		nd->mcast_cut = 1;
		break;
	case EV_ONEWAY:
		if (e->node != e->arg)
			s->link[e->node][e->arg].blocked = 1;
		break;
	case EV_LOAD_OFF:
		s->load_on = 0;
		break;
	case EV_CHECK_BOUND:
		chk_converged(s, "recovery bound after final heal");
		break;
	default:
		break;
	}
}

static int run_schedule(const struct scen *base, int kind, int nodes, uint64_t seed,
                        int verbose, uint64_t *digest, uint64_t *stats)
{
	struct sim *s = calloc(1, sizeof(*s));
	struct scen sc;
	struct script *scr = calloc(1, sizeof(*scr));
	uint64_t t_heal = 0;
	int n = nodes;
	int rc = 0;
	uint64_t pre = seed * 0x9e3779b97f4a7c15ull + (uint64_t)kind;
	if (s == NULL || scr == NULL)
		abort();
	if (n <= 0) {
		pre ^= pre >> 29;
		n = 2 + (int)(pre % (kind == K_BIG ? 5 : 7));
	}
	(void)base;
	base_scenario(&sc, kind, n);
	sc.cfg.token_linger = (uint32_t)linger_on;
	if (flow_window) {
		sc.cfg.window_size = flow_window;
		sc.cfg.max_messages = flow_max;
	}
	sim_init(s, &sc, seed, verbose);
	s->bound_ms = bound_ms(s);
	s->load_on = 1;
	for (int i = 0; i < s->n; i++)
		s->nodes[i].next_submit = 200 + sim_rand(s) % 500;
	make_script(s, scr, &t_heal);
	for (int k = 0; k < scr->n && !s->failed; k++) {
		sim_run_until(s, scr->v[k].t);
		if (s->failed)
			break;
		if (scr->v[k].type == EV_END) {
			chk_final(s);
			break;
		}
		apply(s, &scr->v[k], t_heal);
	}
	if (s->victim != NULL && !s->failed) {
		struct tc_stats st;
		tc_get_stats(s->victim, &st);
		if (st.rx_bad + st.rx_bad_sender + st.rx_packets == 0 && s->forged > 0)
			sim_fail(s, "forged packets were not counted");
	}
	if (s->failed && verbose) {
		for (int i = 0; i < s->n; i++) {
			struct tc_status st;
			struct tc_stats ts;
			if (!s->nodes[i].alive)
				continue;
			tc_get_status(s->nodes[i].core, &st);
			tc_get_stats(s->nodes[i].core, &ts);
			printf("node %u %s ring (%u,%llu) aru %llu high %llu delivered %llu released %llu "
			       "pending %llu/%llu tokens rx %llu tx %llu retx %llu\n", st.nodeid,
			       tc_state_name(st.state), st.ring.rep, (unsigned long long)st.ring.seq,
			       (unsigned long long)st.my_aru, (unsigned long long)st.high_seq_received,
			       (unsigned long long)st.high_delivered, (unsigned long long)st.last_released,
			       (unsigned long long)st.pending_msgs, (unsigned long long)st.pending_bytes_used,
			       (unsigned long long)ts.tokens_rx, (unsigned long long)ts.tokens_tx,
			       (unsigned long long)ts.token_retransmits); printf("   next deadline %llu lost op %llu\n", (unsigned long long)tc_next_deadline(s->nodes[i].core), (unsigned long long)ts.token_lost_operational);
		}
	}
	if (s->failed) {
		printf("FAIL seed=%llu scenario=%s nodes=%d: %s\n", (unsigned long long)seed, sc.name,
		       s->n, s->fail_msg);
		printf("replay: totem_sim --scenario %s --nodes %d --seed %llu --schedules 1 -v\n",
		       sc.name, s->n, (unsigned long long)seed);
		rc = 1;
	}
	*digest ^= s->digest + seed;
	stats[0] += s->delivered;
	stats[1] += s->submitted;
	stats[2] += s->events;
	stats[3] += s->confchgs;
	stats[4] += s->eagain;
	stats[5] += s->forged;
	if (verbose)
		printf("seed %llu %s n=%d: %llu submitted, %llu delivered, %llu confchgs, "
		       "digest %016llx\n", (unsigned long long)seed, sc.name, s->n,
		       (unsigned long long)s->submitted, (unsigned long long)s->delivered,
		       (unsigned long long)s->confchgs, (unsigned long long)s->digest);
	sim_free(s);
	stats[6] += s->lingered;
	stats[7] += s->linger_submits;
	free(s);
	free(scr);
	return rc;
}

/* ---- forged / truncated packets fed to a single core ------------------------ */

static int feed_bad(struct tc_core *c, const uint8_t *p, size_t len, const char *what, int t)
{
	struct tc_stats a, b;
	tc_get_stats(c, &a);
	tc_input(c, 1, 1, p, len);
	tc_get_stats(c, &b);
	if (b.rx_bad != a.rx_bad + 1) {
		printf("FAIL: forged packet (%s, type %d, len %zu) was not counted\n", what, t, len);
		return 1;
	}
	return 0;
}

static int selftest_wire(void)
{
	struct tc_config cfg;
	struct tc_core *c;
	struct tc_stats st;
	uint8_t buf[4096], bad[4096];
	size_t lens[6];
	uint8_t pk[6][2048];
	uint64_t fed = 0;
	int fails = 0;

	tc_config_defaults(&cfg);
	cfg.sq_capacity = 512;
	c = tc_create(&cfg, 2, 0, 1);
	if (c == NULL) {
		printf("FAIL: tc_create\n");
		return 1;
	}
	tc_start(c, 0);
	/* one valid packet of each type */
	struct tw_orf o;
	memset(&o, 0, sizeof(o));
	o.h.sender = 1; o.ring.rep = 1; o.ring.seq = 9; o.token_seq = 3; o.seq = 5; o.aru = 4;
	o.rtr_count = 2; o.rtr[0] = 5; o.rtr[1] = 6;
	lens[0] = tw_encode_orf(&o, pk[0], sizeof(pk[0]));
	uint8_t frame[16] = { 0, 1, 0, 1, 0, 3, 'a', 'b', 'c' };
	struct tw_mcast m;
	memset(&m, 0, sizeof(m));
	m.h.sender = 1; m.ring.rep = 1; m.ring.seq = 9; m.seq = 1; m.payload = frame; m.payload_len = 9;
	lens[1] = tw_encode_mcast(&m, pk[1], sizeof(pk[1]));
	struct tw_ringmsg r;
	memset(&r, 0, sizeof(r));
	r.h.type = TW_MERGE_DETECT; r.h.sender = 1; r.ring.rep = 1; r.ring.seq = 9;
	lens[2] = tw_encode_ringmsg(&r, pk[2], sizeof(pk[2]));
	struct tw_join j;
	memset(&j, 0, sizeof(j));
	j.h.sender = 1; j.ring_seq = 9; j.n_proc = 3; j.proc[0] = 1; j.proc[1] = 2; j.proc[2] = 3;
	j.n_failed = 1; j.failed[0] = 4;
	lens[3] = tw_encode_join(&j, pk[3], sizeof(pk[3]));
	struct tw_commit cm;
	memset(&cm, 0, sizeof(cm));
	cm.h.sender = 1; cm.token_seq = 1; cm.ring.rep = 1; cm.ring.seq = 13; cm.memb_index = 1;
	cm.count = 2; cm.members[0] = 1; cm.members[1] = 2;
	lens[4] = tw_encode_commit(&cm, pk[4], sizeof(pk[4]));
	r.h.type = TW_HOLD_CANCEL;
	lens[5] = tw_encode_ringmsg(&r, pk[5], sizeof(pk[5]));

	for (int t = 0; t < 6; t++) {
		union tw_packet p;
		if (lens[t] == 0 || tw_decode(pk[t], lens[t], &p) != TW_OK) {
			printf("FAIL: valid packet type %d does not round-trip\n", t);
			fails++;
			continue;
		}
		/* every truncation */
		for (size_t l = 0; l < lens[t]; l++) {
			if (t == 1 && l >= TW_MCAST_HDR_LEN + 2)
				continue;   /* an MCAST prefix with a shorter frame may be well formed */
			memcpy(bad, pk[t], l);
			fails += feed_bad(c, bad, l, "truncated", t);
			fed++;
		}
		/* trailing garbage (MCAST payload is variable, so its frame check catches it) */
		memcpy(bad, pk[t], lens[t]);
		bad[lens[t]] = 0xee;
		fails += feed_bad(c, bad, lens[t] + 1, "trailing byte", t);
		fed++;
		/* wrong magic, version, type */
		for (int f = 0; f < 3; f++) {
			memcpy(bad, pk[t], lens[t]);
			bad[f == 0 ? 0 : (f == 1 ? 2 : 3)] ^= f == 2 ? 0x40 : 0x11;
			fails += feed_bad(c, bad, lens[t], "header", t);
			fed++;
		}
	}
	/* list counts larger than the packet, unsorted lists, bad indexes */
	memcpy(bad, pk[3], lens[3]);
	bad[18] = 0xff;                       /* n_proc high byte */
	fails += feed_bad(c, bad, lens[3], "join lists", 3); fed++;
	memcpy(bad, pk[3], lens[3]);
	bad[24] = 3; bad[28] = 1;             /* proc list 3,2,1 */
	fails += feed_bad(c, bad, lens[3], "join lists", 3); fed++;
	memcpy(bad, pk[4], lens[4]);
	bad[TW_HDR_LEN + 8 + TW_RING_LEN + 1] = 7;   /* memb_index > count */
	fails += feed_bad(c, bad, lens[4], "commit index", 4); fed++;
	memcpy(bad, pk[0], lens[0]);
	bad[TW_ORF_FIXED_LEN - 1] = 31;       /* rtr_count > 30 */
	fails += feed_bad(c, bad, lens[0], "rtr count", 0); fed++;
	/* MCAST whose frame lengths do not add up */
	memcpy(buf, frame, 9);
	buf[5] = 200;                         /* entry length beyond the frame */
	m.payload = buf;
	size_t ml = tw_encode_mcast(&m, bad, sizeof(bad));
	fails += feed_bad(c, bad, ml, "mcast frame", 1); fed++;
	/* encapsulated MCAST carrying garbage */
	m.h.flags = TW_FLAG_ENCAP;
	m.payload = pk[2];
	m.payload_len = lens[2];
	ml = tw_encode_mcast(&m, bad, sizeof(bad));
	fails += feed_bad(c, bad, ml, "mcast frame", 1); fed++;
	/* oversized packet */
	memset(buf, 0, sizeof(buf));
	m.h.flags = 0;
	m.payload = buf;
	m.payload_len = 3000;
	ml = tw_encode_mcast(&m, bad, sizeof(bad));
	fails += feed_bad(c, bad, ml, "mcast frame", 1); fed++;

	tc_get_stats(c, &st);
	if (st.rx_bad != fed) {
		printf("FAIL: fed %llu forged packets, %llu counted as bad\n", (unsigned long long)fed,
		       (unsigned long long)st.rx_bad);
		fails++;
	}
	/* wrong transport sender */
	tc_input(c, 1, 5, pk[2], lens[2]);
	tc_get_stats(c, &st);
	if (st.rx_bad_sender != 1) {
		printf("FAIL: sender mismatch not counted\n");
		fails++;
	}
	struct tc_status ss;
	tc_get_status(c, &ss);
	if (ss.state != TC_STATE_GATHER && ss.state != TC_STATE_OPERATIONAL &&
	    ss.state != TC_STATE_COMMIT && ss.state != TC_STATE_RECOVERY) {
		printf("FAIL: core state %u after forged input\n", ss.state);
		fails++;
	}
	tc_destroy(c);
	printf("wire selftest: %llu forged packets dropped and counted (rx_bad=%llu), %s\n",
	       (unsigned long long)fed, (unsigned long long)st.rx_bad, fails ? "FAILED" : "ok");
	return fails ? 1 : 0;
}

static void usage(void)
{
	printf("usage: totem_sim [--scenario NAME|all] [--schedules K] [--nodes N] [--seed S]\n"
	       "                 [-v|-vv] [--digest] [--linger] [--flow W,M] [--selftest-wire] [--list]\n"
	       "  --nodes 0 (default) picks 2..8 nodes per schedule from the seed\n");
}

int main(int argc, char **argv)
{
	const char *scen = "random";
	long long schedules = 1;
	int nodes = 0, verbose = 0, digest_only = 0;
	uint64_t seed = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--scenario") && v) { scen = v; i++; }
		else if (!strcmp(a, "--schedules") && v) { schedules = atoll(v); i++; }
		else if (!strcmp(a, "--nodes") && v) { nodes = atoi(v); i++; }
		else if (!strcmp(a, "--seed") && v) { seed = strtoull(v, NULL, 0); i++; }
		else if (!strcmp(a, "-v")) verbose = 1;
		else if (!strcmp(a, "-vv")) verbose = 2;
		else if (!strcmp(a, "-vvv")) verbose = 3;
		else if (!strcmp(a, "--digest")) digest_only = 1;
		else if (!strcmp(a, "--linger")) linger_on = 1;
		else if (!strcmp(a, "--flow") && v) {
			if (sscanf(v, "%u,%u", &flow_window, &flow_max) != 2 || flow_window == 0 ||
			    flow_max == 0 || flow_window > 1000) {
				fprintf(stderr, "--flow: window_size,max_messages (1..1000, 1..)\n");
				return 2;
			}
			i++;
		}
		else if (!strcmp(a, "--selftest-wire")) return selftest_wire();
		else if (!strcmp(a, "--list")) {
			for (int k = 0; k < K_COUNT; k++)
				printf("%s\n", kind_names[k]);
			return 0;
		} else { usage(); return 2; }
	}
	if (nodes < 0 || nodes > SIM_MAX) {
		printf("--nodes must be 1..%d\n", SIM_MAX);
		return 2;
	}
	int kind = -1;
	for (int k = 0; k < K_COUNT; k++)
		if (!strcmp(scen, kind_names[k]))
			kind = k;
	if (kind < 0 && strcmp(scen, "all") != 0) {
		printf("unknown scenario %s (--list)\n", scen);
		return 2;
	}
	clock_t t0 = clock();
	uint64_t digest = 0, stats[8] = { 0 };
	long long failures = 0;
	for (long long k = 0; k < schedules; k++) {
		int kk = kind >= 0 ? kind : (int)(k % K_COUNT);
		failures += run_schedule(NULL, kk, nodes, seed + (uint64_t)k, verbose, &digest, stats);
		if (failures >= 5)
			break;
	}
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	if (digest_only)
		printf("digest %016llx\n", (unsigned long long)digest);
	printf("%s: %lld schedules of %s from seed %llu, %lld failed; submitted %llu delivered %llu "
	       "confchgs %llu eagain %llu forged %llu events %llu; %.2fs cpu\n",
	       failures ? "FAIL" : "ok", schedules, scen, (unsigned long long)seed, failures,
	       (unsigned long long)stats[1], (unsigned long long)stats[0],
	       (unsigned long long)stats[3], (unsigned long long)stats[4],
	       (unsigned long long)stats[5], (unsigned long long)stats[2], secs);
	if (linger_on)
		printf("token linger: %llu visits kept open, %llu flushes sent on them\n",
		       (unsigned long long)stats[6], (unsigned long long)stats[7]);
	return failures ? 1 : 0;
}
