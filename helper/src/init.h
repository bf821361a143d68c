/* init.h: the container's PID 1, and the signal forwarding it shares with the helper. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "options.h"

/* What the helper changed about signals, for the command to get back. */
struct saved_signals
{
  sigset_t mask;
  struct sigaction sigpipe;
};

/* Blocks the forwarded signals and SIGCHLD, to be read from signals_open_fd(),
 * and ignores SIGPIPE, so that a closed --info-fd reader cannot kill us. */
void signals_block (struct saved_signals *saved);

/* For the command, between fork and exec. */
void signals_restore (const struct saved_signals *saved);

int signals_open_fd (void);

/* Reads one signal from sigfd and sends it on to target, unless it is SIGCHLD, or
 * one that a terminal sent to its foreground process group (target got it too). */
void signals_forward_next (int sigfd, pid_t target);

/* Forwards signals read from sigfd to target and reaps children (all of them if
 * reap_all, for PID 1) until target exits. Returns target's wait status. */
int supervise (pid_t target, int sigfd, bool reap_all);

/* The exit code for a wait status: the exit status, or 128+N after signal N. */
int exit_code_from_status (int status);

/* The exit code for a failed exec: 127 when not found, 126 otherwise. */
int exec_failure_exit_code (int err);

/* SIGKILLs our children and reaps them, again until none is left (the orphans a
 * subreaper got). */
void kill_leftover_children (void);

/* Runs the command as our child, tells the helper over sync_fd whether it could be
 * executed, then supervises it, and exits with its exit code. */
__attribute__ ((noreturn)) void run_init (const struct options *opts, int sync_fd, const struct saved_signals *saved);
