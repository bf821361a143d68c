/* init.c: the container's PID 1, and the signal forwarding it shares with the helper. */
#include "init.h"
#include "protocol.h"
#include "tty.h"
#include "utils.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

static const int forwarded_signals[] = {
  SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
};

static void
supervised_signals (sigset_t *set)
{
  sigemptyset (set);
  for (size_t i = 0; i < N_ELEMENTS (forwarded_signals); i++)
    sigaddset (set, forwarded_signals[i]);
  sigaddset (set, SIGCHLD);
}

void
signals_block (struct saved_signals *saved)
{
  struct sigaction ignore = { .sa_handler = SIG_IGN };
  sigset_t set;

  supervised_signals (&set);
  if (sigprocmask (SIG_BLOCK, &set, &saved->mask) < 0)
    die_with_errno ("sigprocmask");
  if (sigaction (SIGPIPE, &ignore, &saved->sigpipe) < 0)
    die_with_errno ("sigaction");
}

void
signals_restore (const struct saved_signals *saved)
{
  sigaction (SIGPIPE, &saved->sigpipe, NULL);
  sigprocmask (SIG_SETMASK, &saved->mask, NULL);
}

int
signals_open_fd (void)
{
  sigset_t set;
  int fd;

  supervised_signals (&set);
  fd = signalfd (-1, &set, SFD_CLOEXEC);
  if (fd < 0)
    die_with_errno ("signalfd");
  return fd;
}

/* A terminal sends these to its whole foreground process group: the command got it too. */
static bool
sent_by_terminal (const struct signalfd_siginfo *info)
{
  int sig = (int) info->ssi_signo;

  return info->ssi_code == SI_KERNEL && (sig == SIGINT || sig == SIGQUIT || sig == SIGWINCH);
}

void
signals_forward_next (int sigfd, pid_t target)
{
  struct signalfd_siginfo info;

  if (read_retry (sigfd, &info, sizeof info) != (ssize_t) sizeof info)
    die_with_errno ("signalfd: read");
  if (info.ssi_signo != SIGCHLD && !sent_by_terminal (&info))
    kill (target, (int) info.ssi_signo);
}

/* Returns true, with its status, once target has been reaped. */
static bool
reap (pid_t target, bool reap_all, int *target_status)
{
  for (;;)
    {
      int status;
      pid_t pid = waitpid_retry (reap_all ? -1 : target, &status, WNOHANG);

      if (pid < 0)
        die_with_errno ("waitpid");
      if (pid == 0)
        return false;
      if (pid == target)
        {
          *target_status = status;
          return true;
        }
    }
}

int
supervise (pid_t target, int sigfd, bool reap_all)
{
  int status;

  /* Checked before each wait: the SIGCHLD may have been read while setting up. */
  while (!reap (target, reap_all, &status))
    signals_forward_next (sigfd, target);
  return status;
}

int
exit_code_from_status (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return EXIT_RUNTIME;
}

int
exec_failure_exit_code (int err)
{
  return err == ENOENT || err == ENOTDIR ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE;
}

static __attribute__ ((noreturn)) void
exec_command (const struct options *opts, int error_fd, const struct saved_signals *saved)
{
  int err;

  signals_restore (saved);
  if (opts->tty && (err = tty_attach_command ()) != 0)
    {
      (void) write_all (error_fd, &err, sizeof err);
      _exit (EXIT_RUNTIME);
    }
  /* execvpe searches the PATH of our own environment and gives the command exactly env. */
  execvpe (opts->command[0], opts->command, opts->env);
  err = errno;
  (void) write_all (error_fd, &err, sizeof err);
  _exit (exec_failure_exit_code (err));
}

/* Returns 0 once the command has been executed (the pipe closed on exec), else its errno. */
static int
wait_for_exec (int error_fd)
{
  int err = 0;
  ssize_t n = read_retry (error_fd, &err, sizeof err);

  if (n < 0)
    die_with_errno ("exec: read its status");
  return n == (ssize_t) sizeof err ? err : 0;
}

static __attribute__ ((noreturn)) void
report_exec_failure (const char *program, int err, pid_t command, int sync_fd)
{
  char text[SYNC_TEXT_MAX];
  int status;

  snprintf (text, sizeof text, "exec: %s: %s", program, strerror (err));
  waitpid_retry (command, &status, 0);
  sync_send (sync_fd, SYNC_ERROR, err, text);
  _exit (exec_failure_exit_code (err));
}

void
run_init (const struct options *opts, int sync_fd, const struct saved_signals *saved)
{
  autoclose_fd int sigfd = signals_open_fd ();
  int exec_pipe[2];
  pid_t command;
  int err;

  if (pipe2 (exec_pipe, O_CLOEXEC) < 0)
    die_with_errno ("pipe");
  clearenv ();
  if (setenv ("PATH", options_search_path (opts), 1) < 0)
    die_with_errno ("setenv PATH");
  if (opts->tty)
    tty_open_in_container ();

  command = fork ();
  if (command < 0)
    die_with_errno ("fork");
  if (command == 0)
    exec_command (opts, exec_pipe[1], saved);
  close (exec_pipe[1]);
  err = wait_for_exec (exec_pipe[0]);
  close (exec_pipe[0]);
  if (err != 0)
    report_exec_failure (opts->command[0], err, command, sync_fd);

  if (tty_send_exec_ok (sync_fd) < 0)
    die_with_errno ("sync: report exec");
  close (sync_fd);
  set_die_handler (NULL);       /* nobody listens on sync_fd any more: use stderr */

  _exit (exit_code_from_status (supervise (command, sigfd, true)));
}
