/*
 * td_send.c - the outbox: the core's sends leave in order, outside td's lock.
 *
 * run() copies every SEND for the network into the outbox (td->ob), under td's
 * lock.  td_unlock() ends every locked section: if the outbox holds anything
 * it takes the transport lock (io) while still holding td's lock, swaps the
 * outbox with the sending box (td->sb), releases td's lock and sends the
 * sending box, in order, before releasing io.  So sends leave in exactly the
 * order the core produced them whichever thread runs the core, the core is
 * free for the other thread while the packets go out, and the transport is
 * only ever used under io.  td_take() takes io after td's lock, so the records
 * it hands out never overtake the sends that preceded them.
 */
#include "td_internal.h"

/* Send box sb (the caller holds io), in order, with as few transport calls as
 * possible: multicasts and unicasts (a token behind the frames of its visit)
 * go in one tn_send_batch, which keeps their order in one sendmmsg (and
 * coalesces the multicast runs with UDP GSO).  The token leaving right behind
 * its frames also lets the next node take both in one wake-up. */
static void send_box(struct td *td)
{
	struct vec *v = &td->sb;
	int ntx = 0;
	for (size_t i = 0; i < v->n; i++) {
		const struct ent *e = &v->v[i];
		int unicast = e->r.kind == TC_DEST_UNICAST;
		if (ntx == TD_TX_BATCH) {
			if (td->tn != NULL)
				tn_send_batch(td->tn, td->tx, ntx, NULL);
			ntx = 0;
		}
		td->tx[ntx++] = (struct tn_tx){ .data = td_at(&td->sba, e->data_off), .len = e->r.len,
			.dest = unicast ? e->r.node : TN_DEST_MCAST,
			.flags = e->r.kind == TC_DEST_MCAST_FLUSH ? TN_TX_FLUSH : 0 };
	}
	if (ntx > 0 && td->tn != NULL)
		tn_send_batch(td->tn, td->tx, ntx, NULL);
	v->n = v->head = 0;
	td->sba.len = 0;
}

/* The wake-ups a locked section decided on go out last: the event loop is
 * told about records once the sends before them left (it would only wait for
 * them in td_take), the thread once the lock is free. */
static void kicks(int event_fd, int wake_fd)
{
	if (event_fd >= 0)
		td_kick(event_fd);
	if (wake_fd >= 0)
		td_kick(wake_fd);
}

void td_unlock(struct td *td)
{
	struct vec v;
	struct arena a;
	int ev = td->kick_event ? td->event_fd : -1, wk = td->kick_wake ? td->wake_fd : -1;
	td->kick_event = td->kick_wake = 0;
	if (td->ob.n == 0) {
		pthread_mutex_unlock(&td->lock);
		kicks(ev, wk);
		return;
	}
	pthread_mutex_lock(&td->io);
	v = td->sb;             /* empty: send_box left it so */
	a = td->sba;
	td->sb = td->ob;
	td->sba = td->oba;
	td->ob = v;
	td->oba = a;
	pthread_mutex_unlock(&td->lock);
	send_box(td);
	pthread_mutex_unlock(&td->io);
	kicks(ev, wk);
}
