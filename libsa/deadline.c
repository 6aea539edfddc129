/* Deadlines: see deadline.h. */
#include "deadline.h"

#include <limits.h>
#include <time.h>

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct sa_deadline sa_deadline_after(SaTimeT timeout)
{
	struct sa_deadline d = { .forever = false, .at_ns = 0 };

	if (timeout >= SA_TIMEOUT_FOREVER) {
		d.forever = true;
		return d;
	}
	int64_t now = now_ns();
	d.at_ns = timeout > 0 ? now + timeout : now;	/* no overflow: timeout < 2^61 */
	return d;
}

int sa_deadline_poll_ms(const struct sa_deadline *d)
{
	if (d->forever)
		return -1;
	int64_t left = d->at_ns - now_ns();
	if (left <= 0)
		return 0;
	int64_t ms = (left + 999999) / 1000000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

bool sa_deadline_expired(const struct sa_deadline *d)
{
	return !d->forever && d->at_ns - now_ns() <= 0;
}

int64_t sa_deadline_left_ns(const struct sa_deadline *d)
{
	int64_t left = d->at_ns - now_ns();
	return left > 0 ? left : 0;
}
