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

/* In the init, executed in the container's user namespace (so that its /proc/self files
 * belong to the container's root, not the host's, though it is not dumpable): --oom-score-adj, which the command
 * inherits. A rootless container cannot lower the OOM score below the caller's. */
void process_limits_apply_oom_score_adj (const struct options *opts);
