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

#include "td_internal.h"

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
void td_put(struct td *td, struct vec *dst, struct arena *da, const struct td_record *r,
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

const uint8_t *td_at(const struct arena *a, size_t off)
{
	return off == NO_OFF ? NULL : a->buf + off;
}

const uint32_t *td_at32(const struct arena *a, size_t off)
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
			td_put(td, &td->q, &td->qa, &r, a->data,
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
	tc_input(td->core, now, td->me, td_at(&td->qa, data_off), len);
	td->st.loopbacks++;
	collect(td);
}

/* Execute the queue from its head until it is empty or a PERSIST holds it.
 * Sends are copied to the outbox, in order (td_unlock sends them, before the
 * records that follow them can be taken); own multicasts and unicasts to
 * ourselves go straight back into the core. */
static void run(struct td *td, uint64_t now)
{
	while (!td->held && td->q.head < td->q.n) {
		struct ent e = td->q.v[td->q.head++];  /* a copy: the vector may move */
		if (e.r.type == TC_ACT_SEND) {
			if (e.r.kind == TC_DEST_UNICAST && e.r.node == td->me) {
				loopback(td, now, e.data_off, e.r.len);
				continue;
			}
			td_put(td, &td->ob, &td->oba, &e.r, td_at(&td->qa, e.data_off), NULL, NULL, NULL);
			if (e.r.kind == TC_DEST_UNICAST) {
				td->st.tx_unicast++;
			} else {
				td->st.tx_mcast++;
				loopback(td, now, e.data_off, e.r.len);
			}
			continue;
		}
		if (e.r.type < 32 && (td->mask & (UINT32_C(1) << e.r.type))) {
			td_put(td, &td->o, &td->oa, &e.r, td_at(&td->qa, e.data_off),
			    td_at32(&td->qa, e.m_off), td_at32(&td->qa, e.l_off), td_at32(&td->qa, e.j_off));
			td->st.records++;
		}
		if (e.r.type == TC_ACT_PERSIST) {
			td->held = 1;
			td->st.persists++;
			if (!(td->mask & (UINT32_C(1) << TC_ACT_PERSIST))) {
				/* the caller must see it to release us */
				td_put(td, &td->o, &td->oa, &e.r, NULL, NULL, NULL, NULL);
				td->st.records++;
			}
		}
	}
	if (td->q.head == td->q.n) {
		td->q.head = td->q.n = 0;
		td->qa.len = 0;
	}
}

/* Start of a call that produces records: forget the ones handed out (in
 * threaded mode the records pile up for td_take(), which does the forgetting). */
static void begin(struct td *td)
{
	if (!td->threaded && td->o.head >= td->o.n) {
		td->o.head = td->o.n = 0;
		td->oa.len = 0;
	}
}

/* Hand out records of vector v (pointers into arena a). */
int td_hand_out(struct vec *v, const struct arena *a, struct td_record *out, int max_out)
{
	int n = 0;
	while (n < max_out && v->head < v->n) {
		const struct ent *e = &v->v[v->head++];
		out[n] = e->r;
		out[n].data = td_at(a, e->data_off);
		out[n].members = td_at32(a, e->m_off);
		out[n].left = td_at32(a, e->l_off);
		out[n].joined = td_at32(a, e->j_off);
		n++;
	}
	return n;
}

int td_more(struct td *td, struct td_record *out, int max_out)
{
	int n;
	if (td == NULL || max_out < 0 || (out == NULL && max_out > 0))
		return TD_EINVAL;
	pthread_mutex_lock(&td->lock);
	n = td->threaded ? TD_EINVAL : td_hand_out(&td->o, &td->oa, out, max_out);
	td_unlock(td);
	return n;
}

/* End of a call: its records (threaded: announced to the event loop, handed
 * out by td_take), and a wake-up for the thread if its inputs changed.  The
 * caller holds the lock. */
static int finish(struct td *td, struct td_record *out, int max_out)
{
	if (td->threaded) {
		td_notify(td);
		td_wake_if_needed(td);
		return 0;       /* td_take reports an allocation failure */
	}
	if (td->nomem) {
		td->nomem = 0;
		return TD_ENOMEM;
	}
	return td_hand_out(&td->o, &td->oa, out, max_out);
}

/* The time a call runs at: the caller's, or in threaded mode the clock read
 * under the lock (so the core never sees time run backwards between threads). */
static uint64_t call_time(const struct td *td, uint64_t now_ms)
{
	return td->threaded ? td_clock_ms() : now_ms;
}

/* ---- execution entry points (the caller holds the lock) ------------------- */

/* Feed up to rounds batches of received packets to the core, running the
 * actions after each packet, and whatever waits in the transport itself (a
 * run of datagrams that came as one message: polling its sockets would not
 * see the rest; once held, it waits for td_persist_done).  A batch that was
 * full may leave more in the sockets: their poll shows it. */
void td_exec_poll(struct td *td, uint64_t now_ms, int rounds)
{
	int round, n, pending;
	td->st.polls++;
	if (td->tn == NULL)
		return;
	for (round = 0;; round++) {
		pthread_mutex_lock(&td->io);
		n = tn_recv(td->tn, td->rx, TD_RX_BATCH);
		pending = tn_rx_pending(td->tn);
		pthread_mutex_unlock(&td->io);
		if (n <= 0)
			return;
		td_exec_input(td, now_ms, n);
		if (td->held || (!pending && (n < TD_RX_BATCH || round + 1 >= rounds)))
			return;
	}
}

/* Feed received packets td->rx[0..n) to the core, running the actions after
 * each (once held, they are only queued).  The rx data stays valid until the
 * next tn_recv, which only the polling side calls. */
void td_exec_input(struct td *td, uint64_t now_ms, int n)
{
	for (int i = 0; i < n; i++) {
		tc_input(td->core, now_ms, td->rx[i].nodeid, td->rx[i].data, td->rx[i].len);
		td->st.rx_packets++;
		collect(td);
		run(td, now_ms);
	}
}

void td_exec_timeout(struct td *td, uint64_t now_ms)
{
	tc_timeout(td->core, now_ms);
	collect(td);
	run(td, now_ms);
}

void td_exec_linger(struct td *td, uint64_t now_ms)
{
	tc_linger_release(td->core, now_ms);
	collect(td);
	run(td, now_ms);
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
	if (pthread_mutex_init(&td->lock, NULL) != 0) {
		free(td);
		return NULL;
	}
	if (pthread_mutex_init(&td->io, NULL) != 0) {
		pthread_mutex_destroy(&td->lock);
		free(td);
		return NULL;
	}
	td->core = core;
	td->tn = tn;
	td->me = my_nodeid;
	td->mask = TD_MASK_DEFAULT;
	td->event_fd = td->wake_fd = -1;
	return td;
}

void td_destroy(struct td *td)
{
	if (td == NULL)
		return;
	td_thread_stop(td);
	pthread_mutex_destroy(&td->lock);
	free(td->q.v);
	free(td->qa.buf);
	free(td->o.v);
	free(td->oa.buf);
	free(td->r.v);
	free(td->ra.buf);
	free(td->ob.v);
	free(td->oba.buf);
	free(td->sb.v);
	free(td->sba.buf);
	pthread_mutex_destroy(&td->io);
	free(td);
}

void td_set_output_mask(struct td *td, uint32_t mask)
{
	pthread_mutex_lock(&td->lock);
	td->mask = mask & ~(UINT32_C(1) << TC_ACT_SEND);
	td_unlock(td);
}

/* td_poll and td_timeout: the caller's own loop feeds the core (non-threaded). */
static int input_call(struct td *td, uint64_t now_ms, struct td_record *out, int max_out, int timers)
{
	int rc;
	pthread_mutex_lock(&td->lock);
	if (td->threaded) {
		rc = TD_EINVAL;         /* the thread polls and runs the timers */
	} else if (td->held) {
		td->st.held_refusals++;
		rc = TD_HELD;
	} else {
		begin(td);
		if (timers)
			td_exec_timeout(td, now_ms);
		else
			td_exec_poll(td, now_ms, TD_POLL_ROUNDS);
		rc = finish(td, out, max_out);
	}
	td_unlock(td);
	return rc;
}

int td_poll(struct td *td, uint64_t now_ms, struct td_record *out, int max_out)
{
	return input_call(td, now_ms, out, max_out, 0);
}

int td_timeout(struct td *td, uint64_t now_ms, struct td_record *out, int max_out)
{
	return input_call(td, now_ms, out, max_out, 1);
}

int td_submit(struct td *td, uint64_t now_ms, uint8_t channel, const uint8_t *msg,
              size_t len, int safe, struct td_record *out, int max_out, int *n_out)
{
	int rc, n;
	pthread_mutex_lock(&td->lock);
	now_ms = call_time(td, now_ms);
	begin(td);
	rc = tc_submit(td->core, now_ms, channel, msg, len, safe);
	collect(td);
	run(td, now_ms);
	n = finish(td, out, max_out);
	if (td->threaded && n == 0)
		n = !td->held && tc_lingering(td->core) != 0;
	td_unlock(td);
	if (n_out != NULL)
		*n_out = n < 0 ? 0 : n;
	return rc;
}

/* After a direct core call (or none): collect and run its actions. */
enum pump_what { PUMP_ONLY, PUMP_LEAVE, PUMP_FLUSH };

static int pump_call(struct td *td, uint64_t now_ms, struct td_record *out, int max_out,
                     enum pump_what what)
{
	int rc;
	pthread_mutex_lock(&td->lock);
	now_ms = call_time(td, now_ms);
	begin(td);
	if (what == PUMP_LEAVE)
		tc_leave(td->core, now_ms);
	else if (what == PUMP_FLUSH && !td->held)
		tc_linger_flush(td->core, now_ms);
	collect(td);
	if (td->held && !td->threaded) {
		rc = td->nomem ? finish(td, out, max_out) : TD_HELD;
	} else if (what == PUMP_FLUSH && td->threaded) {
		/* the event loop takes the records itself, right after: no eventfd
		 * round trip through its poller (td_take still waits for the sends) */
		run(td, now_ms);
		td_wake_if_needed(td);
		rc = td->o.n - td->o.head + td->r.n - td->r.head > 0;
	} else {
		run(td, now_ms);
		rc = finish(td, out, max_out);
	}
	td_unlock(td);
	return rc;
}

int td_pump(struct td *td, uint64_t now_ms, struct td_record *out, int max_out)
{
	return pump_call(td, now_ms, out, max_out, PUMP_ONLY);
}

int td_leave(struct td *td, uint64_t now_ms, struct td_record *out, int max_out)
{
	return pump_call(td, now_ms, out, max_out, PUMP_LEAVE);
}

int td_flush(struct td *td, uint64_t now_ms, struct td_record *out, int max_out)
{
	return pump_call(td, now_ms, out, max_out, PUMP_FLUSH);
}

/* tn_iface_check() and, on a change, tc_link_state (the caller holds the
 * lock and no rx data is outstanding: tn_iface_check may reopen the sockets). */
int td_exec_iface(struct td *td, uint64_t now_ms, int *isolated)
{
	int rc = TN_IFACE_UNCHANGED;
	struct tn_info info;
	if (td->tn == NULL)
		return rc;
	pthread_mutex_lock(&td->io);
	rc = tn_iface_check(td->tn);
	if (rc == TN_IFACE_CHANGED)
		tn_get_info(td->tn, &info);
	pthread_mutex_unlock(&td->io);
	if (rc != TN_IFACE_CHANGED)
		return rc;
	*isolated = info.isolated ? 1 : 0;
	td->fds_changed = 1;
	tc_link_state(td->core, now_ms, *isolated);
	collect(td);
	run(td, now_ms);
	return rc;
}

int td_iface_check(struct td *td, uint64_t now_ms, int *isolated)
{
	int rc = TN_IFACE_UNCHANGED, iso = 0;
	pthread_mutex_lock(&td->lock);
	if (td->threaded) {
		/* the thread checks between two receive batches and reports a
		 * change as a TD_REC_IFACE record */
		td->iface_req = 1;
		td->fds_changed = 1;    /* wakes it */
		finish(td, NULL, 0);
	} else {
		begin(td);
		rc = td_exec_iface(td, now_ms, &iso);
		if (rc == TN_IFACE_CHANGED && isolated != NULL)
			*isolated = iso;
		/* the records: td_pump */
	}
	td_unlock(td);
	return rc;
}

int td_persist_done(struct td *td, uint64_t now_ms, struct td_record *out, int max_out)
{
	int rc;
	pthread_mutex_lock(&td->lock);
	now_ms = call_time(td, now_ms);
	begin(td);
	td->held = 0;
	run(td, now_ms);
	/* what the transport kept back while held (the rest of a GRO run): no
	 * poll of its sockets would show it (threaded: the woken thread takes it) */
	if (!td->threaded && !td->held && td->tn != NULL && tn_rx_pending(td->tn))
		td_exec_poll(td, now_ms, TD_POLL_ROUNDS);
	rc = finish(td, out, max_out);
	td_unlock(td);
	return rc;
}

int td_held(struct td *td)
{
	int held;
	pthread_mutex_lock(&td->lock);
	held = td->held;
	td_unlock(td);
	return held;
}

uint64_t td_next_deadline(struct td *td)
{
	uint64_t d;
	pthread_mutex_lock(&td->lock);
	d = tc_next_deadline(td->core);
	td_unlock(td);
	return d;
}

void td_get_stats(struct td *td, struct td_stats *out)
{
	pthread_mutex_lock(&td->lock);
	*out = td->st;
	td_unlock(td);
}
