/* Deadlines for blocking waits: an SaTimeT timeout (nanoseconds, relative)
 * turned into a point on CLOCK_MONOTONIC, and the poll() timeout left. */
#ifndef AIS_LIBSA_DEADLINE_H
#define AIS_LIBSA_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

#include <saAis.h>

/* Timeouts at least this long (about 146 years) never expire. */
#define SA_TIMEOUT_FOREVER ((SaTimeT)INT64_C(0x2000000000000000))

struct sa_deadline {
	bool forever;
	int64_t at_ns;		/* CLOCK_MONOTONIC */
};

/* timeout <= 0: already expired. */
struct sa_deadline sa_deadline_after(SaTimeT timeout);

/* Milliseconds for poll(): -1 forever, 0 expired, else rounded up. */
int sa_deadline_poll_ms(const struct sa_deadline *d);

bool sa_deadline_expired(const struct sa_deadline *d);

/* Nanoseconds left (0 if expired); meaningless for a deadline that is forever. */
int64_t sa_deadline_left_ns(const struct sa_deadline *d);

#endif
