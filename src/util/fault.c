/* fault.c: the crash points behind BRAID_FAULT (test builds only). */
#include "common.h"
#include "util/fault.h"

#ifdef BRAID_FAULT_INJECTION
#include <signal.h>
#include <unistd.h>

void braid_fault__point(const char *name)
{
	const char *at = getenv("BRAID_CRASH_AT");

	if (at && !strcmp(at, name)) {
		fprintf(stderr, "braid: crash point '%s' reached; killing myself\n", name);
		(void)raise(SIGKILL); /* does not return */
	}
}
#endif
