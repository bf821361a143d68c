/* process-limits.h: resource limits (setrlimit) and the OOM score of the container. */
#pragma once

#include "options.h"

/* Parses "RLIMIT_NAME=SOFT:HARD" (decimal, or "unlimited"); returns 0, or -1. */
int parse_rlimit (const char *text, struct rlimit_setting *setting);

/* Parses a whole number from -1000 to 1000; returns 0, or -1. */
int parse_oom_score_adj (const char *text, int *value);

/* In the init, before it forks the command, which inherits it: each --rlimit. A
 * rootless container cannot raise a hard limit above the caller's. */
void process_limits_apply (const struct options *opts);

/* In the init, while it is still dumpable (else /proc/self/oom_score_adj belongs to the
 * host's root): --oom-score-adj, which the command inherits. A rootless container
 * cannot lower the OOM score below the caller's. */
void process_limits_apply_oom_score_adj (const struct options *opts);
