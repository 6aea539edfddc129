/* The core of the C test programs' harness: see check_core.h. */
#include "check_core.h"

#include <unistd.h>

int check_count;
int check_failures;
static const char *check_program = "?";

bool check_report(bool ok, const char *file, int line, const char *text,
	const char *note)
{
	check_count++;
	if (ok) {
		printf("ok   %s%s%s\n", text, note[0] ? "  # " : "", note);
	} else {
		check_failures++;
		printf("FAIL %s%s%s  (%s:%d)\n", text, note[0] ? "  # " : "", note,
			file, line);
	}
	return ok;
}

void check_start(const char *program, unsigned alarm_seconds)
{
	check_program = program;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* SIGALRM's default action ends the process: a hang is a failure */
	alarm(alarm_seconds);
	printf("# %s\n", program);
}

int check_done(void)
{
	printf("# %s: %d checks, %d failed\n", check_program, check_count,
		check_failures);
	return check_failures == 0 && check_count > 0 ? 0 : 1;
}
