/*
 * totemdrv.h - public interface of libtotemdrv, the C fast path of the
 * executive's totem driver (executive/totemdrv/README.md).
 *
 * Read verbatim by cffi's cdef() after totem_core.h (TC_CDEF slice) and
 * totemnet.h, so it holds no #include, no #if, no include guard and no macro
 * other than plain integer #defines.  C programs include totemdrv_c.h.
 *
 * A struct td sits on one core and one transport (both created and owned by the
 * caller) and runs the hot loop: it drains the transport into the core and
 * executes the core's actions strictly in order, in C: SEND actions go out
 * through the transport (own multicasts and unicasts to self are looped back
 * into the core in memory), every other action wanted by the output mask
 * (DELIVER, CONFCHG, PERSIST, LOG, ...) is copied into a struct td_record for
 * the caller, in order.
 *
 * PERSIST: the record is returned as the LAST record of the call and td becomes
 * "held": every action after it (sends included) stays queued in td, unexecuted.
 * While held, td_poll() and td_timeout() return TD_HELD without touching the
 * transport or the core; td_submit() and td_pump() still hand the request to
 * the core but only queue its actions.  After storing the ring sequence
 * durably the caller calls td_persist_done(), which resumes executing the
 * queue in order (and may stop at the next PERSIST).
 *
 * Records (and their data / member lists) stay valid until the next call of
 * any td_* function.  A call returns at most max_out records; when it returns
 * exactly max_out, fetch the rest with td_more() before doing anything else.
 *
 * Threaded mode (td_thread_start): a thread of td's own polls the transport and
 * runs the core's timers, so tokens and packets are handled at once, however
 * busy the event loop is.  Every td_* function takes td's lock.  The calls of
 * the event loop (td_submit, td_pump, td_leave, td_iface_check,
 * td_persist_done) then return no records: every record, the thread's and
 * theirs, is appended in order and announced on td_event_fd() (an eventfd:
 * read it, then call td_take() until it returns less than max_out).  Records
 * from td_take stay valid until the next td_take.  td_poll, td_timeout and
 * td_more return TD_EINVAL; the now_ms arguments are ignored (td reads
 * CLOCK_MONOTONIC under its lock).  While held, the thread leaves the packets
 * in the sockets and runs no timer until td_persist_done.
 */

/* returned instead of a record count while a PERSIST is outstanding */
#define TD_HELD -16
#define TD_ENOMEM -12
#define TD_EINVAL -22

/* record type (beside enum tc_action_type) of threaded mode: the thread's
 * interface check found a change; arg = 1 when the node is now isolated */
#define TD_REC_IFACE 256

/* default output mask: every action type except SEND (bit = 1 << type) */
#define TD_MASK_DEFAULT 0xfffffffd

struct tc_core;
struct tn;
struct td;

struct td_record {
    uint32_t type;              /* enum tc_action_type (never TC_ACT_SEND) */
    uint32_t kind;
    uint32_t node;
    uint32_t channel;
    uint32_t safe;
    uint32_t code;
    uint64_t ring_seq;
    uint32_t ring_rep;
    uint32_t pad_;
    uint64_t seq;
    uint64_t arg;
    uint64_t arg2;
    const uint8_t *data;        /* DELIVER payload (copied into td) */
    size_t len;
    const uint32_t *members;    /* CONFCHG lists (copied into td) */
    size_t n_members;
    const uint32_t *left;
    size_t n_left;
    const uint32_t *joined;
    size_t n_joined;
};

struct td_stats {
    uint64_t polls;
    uint64_t rx_packets;        /* fed to the core by td_poll */
    uint64_t tx_mcast;          /* SEND multicasts executed (flush included) */
    uint64_t tx_unicast;        /* SEND unicasts to other nodes */
    uint64_t loopbacks;         /* own multicasts / self unicasts fed back */
    uint64_t records;           /* records produced */
    uint64_t persists;
    uint64_t held_refusals;     /* td_poll / td_timeout refused while held */
    uint64_t queue_peak;        /* most actions queued at once */
};

/* NULL on allocation failure.  tn may be NULL (sends are then dropped). */
struct td *td_create(struct tc_core *core, struct tn *tn, uint32_t my_nodeid);
void td_destroy(struct td *td);

/* Which action types become records: bit (1 << type); SEND is never one. */
void td_set_output_mask(struct td *td, uint32_t mask);

/* Drain the transport into the core and run the actions.  Returns the number
 * of records written to out, TD_HELD, or TD_ENOMEM. */
int td_poll(struct td *td, uint64_t now_ms, struct td_record *out, int max_out);
/* tc_timeout() then run the actions (TD_HELD while held). */
int td_timeout(struct td *td, uint64_t now_ms, struct td_record *out, int max_out);
/* tc_submit(); returns its result, *n_out gets the number of records (in
 * threaded mode, which hands out no records here: 1 if the core keeps a visit
 * open, so a td_flush would send the message now, else 0). */
int td_submit(struct td *td, uint64_t now_ms, uint8_t channel, const uint8_t *msg,
              size_t len, int safe, struct td_record *out, int max_out, int *n_out);
/* After the caller called the core itself (tc_start, tc_leave,
 * tc_link_state, ...): collect and run its actions.  Returns records, or
 * TD_HELD (the actions were queued). */
int td_pump(struct td *td, uint64_t now_ms, struct td_record *out, int max_out);
/* The PERSIST returned last is durable: resume the queued actions. */
int td_persist_done(struct td *td, uint64_t now_ms, struct td_record *out, int max_out);
/* The records a previous call could not return (count; 0 when none left). */
int td_more(struct td *td, struct td_record *out, int max_out);
/* tc_leave() and run its actions (non-threaded: records, or TD_HELD). */
int td_leave(struct td *td, uint64_t now_ms, struct td_record *out, int max_out);
/* tn_iface_check(); on TN_IFACE_CHANGED tells the core (tc_link_state), runs
 * the actions (fetch the records with td_pump) and sets *isolated.  Returns
 * the TN_IFACE_* result.  Threaded mode: asks the thread to check; it reports
 * a change as a TD_REC_IFACE record; returns TN_IFACE_UNCHANGED. */
int td_iface_check(struct td *td, uint64_t now_ms, int *isolated);
int td_held(struct td *td);
uint64_t td_next_deadline(struct td *td);
void td_get_stats(struct td *td, struct td_stats *out);

/* Threaded mode: start td's thread (0, or -errno); stop and join it (td
 * returns to non-threaded mode; td_destroy stops it too). */
int td_thread_start(struct td *td);
void td_thread_stop(struct td *td);
/* The core's token_linger (README.md, "Token linger"): td_flush sends what
 * was submitted since on the visit kept open (tc_linger_flush; call it after
 * a batch of td_submit), and in threaded mode the thread passes a kept token
 * on (tc_linger_release) once no flush has sent anything for us
 * microseconds.  In threaded mode td_flush returns 1 if records wait and does
 * not announce them on td_event_fd: the caller calls td_take itself. */
void td_set_linger_us(struct td *td, uint32_t us);
/* Threaded mode, udp transport: after the multicast socket woke the thread,
 * it leaves that socket unpolled for us microseconds (0: never) and reads what
 * came meanwhile in one batch, with the next token at the latest (README.md,
 * "Receive coalescing"). */
void td_set_rx_coalesce_us(struct td *td, uint32_t us);
int td_flush(struct td *td, uint64_t now_ms, struct td_record *out, int max_out);
/* readable when records wait for td_take (-1 when not threaded) */
int td_event_fd(struct td *td);
/* Threaded mode: the next records in order (count, or TD_ENOMEM once after an
 * allocation failure lost some). */
int td_take(struct td *td, struct td_record *out, int max_out);
