/* keeper.c: `ryouiki-monitor --keep-while-fd FD -- PROGRAM ARGS`, for a network
 * stack that has no exit fd of its own (pasta). It runs PROGRAM as its child and
 * ends it once FD reaches end of file, that is once the supervisor holding the
 * other end has ended, however it ended. Its own death kills PROGRAM too
 * (PR_SET_PDEATHSIG), so a SIGTERM or SIGKILL of the keeper is enough to stop it. */
#include "keeper.h"
#include "utils.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#define KEEPER_NAME "ryouiki-monitor --keep-while-fd"
#define STOP_GRACE_MS 3000

static int
parse_fd (const char *text)
{
  char *end;
  long fd = strtol (text, &end, 10);

  if (*text == '\0' || *end != '\0' || fd < 0 || fd > 65535)
    return -1;
  return (int) fd;
}

static pid_t
spawn_kept (char **program, int watched_fd, const sigset_t *saved_mask)
{
  pid_t parent = getpid ();
  pid_t child = fork ();

  if (child < 0)
    die_with_errno ("fork");
  if (child > 0)
    return child;
  sigprocmask (SIG_SETMASK, saved_mask, NULL);
  if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid () != parent)
    _exit (EXIT_RUNTIME);
  close (watched_fd);
  execvp (program[0], program);
  fprintf (stderr, "%s: cannot run %s: %s\n", KEEPER_NAME, program[0], strerror (errno));
  _exit (errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE);
}

static int
exit_status_of (int status)
{
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return WEXITSTATUS (status);
}

/* True once the watched fd says its other end is gone (data is read and dropped). */
static bool
watched_fd_ended (int fd)
{
  char buf[64];
  ssize_t n = read_retry (fd, buf, sizeof buf);

  return n <= 0;
}

static int
stop_kept (pid_t child)
{
  int status = 0;

  kill (child, SIGTERM);
  for (int waited = 0; waited < STOP_GRACE_MS; waited += 10)
    {
      if (waitpid_retry (child, &status, WNOHANG) == child)
        return exit_status_of (status);
      usleep (10 * 1000);
    }
  kill (child, SIGKILL);
  waitpid_retry (child, &status, 0);
  return exit_status_of (status);
}

int
keeper_main (int argc, char **argv)
{
  sigset_t handled, saved_mask;
  int watched_fd, sigfd;
  pid_t child;

  if (argc < 4 || strcmp (argv[2], "--") != 0 || (watched_fd = parse_fd (argv[1])) < 0)
    {
      fprintf (stderr, "usage: %s FD -- PROGRAM [ARGS...]\n", KEEPER_NAME);
      return EXIT_RUNTIME;
    }
  sigemptyset (&handled);
  sigaddset (&handled, SIGCHLD);
  sigaddset (&handled, SIGTERM);
  sigaddset (&handled, SIGINT);
  sigprocmask (SIG_BLOCK, &handled, &saved_mask);
  sigfd = signalfd (-1, &handled, SFD_CLOEXEC);
  if (sigfd < 0)
    die_with_errno ("signalfd");
  child = spawn_kept (argv + 3, watched_fd, &saved_mask);
  for (;;)
    {
      struct pollfd polls[2] = { { .fd = watched_fd, .events = POLLIN }, { .fd = sigfd, .events = POLLIN } };
      int status;

      if (RETRY_EINTR (poll (polls, N_ELEMENTS (polls), -1)) < 0)
        die_with_errno ("poll");
      if (polls[0].revents != 0 && watched_fd_ended (watched_fd))
        return stop_kept (child);
      if (polls[1].revents != 0)
        {
          struct signalfd_siginfo info;

          if (read_retry (sigfd, &info, sizeof info) == sizeof info && info.ssi_signo != SIGCHLD)
            return stop_kept (child);
          if (waitpid_retry (child, &status, WNOHANG) == child)
            return exit_status_of (status);
        }
    }
}
