/*
 * td_thread.c - threaded mode of libtotemdrv (totemdrv.h, README.md).
 *
 * One thread owns the transport's sockets and the core's timers: it sleeps in
 * poll() on the sockets, its wake eventfd and the core's next deadline, and
 * under td's lock drains the sockets into the core and runs the timers, so a
 * token is forwarded as soon as it arrives, whatever the event loop is busy
 * with.  The records it produces (and those of the event loop's own calls:
 * td_submit, td_leave, ...) are appended in order to the filling vector and
 * announced on event_fd; td_take() swaps the filling vector with the one it
 * hands out from.  The event loop never touches the sockets while the thread
 * runs; every entry point takes the lock.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "td_internal.h"

#define NO_DEADLINE UINT64_MAX  /* tc_next_deadline() with no timer armed */

uint64_t td_clock_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t td_clock_ms(void)
{
	return td_clock_us() / 1000u;
}

void td_kick(int fd)
{
	uint64_t one = 1;
	ssize_t n;
	do {
		n = write(fd, &one, sizeof(one));
	} while (n < 0 && errno == EINTR);
	/* EAGAIN: the counter is saturated, the reader is woken anyway */
}

static void drain(int fd)
{
	uint64_t v;
	ssize_t n;
	do {
		n = read(fd, &v, sizeof(v));
	} while (n < 0 && errno == EINTR);
}

void td_notify(struct td *td)
{
	if (td->threaded && !td->notified && (td->o.head < td->o.n || td->nomem)) {
		td->notified = 1;
		td->kick_event = 1;     /* written by td_unlock, after the sends */
	}
}

void td_wake_if_needed(struct td *td)
{
	if (!td->threaded || !td->sleeping)
		return;
	if (td->held != td->sleep_held || td->fds_changed ||
	    tc_next_deadline(td->core) < td->sleep_deadline) {
		td->sleeping = 0;       /* one kick per sleep is enough */
		td->kick_wake = 1;      /* written by td_unlock, after the lock is free */
	}
}

/* ppoll() timeout: the earlier of an absolute deadline in ms and a wait in
 * µs (NO_DEADLINE: none); NULL when neither is set. */
static struct timespec *timeout_for(uint64_t deadline, uint64_t wait_us, struct timespec *ts)
{
	uint64_t us = wait_us;
	if (deadline != NO_DEADLINE) {
		uint64_t now = td_clock_ms();
		uint64_t ms = deadline > now ? deadline - now : 0;
		if (ms < UINT64_MAX / 1000u && ms * 1000u < us)
			us = ms * 1000u;
	}
	if (us == NO_DEADLINE)
		return NULL;
	ts->tv_sec = (time_t)(us / 1000000u);
	ts->tv_nsec = (long)(us % 1000000u) * 1000L;
	return ts;
}

/* Token linger: a visit the core keeps open ends after td->linger_us without
 * a flush that sent something (the event loop's td_flush usually comes
 * sooner).  Returns the µs left to wait, or NO_DEADLINE. */
static uint64_t linger_step(struct td *td)
{
	uint64_t tok = td->held ? 0 : tc_lingering(td->core), now;
	if (tok == 0)
		return NO_DEADLINE;
	now = td_clock_us();
	if (tok != td->linger_tok) {
		td->linger_tok = tok;
		td->linger_since = now;
	}
	if (now - td->linger_since < td->linger_us)
		return td->linger_since + td->linger_us - now;
	td_exec_linger(td, td_clock_ms());
	return NO_DEADLINE;
}

void td_set_linger_us(struct td *td, uint32_t us)
{
	pthread_mutex_lock(&td->lock);
	td->linger_us = us;
	pthread_mutex_unlock(&td->lock);
}

void td_set_rx_coalesce_us(struct td *td, uint32_t us)
{
	/* quiet_until is the thread's alone: a quiet time under way ends as set */
	pthread_mutex_lock(&td->lock);
	td->coalesce_us = us;
	pthread_mutex_unlock(&td->lock);
}

/* Receive coalescing (README.md): for coalesce_us after the multicast socket
 * woke the thread, that socket (the first of a udp transport's two; the token
 * comes on the other) is not polled, so a stream of multicasts wakes the
 * thread once per quiet time, not once per packet, and its sender's sendmmsg
 * wakes nobody meanwhile.  A token that comes during the quiet time is read
 * with everything that waits in the multicast socket (tn_recv reads that one
 * first).  Returns 1 if the multicast socket sits this poll out; *wait becomes
 * the earlier of itself and the end of the quiet time. */
static int quiet_step(struct td *td, int ntn, uint64_t *wait)
{
	uint64_t now;
	if (ntn != 2 || td->quiet_until == 0)
		return 0;
	now = td_clock_us();
	if (now >= td->quiet_until) {
		td->quiet_until = 0;
		return 0;
	}
	if (td->quiet_until - now < *wait)
		*wait = td->quiet_until - now;
	return 1;
}

/* Between two receive batches (no rx data outstanding): the interface check
 * td_iface_check asked for; a change becomes a TD_REC_IFACE record. */
static void iface_check(struct td *td)
{
	int isolated = 0;
	td->iface_req = 0;
	if (td_exec_iface(td, td_clock_ms(), &isolated) == TN_IFACE_CHANGED) {
		struct td_record r;
		memset(&r, 0, sizeof(r));
		r.type = TD_REC_IFACE;
		r.arg = (uint64_t)isolated;
		td_put(td, &td->o, &td->oa, &r, NULL, NULL, NULL, NULL);
	}
}

static void *thread_main(void *arg)
{
	struct td *td = arg;
	struct pollfd pfd[1 + TD_MAX_FDS];
	int fds[TD_MAX_FDS];

	pthread_mutex_lock(&td->lock);
	while (!td->stop) {
		int nfd = 0, ntn = 0, readable = 0, kept = 0, quiet = 0, i;
		uint64_t deadline = NO_DEADLINE, wait, coalesce = td->coalesce_us;
		struct timespec ts;

		if (td->iface_req)
			iface_check(td);
		wait = linger_step(td);
		pfd[nfd++] = (struct pollfd){ .fd = td->wake_fd, .events = POLLIN };
		if (!td->held) {
			/* held: the packets wait in the sockets until td_persist_done */
			if (td->tn != NULL) {
				pthread_mutex_lock(&td->io);
				ntn = tn_fds(td->tn, fds, TD_MAX_FDS);
				/* the rest of a GRO run kept back while held: no
				 * poll shows it, so no sleep */
				kept = tn_rx_pending(td->tn);
				pthread_mutex_unlock(&td->io);
			}
			quiet = quiet_step(td, ntn, &wait);
			for (i = quiet; i < ntn; i++)
				pfd[nfd++] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
			deadline = tc_next_deadline(td->core);
		}
		td->fds_changed = 0;
		td->sleep_held = td->held;
		td->sleep_deadline = deadline;
		td->sleeping = 1;
		td_notify(td);
		td_unlock(td);

		if (ppoll(pfd, (nfds_t)nfd, timeout_for(deadline, kept ? 0 : wait, &ts), NULL) > 0 &&
		    (pfd[0].revents & POLLIN))
			drain(td->wake_fd);
		readable = kept;
		for (i = 1; i < nfd; i++)
			if (pfd[i].revents)
				readable = 1;
		/* only this thread reads or writes quiet_until */
		if (coalesce != 0 && ntn == 2 && !quiet && pfd[1].revents)
			td->quiet_until = td_clock_us() + coalesce;

		/* receive batches (transport lock only: the event loop keeps the
		 * core meanwhile), each fed to the core under the lock */
		for (;;) {
			int n = 0, pending = 0;
			if (readable && td->tn != NULL) {
				pthread_mutex_lock(&td->io);
				n = tn_recv(td->tn, td->rx, TD_RX_BATCH);
				pending = tn_rx_pending(td->tn);
				pthread_mutex_unlock(&td->io);
			}
			pthread_mutex_lock(&td->lock);
			td->sleeping = 0;
			if (td->stop)
				break;
			if (n > 0) {
				td->st.polls++;
				td_exec_input(td, td_clock_ms(), n);
			}
			if (!td->held && tc_next_deadline(td->core) <= td_clock_ms())
				td_exec_timeout(td, td_clock_ms());
			/* what waits in the transport itself is taken now: polling its
			 * sockets would not see it (held: after td_persist_done) */
			if (td->held || (!pending && (n < TD_RX_BATCH || td->fds_changed)))
				break;
			/* more wait: send and announce this batch first */
			td_notify(td);
			td_unlock(td);
		}
	}
	td->sleeping = 0;
	td_unlock(td);
	return NULL;
}

int td_thread_start(struct td *td)
{
	sigset_t all, old;
	int rc;

	pthread_mutex_lock(&td->lock);
	if (td->threaded) {
		pthread_mutex_unlock(&td->lock);
		return -EALREADY;
	}
	td->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	td->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (td->event_fd < 0 || td->wake_fd < 0) {
		rc = -errno;
		goto fail;
	}
	td->threaded = 1;
	td->stop = 0;
	td->notified = 0;
	/* records a non-threaded call left unfetched are handed out by td_take */
	/* the thread takes no signals: the process's handlers run elsewhere */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = -pthread_create(&td->thread, NULL, thread_main, td);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		td->threaded = 0;
		goto fail;
	}
	td_notify(td);
	td_unlock(td);
	return 0;
fail:
	if (td->event_fd >= 0)
		close(td->event_fd);
	if (td->wake_fd >= 0)
		close(td->wake_fd);
	td->event_fd = td->wake_fd = -1;
	pthread_mutex_unlock(&td->lock);
	return rc;
}

void td_thread_stop(struct td *td)
{
	pthread_mutex_lock(&td->lock);
	if (!td->threaded) {
		pthread_mutex_unlock(&td->lock);
		return;
	}
	td->stop = 1;
	td_kick(td->wake_fd);
	pthread_mutex_unlock(&td->lock);
	pthread_join(td->thread, NULL);
	pthread_mutex_lock(&td->lock);
	td->threaded = 0;
	close(td->event_fd);
	close(td->wake_fd);
	td->event_fd = td->wake_fd = -1;
	pthread_mutex_unlock(&td->lock);
}

int td_event_fd(struct td *td)
{
	int fd;
	pthread_mutex_lock(&td->lock);
	fd = td->event_fd;
	pthread_mutex_unlock(&td->lock);
	return fd;
}

int td_take(struct td *td, struct td_record *out, int max_out)
{
	int n;
	if (td == NULL || max_out < 0 || (out == NULL && max_out > 0))
		return TD_EINVAL;
	pthread_mutex_lock(&td->lock);
	/* sends taken out of the outbox before now may still be leaving: the
	 * records after them wait until they have */
	pthread_mutex_lock(&td->io);
	pthread_mutex_unlock(&td->io);
	if (td->nomem) {
		td->nomem = 0;
		pthread_mutex_unlock(&td->lock);
		return TD_ENOMEM;
	}
	if (td->r.head >= td->r.n) {
		/* everything handed out: the filling records become the ones handed out */
		struct vec v = td->r;
		struct arena a = td->ra;
		v.head = v.n = 0;
		a.len = 0;
		td->r = td->o;
		td->ra = td->oa;
		td->o = v;
		td->oa = a;
		td->notified = 0;
	}
	n = td_hand_out(&td->r, &td->ra, out, max_out);
	pthread_mutex_unlock(&td->lock);
	return n;
}
