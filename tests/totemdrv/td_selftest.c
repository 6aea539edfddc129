/*
 * td_selftest.c - libtotemdrv on one node: a core on a udpu transport bound to
 * 127.0.0.1 with no peers forms its ring through td_* alone (own JOINs looped
 * back, the token unicast to self), stops at PERSIST (TD_HELD until
 * td_persist_done), and delivers its own multicasts in order, the records
 * fetched a few at a time (td_more).  Then the same in threaded mode: td's
 * thread forms the ring and passes the token while this thread submits, waits
 * on td_event_fd and takes the records (td_take), makes each PERSIST durable
 * and releases it.  Run under ASan/UBSan by build-asan.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "totem_core.h"
#include "totemnet_c.h"
#include "totemdrv_c.h"

#define CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); exit(1); } } while (0)

#define NMSG 300
#define OUT_MAX 3               /* small on purpose: exercises td_more() */

static struct td *td;
static struct tc_core *core;
static int regular, persists, delivered, held_seen, held_submits, held_delivered;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void fill(uint8_t *p, size_t len, int i)
{
	for (size_t k = 0; k < len; k++)
		p[k] = (uint8_t)(i * 7 + (int)k);
}

static void handle(int n, struct td_record *out);

/* A DELIVER record (others are ignored): the message submitted while held
 * (channel 8), or the next of the numbered ones from origin, in order. */
static void delivery(const struct td_record *r, uint32_t origin, int *held, int *count)
{
	uint8_t want[4096];
	if (r->type != TC_ACT_DELIVER)
		return;
	if (r->channel == 8) {
		CHECK(r->len == 4 && memcmp(r->data, "held", 4) == 0, "held message");
		(*held)++;
		return;
	}
	CHECK(r->node == origin && r->channel == 9, "origin %u channel %u", r->node, r->channel);
	CHECK(r->len == (size_t)(*count * 13) % 3000, "len %zu at %d", r->len, *count);
	fill(want, r->len, *count);
	CHECK(r->len == 0 || memcmp(r->data, want, r->len) == 0, "payload %d", *count);
	(*count)++;
}

static void records(int n, struct td_record *out)
{
	CHECK(n >= 0 || n == TD_HELD, "td call failed: %d", n);
	while (n > 0) {
		handle(n, out);
		if (n < OUT_MAX)
			break;
		n = td_more(td, out, OUT_MAX);
	}
}

static void handle(int n, struct td_record *out)
{
	struct td_record copy[OUT_MAX];
	memcpy(copy, out, (size_t)n * sizeof(*out));
	for (int i = 0; i < n; i++) {
		const struct td_record *r = &copy[i];
		CHECK(r->type != TC_ACT_SEND, "a SEND reached the output");
		if (r->type == TC_ACT_CONFCHG && r->kind == TC_CONF_REGULAR) {
			CHECK(r->n_members == 1 && r->members[0] == 1, "members %zu", r->n_members);
			regular++;
		} else if (r->type == TC_ACT_PERSIST) {
			struct td_record o[OUT_MAX];
			int m;
			CHECK(i == n - 1, "PERSIST is not the last record");
			CHECK(td_more(td, o, OUT_MAX) == 0, "records after PERSIST");
			CHECK(td_held(td) == 1, "not held after PERSIST");
			CHECK(td_poll(td, now_ms(), o, OUT_MAX) == TD_HELD, "poll while held");
			CHECK(td_timeout(td, now_ms(), o, OUT_MAX) == TD_HELD, "timeout while held");
			/* a submit while held reaches the core; its actions wait */
			m = -1;
			CHECK(td_submit(td, now_ms(), 8, (const uint8_t *)"held", 4, 0, o, OUT_MAX, &m) == TC_OK,
			      "submit while held");
			CHECK(m == 0 && td_held(td) == 1, "records or release from a held submit");
			held_submits++;
			held_seen++;
			persists++;
			m = td_persist_done(td, now_ms(), o, OUT_MAX);
			CHECK(td_held(td) == 0 || m >= 1, "still held without a new PERSIST");
			records(m, o);
		} else {
			delivery(r, 1, &held_delivered, &delivered);
		}
	}
}

/* One node alone on a udpu transport on 127.0.0.1: transport and core. */
static struct tc_core *make_node(uint32_t nodeid, int port, struct tn **tn, int linger)
{
	static struct tn_member self = {0, "127.0.0.1"};
	struct tc_config cfg;
	struct tn_config tc;
	struct tc_core *c;
	char err[256];

	memset(&tc, 0, sizeof(tc));
	tc.transport = TN_TRANSPORT_UDPU;
	tc.nodeid = nodeid;
	tc.bindnetaddr = "127.0.0.1";
	tc.mcastport = port;
	tc.members = &self;
	tc.n_members = 1;
	tc.epoch = 1;
	CHECK(tn_create(&tc, tn, err, sizeof(err)) == 0, "tn_create: %s", err);
	tc_config_defaults(&cfg);
	cfg.frame_size = (uint32_t)tn_max_payload(1500, 2, 0);
	cfg.token_linger = (uint32_t)linger;
	c = tc_create(&cfg, nodeid, 0, 42 + nodeid);
	CHECK(c != NULL, "tc_create");
	return c;
}

/* ---- threaded mode ---------------------------------------------------------- */

static int t_regular, t_persists, t_delivered, t_held_delivered;

static void t_handle(struct td *t, const struct td_record *r)
{
	struct td_record o[OUT_MAX];
	CHECK(r->type != TC_ACT_SEND, "a SEND reached the output");
	if (r->type == TC_ACT_CONFCHG && r->kind == TC_CONF_REGULAR) {
		CHECK(r->n_members == 1 && r->members[0] == 2, "members %zu", r->n_members);
		t_regular++;
	} else if (r->type == TC_ACT_PERSIST) {
		int m = -1;
		CHECK(td_held(t) == 1, "not held after PERSIST");
		CHECK(td_poll(t, now_ms(), o, OUT_MAX) == TD_EINVAL, "td_poll in threaded mode");
		CHECK(td_timeout(t, now_ms(), o, OUT_MAX) == TD_EINVAL, "td_timeout in threaded mode");
		CHECK(td_more(t, o, OUT_MAX) == TD_EINVAL, "td_more in threaded mode");
		CHECK(td_submit(t, now_ms(), 8, (const uint8_t *)"held", 4, 0, o, OUT_MAX, &m) == TC_OK,
		      "submit while held");
		CHECK(m == 0, "records from a threaded submit");
		t_persists++;
		CHECK(td_persist_done(t, now_ms(), o, OUT_MAX) == 0, "threaded persist_done returned records");
	} else {
		delivery(r, 2, &t_held_delivered, &t_delivered);
	}
}

/* Take every waiting record (a copy of each batch first: they stay valid only
 * until the next td_take, and handling one may call td again). */
static void t_take(struct td *t)
{
	struct td_record out[OUT_MAX], copy[OUT_MAX];
	int n;
	do {
		n = td_take(t, out, OUT_MAX);
		CHECK(n >= 0, "td_take: %d", n);
		memcpy(copy, out, (size_t)n * sizeof(*out));
		for (int i = 0; i < n; i++) {
			uint8_t data[4096];
			struct td_record r = copy[i];
			if (r.data != NULL) {       /* keep the payload past the next td_take */
				CHECK(r.len <= sizeof(data), "record of %zu bytes", r.len);
				memcpy(data, r.data, r.len);
				r.data = data;
			}
			t_handle(t, &r);
		}
	} while (n == OUT_MAX);
}

static void threaded(void)
{
	struct tn *tn = NULL;
	struct tc_core *c = make_node(2, 20003 + (int)(getpid() % 20000) * 2, &tn, 1);
	struct td *t;
	struct td_stats st;
	struct tc_stats cs;
	uint8_t msg[4096];
	int rc, submitted = 0, efd, batch = 0;
	uint64_t end;

	t = td_create(c, tn, 2);
	CHECK(t != NULL, "td_create");
	td_set_linger_us(t, 300);       /* token linger: flushes and the thread's release */
	td_set_rx_coalesce_us(t, 200);  /* udpu, one socket: nothing is coalesced */
	CHECK(td_event_fd(t) == -1, "event fd before the thread");
	tc_start(c, now_ms());          /* before the thread: then only td calls the core */
	CHECK(td_thread_start(t) == 0, "td_thread_start");
	CHECK(td_thread_start(t) == -EALREADY, "second td_thread_start");
	efd = td_event_fd(t);
	CHECK(efd >= 0, "no event fd");
	CHECK(td_pump(t, now_ms(), NULL, 0) == 0, "threaded pump returned records");

	end = now_ms() + 10000;
	while (now_ms() < end && (t_regular == 0 || t_delivered < NMSG || t_held_delivered < t_persists)) {
		struct pollfd p = {.fd = efd, .events = POLLIN};
		uint64_t v;
		if (t_regular > 0) {
			int open = 0;
			for (int k = 0; k < 20 && submitted < NMSG; k++) {
				size_t len = (size_t)(submitted * 13) % 3000;
				int got = -1;
				fill(msg, len, submitted);
				rc = td_submit(t, now_ms(), 9, msg, len, submitted % 2, NULL, 0, &got);
				if (rc == TC_EAGAIN)
					break;
				/* no records in threaded mode: got says whether a visit is open */
				CHECK(rc == TC_OK && (got == 0 || got == 1), "threaded submit %d (%d)", rc, got);
				open |= got;
				submitted++;
			}
			/* every other batch sent on an open visit is flushed; the others
			 * wait for the thread */
			if (open && batch++ % 2 == 0) {
				rc = td_flush(t, now_ms(), NULL, 0);
				CHECK(rc == 0 || rc == 1, "threaded flush: %d", rc);
				if (rc == 1)
					t_take(t);      /* not announced on the eventfd: ours */
			}
		}
		if (poll(&p, 1, 50) > 0)
			CHECK(read(efd, &v, sizeof(v)) == (ssize_t)sizeof(v), "event fd read");
		t_take(t);
	}
	CHECK(t_regular >= 1, "threaded: no regular configuration");
	CHECK(t_persists >= 1, "threaded: no PERSIST seen");
	CHECK(t_delivered == NMSG, "threaded: delivered %d of %d", t_delivered, NMSG);
	CHECK(t_held_delivered == t_persists, "threaded: held submits %d, delivered %d", t_persists,
	      t_held_delivered);
	td_get_stats(t, &st);
	CHECK(st.loopbacks > 0 && st.persists == (uint64_t)t_persists, "threaded stats");
	CHECK(td_leave(t, now_ms(), NULL, 0) == 0, "threaded leave");
	td_thread_stop(t);
	CHECK(td_event_fd(t) == -1, "event fd after the thread");
	tc_get_stats(c, &cs);
	CHECK(cs.tokens_lingered > 0 && cs.linger_submits > 0, "threaded: token linger unused (%llu kept, %llu sent on)",
	      (unsigned long long)cs.tokens_lingered, (unsigned long long)cs.linger_submits);
	td_destroy(t);
	tc_destroy(c);
	tn_destroy(tn);
	printf("threaded: ring formed, %d persist(s), %d messages delivered, %llu visits kept open, %llu flushes sent on them\n",
	       t_persists, t_delivered, (unsigned long long)cs.tokens_lingered,
	       (unsigned long long)cs.linger_submits);
}

int main(void)
{
	struct tn *tn = NULL;
	struct td_record out[OUT_MAX];
	struct td_stats st;
	int fds[4], nfds, submitted = 0, rc, n;
	uint8_t msg[4096];
	uint64_t end;

	core = make_node(1, 20000 + (int)(getpid() % 20000) * 2, &tn, 0);
	CHECK(td_create(core, tn, 0) == NULL, "node id 0 accepted");
	td = td_create(core, tn, 1);
	CHECK(td != NULL, "td_create");
	nfds = tn_fds(tn, fds, 4);
	CHECK(nfds >= 1, "no fds");

	tc_start(core, now_ms());
	records(td_pump(td, now_ms(), out, OUT_MAX), out);
	end = now_ms() + 10000;
	while (now_ms() < end && (regular == 0 || delivered < NMSG || held_delivered < held_submits)) {
		struct pollfd p[4];
		uint64_t dl = td_next_deadline(td), t = now_ms();
		int wait = dl <= t ? 0 : (dl - t > 50 ? 50 : (int)(dl - t));
		if (regular > 0 && submitted < NMSG) {
			for (int k = 0; k < 20 && submitted < NMSG; k++) {
				size_t len = (size_t)(submitted * 13) % 3000;
				int got = 0;
				fill(msg, len, submitted);
				rc = td_submit(td, now_ms(), 9, msg, len, submitted % 2, out, OUT_MAX, &got);
				if (rc == TC_EAGAIN)
					break;
				CHECK(rc == TC_OK, "submit %d", rc);
				submitted++;
				records(got, out);
			}
		}
		for (int k = 0; k < nfds; k++) {
			p[k].fd = fds[k];
			p[k].events = POLLIN;
		}
		poll(p, (nfds_t)nfds, wait);
		records(td_poll(td, now_ms(), out, OUT_MAX), out);
		if (td_next_deadline(td) <= now_ms())
			records(td_timeout(td, now_ms(), out, OUT_MAX), out);
	}
	CHECK(regular >= 1, "no regular configuration");
	CHECK(persists >= 1 && held_seen == persists, "no PERSIST seen");
	CHECK(delivered == NMSG, "delivered %d of %d", delivered, NMSG);
	CHECK(held_delivered == held_submits, "held submits %d, delivered %d", held_submits, held_delivered);
	td_get_stats(td, &st);
	CHECK(st.loopbacks > 0 && st.persists == (uint64_t)persists, "stats");

	tc_leave(core, now_ms());
	n = td_pump(td, now_ms(), out, OUT_MAX);
	records(n, out);
	td_destroy(td);
	tc_destroy(core);
	tn_destroy(tn);
	printf("ring formed, %d persist(s), %d messages delivered, %llu loopbacks\n",
	       persists, delivered, (unsigned long long)st.loopbacks);
	threaded();
	printf("all checks passed\n");
	return 0;
}
