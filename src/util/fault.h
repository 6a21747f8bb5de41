/*
 * fault.h: named crash points for crash-safety tests. In a build with
 * BRAID_FAULT_INJECTION, BRAID_FAULT("after-merge") kills the process with
 * SIGKILL when $BRAID_CRASH_AT equals that name, exactly as a power cut or
 * `kill -9` would. In normal builds the macro compiles to nothing.
 */
#ifndef BRAID_UTIL_FAULT_H
#define BRAID_UTIL_FAULT_H

#ifdef BRAID_FAULT_INJECTION
void braid_fault__point(const char *name);
#define BRAID_FAULT(name) braid_fault__point(name)
#else
#define BRAID_FAULT(name) ((void)0)
#endif

#endif
