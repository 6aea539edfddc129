/*
 * td_internal.h - the state of a struct td, shared by td.c (the queue and its
 * execution, the API) and td_thread.c (threaded mode: the driver thread, the
 * record hand-over and the wake-ups).  Not installed.
 */
#ifndef TD_INTERNAL_H
#define TD_INTERNAL_H

#include <pthread.h>

#include "totem_core.h"
#include "totemnet_c.h"
#include "totemdrv_c.h"

#define TD_ACT_BATCH 64
#define TD_RX_BATCH 64
#define TD_TX_BATCH 64          /* multicasts handed to the transport in one call */
#define TD_POLL_ROUNDS 16       /* tn_recv batches per td_poll at most */
#define TD_MAX_FDS 8            /* transport sockets the thread polls */
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
	struct vec o;           /* records produced, not yet handed out (threaded: filling) */
	struct arena oa;
	struct td_stats st;
	struct tc_action acts[TD_ACT_BATCH];
	struct tn_rx rx[TD_RX_BATCH];
	/* sends executed by run(), not yet handed to the transport (td_send.c) */
	struct vec ob;
	struct arena oba;
	/* io: the transport lock.  Guards tn, the sending box and tx; taken after
	 * lock (never the other way round), or alone for tn_recv by the thread. */
	pthread_mutex_t io;
	struct vec sb;
	struct arena sba;
	struct tn_tx tx[TD_TX_BATCH];

	/* threaded mode (td_thread.c); everything above and below is guarded by
	 * lock once the thread runs */
	pthread_mutex_t lock;
	int threaded;
	pthread_t thread;
	int stop;               /* the thread is asked to end */
	int event_fd;           /* eventfd: records are waiting for td_take() */
	int wake_fd;            /* eventfd: the thread must look at its inputs again */
	int notified;           /* event_fd written since the last swap */
	int kick_event;         /* td_unlock writes event_fd */
	int kick_wake;          /* td_unlock writes wake_fd */
	int sleeping;           /* the thread is in poll() with these inputs: */
	int sleep_held;
	uint64_t sleep_deadline;
	int fds_changed;        /* the transport's sockets changed (td_iface_check) */
	int iface_req;          /* td_iface_check asked the thread to check */
	uint32_t linger_us;     /* td_set_linger_us */
	uint64_t linger_tok;    /* tc_lingering() when the thread last looked */
	uint64_t linger_since;  /* µs clock when it first saw that token kept */
	uint32_t coalesce_us;   /* td_set_rx_coalesce_us */
	uint64_t quiet_until;   /* µs clock: the multicast socket is not polled before
	                           (read and written by the thread alone) */
	struct vec r;           /* records being handed out by td_take() */
	struct arena ra;
};

/* td.c: the core's actions, executed (the caller holds the lock) */
void td_exec_poll(struct td *td, uint64_t now_ms, int rounds);
void td_exec_input(struct td *td, uint64_t now_ms, int n);  /* td->rx[0..n) */
void td_exec_timeout(struct td *td, uint64_t now_ms);
void td_exec_linger(struct td *td, uint64_t now_ms);
int td_exec_iface(struct td *td, uint64_t now_ms, int *isolated);
const uint8_t *td_at(const struct arena *a, size_t off);
const uint32_t *td_at32(const struct arena *a, size_t off);
void td_put(struct td *td, struct vec *dst, struct arena *da, const struct td_record *r,
            const uint8_t *data, const uint32_t *m, const uint32_t *l, const uint32_t *j);
int td_hand_out(struct vec *v, const struct arena *a, struct td_record *out, int max_out);

/* td_send.c: release the lock; send what the locked section put in the outbox */
void td_unlock(struct td *td);

/* td_thread.c (the caller holds the lock) */
uint64_t td_clock_ms(void);
uint64_t td_clock_us(void);
void td_notify(struct td *td);          /* records produced: tell the event loop */
void td_kick(int fd);                   /* write 1 to an eventfd */
void td_wake_if_needed(struct td *td);  /* the thread's poll() inputs changed */

#endif /* TD_INTERNAL_H */
