/*
 * td.c - libtotemdrv: the driver's hot loop in C (totemdrv.h, README.md).
 *
 * Everything the core asks for goes through one FIFO of copied actions (the
 * queue): a core call is always followed by copying all its actions to the
 * queue's tail, and the queue is executed from its head, strictly in order.
 * Looping an own multicast back is another core call, so its actions land
 * behind whatever of the earlier batch is still queued: the same order as a
 * driver that copies every batch into a FIFO before executing it.
 *
 * Executing an entry: SEND goes to the transport (and back into the core when
 * it is our own); any other type is copied into the output (records) if the
 * mask wants it.  PERSIST is output and then stops execution (held) until
 * td_persist_done(); the queue keeps whatever follows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "totem_core.h"
#include "totemnet_c.h"
#include "totemdrv_c.h"

#define TD_ACT_BATCH 64
#define TD_RX_BATCH 64
#define TD_TX_BATCH 64          /* multicasts handed to the transport in one call */
#define TD_POLL_ROUNDS 16       /* tn_recv batches per td_poll at most */
#define NO_OFF ((size_t)-1)

/* a byte arena that grows; entries refer to it by offset */
struct arena {
	uint8_t *buf;
	size_t len;
	size_t cap;
};

/* one queued action or one output record: offsets into their arena */
struct ent {
	struct td_record r;     /* pointers unset until handed out */
	size_t data_off;
	size_t m_off, l_off, j_off;
};

struct vec {
	struct ent *v;
	size_t head;            /* queue: next to execute; output: next to hand out */
	size_t n;
	size_t cap;
};

struct td {
	struct tc_core *core;
	struct tn *tn;
	uint32_t me;
	uint32_t mask;
	int held;
	int nomem;              /* an allocation failed: report once */
	struct vec q;           /* actions not yet executed */
	struct arena qa;
	struct vec o;           /* records produced, not yet handed out */
	struct arena oa;
	struct td_stats st;
	struct tc_action acts[TD_ACT_BATCH];
	struct tn_rx rx[TD_RX_BATCH];
	/* multicasts executed but not yet sent: one sendmmsg for a token visit's frames.
	 * Their data stays in the queue arena (offsets: collect() may move it). */
	struct tn_tx tx[TD_TX_BATCH];
	size_t tx_off[TD_TX_BATCH];
	int ntx;
};

/* ---- storage -------------------------------------------------------------- */

static size_t arena_put(struct td *td, struct arena *a, const void *p, size_t len)
{
	size_t off = (a->len + 7u) & ~(size_t)7u;
	if (off + len > a->cap) {
		size_t cap = a->cap ? a->cap : 65536;
		uint8_t *nb;
		while (cap < off + len)
			cap *= 2;
		nb = realloc(a->buf, cap);
		if (nb == NULL) {
			td->nomem = 1;
			return NO_OFF;
		}
		a->buf = nb;
		a->cap = cap;
	}
	if (len > 0)
		memcpy(a->buf + off, p, len);
	a->len = off + len;
	return off;
}

static struct ent *vec_push(struct td *td, struct vec *v)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 256;
		struct ent *nv = realloc(v->v, cap * sizeof(*nv));
		if (nv == NULL) {
			td->nomem = 1;
			return NULL;
		}
		v->v = nv;
		v->cap = cap;
	}
	return &v->v[v->n++];
}

/* Copy one action (pointers taken from src/its arena) into vector dst. */
static void put(struct td *td, struct vec *dst, struct arena *da, const struct td_record *r,
                const uint8_t *data, const uint32_t *m, const uint32_t *l, const uint32_t *j)
{
	struct ent *e = vec_push(td, dst);
	if (e == NULL)
		return;
	e->r = *r;
	e->r.data = NULL;
	e->r.members = e->r.left = e->r.joined = NULL;
	e->data_off = e->m_off = e->l_off = e->j_off = NO_OFF;
	if (data != NULL && r->len > 0)
		e->data_off = arena_put(td, da, data, r->len);
	if (m != NULL) {
		e->m_off = arena_put(td, da, m, r->n_members * sizeof(uint32_t));
		e->l_off = arena_put(td, da, l, r->n_left * sizeof(uint32_t));
		e->j_off = arena_put(td, da, j, r->n_joined * sizeof(uint32_t));
	}
	if (td->nomem)
		dst->n--;       /* drop the half-made entry */
}

static const uint8_t *at(const struct arena *a, size_t off)
{
	return off == NO_OFF ? NULL : a->buf + off;
}

static const uint32_t *at32(const struct arena *a, size_t off)
{
	return off == NO_OFF ? NULL : (const uint32_t *)(const void *)(a->buf + off);
}

/* Copy every pending action of the core to the queue's tail. */
static void collect(struct td *td)
{
	size_t n, i;
	do {
		n = tc_actions(td->core, td->acts, TD_ACT_BATCH);
		for (i = 0; i < n; i++) {
			const struct tc_action *a = &td->acts[i];
			struct td_record r;
			int lists = a->type == TC_ACT_CONFCHG;
			memset(&r, 0, sizeof(r));
			r.type = a->type;
			r.kind = a->kind;
			r.node = a->node;
			r.channel = a->channel;
			r.safe = a->safe;
			r.code = a->code;
			r.ring_seq = a->ring.seq;
			r.ring_rep = a->ring.rep;
			r.seq = a->seq;
			r.arg = a->arg;
			r.arg2 = a->arg2;
			r.len = a->data != NULL ? a->len : 0;
			if (lists) {
				r.n_members = a->members != NULL ? a->n_members : 0;
				r.n_left = a->left != NULL ? a->n_left : 0;
				r.n_joined = a->joined != NULL ? a->n_joined : 0;
			}
			put(td, &td->q, &td->qa, &r, a->data,
			    lists ? a->members : NULL, lists ? a->left : NULL,
			    lists ? a->joined : NULL);
		}
	} while (n == TD_ACT_BATCH);
	if (td->q.n - td->q.head > td->st.queue_peak)
		td->st.queue_peak = td->q.n - td->q.head;
}

/* ---- execution ------------------------------------------------------------ */

static void loopback(struct td *td, uint64_t now, size_t data_off, size_t len)
{
	/* the packet lives in the queue arena, which collect() may move: the
	 * core is done with it when tc_input returns */
	tc_input(td->core, now, td->me, at(&td->qa, data_off), len);
	td->st.loopbacks++;
	collect(td);
}

/* Send the multicasts executed so far, in order, with one transport call. */
static void flush_tx(struct td *td)
{
	if (td->ntx == 0)
		return;
	for (int i = 0; i < td->ntx; i++)
		td->tx[i].data = at(&td->qa, td->tx_off[i]);
	if (td->tn != NULL)
		tn_send_batch(td->tn, td->tx, td->ntx, NULL);
	td->ntx = 0;
}

/* Execute the queue from its head until it is empty or a PERSIST holds it.
 * Multicasts are batched: a token for another node sends them first (it must
 * not overtake them), and they all leave before run() returns (records reach
 * the caller only after that, and a PERSIST stops the loop). */
static void run(struct td *td, uint64_t now)
{
	while (!td->held && td->q.head < td->q.n) {
		struct ent e = td->q.v[td->q.head++];  /* a copy: the vector may move */
		if (e.r.type == TC_ACT_SEND) {
			if (e.r.kind == TC_DEST_UNICAST && e.r.node != td->me) {
				flush_tx(td);
				if (td->tn != NULL)
					tn_send_unicast(td->tn, e.r.node, at(&td->qa, e.data_off), e.r.len);
				td->st.tx_unicast++;
			} else if (e.r.kind == TC_DEST_UNICAST) {
				loopback(td, now, e.data_off, e.r.len);
			} else {
				if (td->ntx == TD_TX_BATCH)
					flush_tx(td);
				td->tx[td->ntx] = (struct tn_tx){ .len = e.r.len, .dest = TN_DEST_MCAST,
					.flags = e.r.kind == TC_DEST_MCAST_FLUSH ? TN_TX_FLUSH : 0 };
				td->tx_off[td->ntx++] = e.data_off;
				td->st.tx_mcast++;
				loopback(td, now, e.data_off, e.r.len);
			}
			continue;
		}
		if (e.r.type < 32 && (td->mask & (UINT32_C(1) << e.r.type))) {
			put(td, &td->o, &td->oa, &e.r, at(&td->qa, e.data_off),
			    at32(&td->qa, e.m_off), at32(&td->qa, e.l_off), at32(&td->qa, e.j_off));
			td->st.records++;
		}
		if (e.r.type == TC_ACT_PERSIST) {
			td->held = 1;
			td->st.persists++;
			if (!(td->mask & (UINT32_C(1) << TC_ACT_PERSIST))) {
				/* the caller must see it to release us */
				put(td, &td->o, &td->oa, &e.r, NULL, NULL, NULL, NULL);
				td->st.records++;
			}
		}
	}
	flush_tx(td);   /* before the arena is reused */
	if (td->q.head == td->q.n) {
		td->q.head = td->q.n = 0;
		td->qa.len = 0;
	}
}

/* Start of a call that produces records: forget the ones handed out. */
static void begin(struct td *td)
{
	if (td->o.head >= td->o.n) {
		td->o.head = td->o.n = 0;
		td->oa.len = 0;
	}
}

int td_more(struct td *td, struct td_record *out, int max_out)
{
	int n = 0;
	if (td == NULL || max_out < 0 || (out == NULL && max_out > 0))
		return TD_EINVAL;
	while (n < max_out && td->o.head < td->o.n) {
		const struct ent *e = &td->o.v[td->o.head++];
		out[n] = e->r;
		out[n].data = at(&td->oa, e->data_off);
		out[n].members = at32(&td->oa, e->m_off);
		out[n].left = at32(&td->oa, e->l_off);
		out[n].joined = at32(&td->oa, e->j_off);
		n++;
	}
	return n;
}

static int finish(struct td *td, struct td_record *out, int max_out)
{
	if (td->nomem) {
		td->nomem = 0;
		return TD_ENOMEM;
	}
	return td_more(td, out, max_out);
}

/* ---- API ------------------------------------------------------------------ */

struct td *td_create(struct tc_core *core, struct tn *tn, uint32_t my_nodeid)
{
	struct td *td;
	if (core == NULL || my_nodeid == 0)
		return NULL;
	td = calloc(1, sizeof(*td));
	if (td == NULL)
		return NULL;
	td->core = core;
	td->tn = tn;
	td->me = my_nodeid;
	td->mask = TD_MASK_DEFAULT;
	return td;
}

void td_destroy(struct td *td)
{
	if (td == NULL)
		return;
	free(td->q.v);
	free(td->qa.buf);
	free(td->o.v);
	free(td->oa.buf);
	free(td);
}

void td_set_output_mask(struct td *td, uint32_t mask)
{
	td->mask = mask & ~(UINT32_C(1) << TC_ACT_SEND);
}

int td_poll(struct td *td, uint64_t now_ms, struct td_record *out, int max_out)
{
	int round;
	if (td->held) {
		td->st.held_refusals++;
		return TD_HELD;
	}
	begin(td);
	td->st.polls++;
	if (td->tn == NULL)
		return finish(td, out, max_out);
	for (round = 0; round < TD_POLL_ROUNDS; round++) {
		int i, n = tn_recv(td->tn, td->rx, TD_RX_BATCH);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			/* rx data stays valid across sends; only tn_recv reuses it */
			tc_input(td->core, now_ms, td->rx[i].nodeid, td->rx[i].data, td->rx[i].len);
			td->st.rx_packets++;
			collect(td);
			run(td, now_ms);    /* once held: only queues */
		}
		if (n < TD_RX_BATCH || td->held)
			break;
	}
	return finish(td, out, max_out);
}

int td_timeout(struct td *td, uint64_t now_ms, struct td_record *out, int max_out)
{
	if (td->held) {
		td->st.held_refusals++;
		return TD_HELD;
	}
	begin(td);
	tc_timeout(td->core, now_ms);
	collect(td);
	run(td, now_ms);
	return finish(td, out, max_out);
}

int td_submit(struct td *td, uint64_t now_ms, uint8_t channel, const uint8_t *msg,
              size_t len, int safe, struct td_record *out, int max_out, int *n_out)
{
	int rc, n;
	begin(td);
	rc = tc_submit(td->core, now_ms, channel, msg, len, safe);
	collect(td);
	run(td, now_ms);
	n = finish(td, out, max_out);
	if (n_out != NULL)
		*n_out = n < 0 ? 0 : n;
	return rc;
}

int td_pump(struct td *td, uint64_t now_ms, struct td_record *out, int max_out)
{
	begin(td);
	collect(td);
	if (td->held)
		return td->nomem ? finish(td, out, max_out) : TD_HELD;
	run(td, now_ms);
	return finish(td, out, max_out);
}

int td_persist_done(struct td *td, uint64_t now_ms, struct td_record *out, int max_out)
{
	begin(td);
	td->held = 0;
	run(td, now_ms);
	return finish(td, out, max_out);
}

int td_held(const struct td *td)
{
	return td->held;
}

uint64_t td_next_deadline(const struct td *td)
{
	return tc_next_deadline(td->core);
}

void td_get_stats(const struct td *td, struct td_stats *out)
{
	*out = td->st;
}
