/* init.c: the container's PID 1, and the signal forwarding it shares with the helper. */
#include "init.h"
#include "proc-title.h"
#include "protocol.h"
#include "security.h"
#include "start-hooks.h"
#include "tty.h"
#include "utils.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

void
signals_forward_next (int sigfd, pid_t target)
{
  struct signalfd_siginfo info;

  if (read_retry (sigfd, &info, sizeof info) != (ssize_t) sizeof info)
    die_with_errno ("signalfd: read");
  /* Also those a terminal sends: the command is in a session of its own, out of its reach. */
  if (info.ssi_signo != SIGCHLD)
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

/* What the command's process tells the init when it could not exec; nothing when it could. */
struct exec_report
{
  int err;
  int code;
  char text[SYNC_TEXT_MAX];
};

static int command_report_fd = -1;

static __attribute__ ((noreturn)) void
report_to_init (int err, int code, const char *text)
{
  struct exec_report report = { .err = err, .code = code };

  snprintf (report.text, sizeof report.text, "%s", text);
  (void) write_all (command_report_fd, &report, sizeof report);
  _exit (code);
}

/* Failures while securing the command: runtime errors. */
static void
command_setup_die (int err, const char *message)
{
  report_to_init (err, EXIT_RUNTIME, message);
}

static __attribute__ ((noreturn)) void
exec_command (const struct options *opts, int report_fd, const struct saved_signals *saved)
{
  char text[SYNC_TEXT_MAX];
  int err;

  command_report_fd = report_fd;
  set_die_handler (command_setup_die);
  signals_restore (saved);
  if (opts->terminal.tty && (err = tty_attach_command ()) != 0)
    {
      snprintf (text, sizeof text, "terminal: make it the command's: %s", strerror (err));
      report_to_init (err, EXIT_RUNTIME, text);
    }
  start_hooks_run ();
  if (opts->umask >= 0)
    umask ((mode_t) opts->umask);
  /* After the terminal: the capabilities and seccomp filter set here could forbid taking it. */
  secure_command (&opts->security);
  /* execvpe searches the PATH of our own environment and gives the command exactly env. */
  execvpe (opts->command[0], opts->command, opts->env);
  err = errno;
  snprintf (text, sizeof text, "exec: %s: %s", opts->command[0], strerror (err));
  report_to_init (err, exec_failure_exit_code (err), text);
}

/* Returns true once the command has been executed (the pipe closed on exec), else false
 * with the command's report. */
static bool
wait_for_exec (int report_fd, struct exec_report *report)
{
  ssize_t n = read_retry (report_fd, report, sizeof *report);

  if (n < 0)
    die_with_errno ("exec: read its status");
  return n != (ssize_t) sizeof *report;
}

static __attribute__ ((noreturn)) void
report_exec_failure (const struct exec_report *report, pid_t command, int sync_fd)
{
  int status;

  waitpid_retry (command, &status, 0);
  sync_send (sync_fd, SYNC_ERROR, report->err, report->text);
  _exit (report->code);
}

/* Set up: says so (with the terminal) and waits for the byte that lets the command run. */
static void
pass_exec_gate (int gate_fd, int sync_fd)
{
  char byte;

  if (tty_send_ready (sync_fd) < 0)
    die_with_errno ("sync: report ready");
  if (read_retry (gate_fd, &byte, 1) != 1)
    die_with_errno ("exec gate: read the start byte");
  close (gate_fd);
}

/* In the command's process: waits until the init has blanked its arguments
 * (end of file on the pipe), so the command never sees them in /proc/1/cmdline. */
static void
wait_until_title_hidden (int title_pipe[2])
{
  char byte;

  close (title_pipe[1]);
  read_retry (title_pipe[0], &byte, 1);
  close (title_pipe[0]);
}

/* Without a terminal of its own, the command must not reach the caller's (CVE-2017-5226:
 * TIOCSTI types into it): the init and so the command leave its session. */
static void
leave_host_session (void)
{
  if (setsid () < 0)
    die_with_errno ("setsid");
}

/* In the host's PID namespace the container's processes would outlive its command (its own
 * namespace ends them with the init): as their subreaper the init gets the orphans, and kills
 * them when the command has ended, until none is left. */
void
kill_leftover_children (void)
{
  char path[64];

  snprintf (path, sizeof path, "/proc/self/task/%d/children", (int) getpid ());
  for (;;)
    {
      FILE *children = fopen (path, "re");
      bool any = false;
      int child;

      if (children == NULL)
        return;
      while (fscanf (children, "%d", &child) == 1)
        {
          kill (child, SIGKILL);
          any = true;
        }
      fclose (children);
      while (waitpid (-1, NULL, WNOHANG) > 0)
        any = true;
      if (!any)
        return;
      usleep (10000);
    }
}

void
run_init (const struct options *opts, int sync_fd, const struct saved_signals *saved)
{
  autoclose_fd int sigfd = signals_open_fd ();
  int exec_pipe[2], title_pipe[2];
  struct exec_report report;
  pid_t command;
  int status;

  if (opts->share_pid && prctl (PR_SET_CHILD_SUBREAPER, 1) < 0)
    die_with_errno ("prctl(PR_SET_CHILD_SUBREAPER)");
  if (pipe2 (exec_pipe, O_CLOEXEC) < 0)
    die_with_errno ("pipe");
  clearenv ();
  if (setenv ("PATH", options_search_path (opts), 1) < 0)
    die_with_errno ("setenv PATH");
  if (opts->terminal.tty)
    tty_open_in_container ();
  else
    leave_host_session ();
  if (opts->terminal.tty && opts->terminal.console_rows > 0 && opts->terminal.console_columns > 0)
    tty_set_size (opts->terminal.console_rows, opts->terminal.console_columns);
  if (opts->exec_gate_fd >= 0)
    pass_exec_gate (opts->exec_gate_fd, sync_fd);

  if (pipe2 (title_pipe, O_CLOEXEC) < 0)
    die_with_errno ("pipe");
  command = fork ();
  if (command < 0)
    die_with_errno ("fork");
  if (command == 0)
    {
      wait_until_title_hidden (title_pipe);
      exec_command (opts, exec_pipe[1], saved);
    }
  close (exec_pipe[1]);
  /* Before the command runs: tracing PID 1 must give it nothing it does not have. */
  secure_init (&opts->security);
  /* The command has its own copy of its arguments; the init needs none from here on. */
  proc_title_hide ();
  close (title_pipe[0]);
  close (title_pipe[1]);
  if (!wait_for_exec (exec_pipe[0], &report))
    report_exec_failure (&report, command, sync_fd);
  close (exec_pipe[0]);

  if (tty_send_exec_ok (sync_fd) < 0)
    die_with_errno ("sync: report exec");
  close (sync_fd);
  set_die_handler (NULL); /* nobody listens on sync_fd any more: use stderr */

  status = supervise (command, sigfd, true);
  if (opts->share_pid)
    kill_leftover_children ();
  _exit (exit_code_from_status (status));
}
