/* sealed-exec.h: a binary that enters a container runs from a sealed copy of itself. */
#pragma once

#include <stdbool.h>

/* The seals that make a memfd's contents final. */
#define SEALED_COPY_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* True if seals (F_GET_SEALS of our executable, or -1) make it a sealed copy. */
bool seals_make_sealed_copy (int seals);

/* Unless this process already runs from one, copies /proc/self/exe into a memfd,
 * seals it and executes it again with the same argv and environment (CVE-2019-5736:
 * /proc/PID/exe of a process in a container then leads to that copy, which nobody can
 * write, never to the installed binary, which its user-owner could). Does not return
 * then; name is the memfd's and the process's name. */
void run_from_sealed_copy (const char *name, char **argv);

/* Executes this program again, from its sealed copy (made now if it does not run from one),
 * with argv and the current environment. Does not return. */
__attribute__ ((noreturn)) void execute_sealed_copy_again (const char *name, char **argv);
