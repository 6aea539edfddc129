/*
 * td_selftest.c - libtotemdrv on one node: a core on a udpu transport bound to
 * 127.0.0.1 with no peers forms its ring through td_* alone (own JOINs looped
 * back, the token unicast to self), stops at PERSIST (TD_HELD until
 * td_persist_done), and delivers its own multicasts in order, the records
 * fetched a few at a time (td_more).  Run under ASan/UBSan by build-asan.
 */
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
	uint8_t want[4096];
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
		} else if (r->type == TC_ACT_DELIVER && r->channel == 8) {
			CHECK(r->len == 4 && memcmp(r->data, "held", 4) == 0, "held message");
			held_delivered++;
		} else if (r->type == TC_ACT_DELIVER) {
			CHECK(r->node == 1 && r->channel == 9, "origin %u channel %u", r->node, r->channel);
			CHECK(r->len == (size_t)(delivered * 13) % 3000, "len %zu at %d", r->len, delivered);
			fill(want, r->len, delivered);
			CHECK(r->len == 0 || memcmp(r->data, want, r->len) == 0, "payload %d", delivered);
			delivered++;
		}
	}
}

int main(void)
{
	struct tc_config cfg;
	struct tn_config tc;
	struct tn_member self = {0, "127.0.0.1"};
	struct tn *tn = NULL;
	struct td_record out[OUT_MAX];
	struct td_stats st;
	char err[256];
	int fds[4], nfds, submitted = 0, rc, n;
	uint8_t msg[4096];
	uint64_t end;

	memset(&tc, 0, sizeof(tc));
	tc.transport = TN_TRANSPORT_UDPU;
	tc.nodeid = 1;
	tc.bindnetaddr = "127.0.0.1";
	tc.mcastport = 20000 + (int)(getpid() % 20000) * 2;
	tc.members = &self;
	tc.n_members = 1;
	tc.epoch = 1;
	rc = tn_create(&tc, &tn, err, sizeof(err));
	CHECK(rc == 0, "tn_create: %s", err);
	tc_config_defaults(&cfg);
	cfg.frame_size = (uint32_t)tn_max_payload(1500, 2, 0);
	core = tc_create(&cfg, 1, 0, 42);
	CHECK(core != NULL, "tc_create");
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
	printf("all checks passed: ring formed, %d persist(s), %d messages delivered, %llu loopbacks\n",
	       persists, delivered, (unsigned long long)st.loopbacks);
	return 0;
}
