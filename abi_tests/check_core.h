/* The core of the C test programs' harness (CLM and EVS programs): one line
 * per check on stdout, a summary, a non-zero exit status if any check failed.
 * Each service adds its own typed CHECK_RC (clm/check.h, evs/evs_check.h). */
#ifndef CHECK_CORE_H
#define CHECK_CORE_H

#include <stdbool.h>
#include <stdio.h>

extern int check_count;
extern int check_failures;

/* Prints "ok" or "FAIL" with the condition's text (and file:line on failure);
 * CHECK_NOTE adds a note (a string, e.g. the values compared). */
#define CHECK(cond) check_report((cond), __FILE__, __LINE__, #cond, "")
#define CHECK_NOTE(cond, note) check_report((cond), __FILE__, __LINE__, #cond, (note))

bool check_report(bool ok, const char *file, int line, const char *text,
	const char *note);

/* Line-buffered stdout, an alarm so that nothing hangs forever. */
void check_start(const char *program, unsigned alarm_seconds);
/* Prints the summary; the process exit status. */
int check_done(void);

#endif
