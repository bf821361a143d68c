/* start-hooks.h: the OCI startContainer hooks, run in the container just before the command. */
#pragma once

#include <stddef.h>

struct start_hook
{
  const char *path; /* absolute, in the container */
  char **args;      /* NULL-terminated */
  char **env;       /* NULL-terminated */
  unsigned timeout; /* seconds, 0 for none */
};

/* Parses the entries of a --start-hooks file (NUL-separated): the state's JSON up to its
 * pid value, then for each hook "hook", TIMEOUT, PATH, NARGS, the args, NENV, the env.
 * The args and env point into entries, which gets NULLs written in. Returns the number of
 * hooks (at most max), or -1 for a malformed file. */
int start_hooks_parse (char **entries, const char **state_prefix, struct start_hook *hooks, size_t max);

/* In the init, after the start message and before pivot_root: reads the file of
 * --start-hooks; container_pid is the init's PID as the host sees it (the state's pid). */
void start_hooks_load (const char *path, int container_pid);

/* In the command's process, before it is secured: runs each hook with the state on its
 * stdin; a hook that fails or runs past its timeout stops the container. */
void start_hooks_run (void);
