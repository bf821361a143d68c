/* ryouiki-monitor: the supervisor of a detached Ryouiki container, in the role
 * podman gives conmon. It starts the helper (ryouiki-init) with the container's
 * stdout and stderr on pipes of its own, relays the helper's --info-fd lines to the
 * ryouiki process that started it, writes the container log in the CRI format,
 * records how the container ended in an exit file, and then becomes the exit
 * command, which tears down and records the end in the state.
 *
 * Start-up is all or nothing: until the starter acknowledges the start with one
 * byte on --sync-fd, its death (end of file there) kills the container. */
#include "crilog.h"
#include "keeper.h"
#include "init.h"
#include "monitor-tty.h"
#include "protocol.h"
#include "utils.h"

#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define MONITOR_NAME "ryouiki-monitor"
#define HELPER_INFO_FD 3
#define HELPER_BLOCK_FD 4
#define HELPER_GATE_FD 5
#define MAX_EXIT_ARGS 64
#define PARTIAL_FLUSH_MS 100

struct monitor_options
{
  const char *log_path;
  long long log_max_size; /* 0: never rotate */
  const char *exit_file;
  int sync_fd;
  int block_fd;
  char *exit_command[MAX_EXIT_ARGS + 2];
  size_t n_exit_args;
  char **helper;            /* the helper and its arguments, after "--" */
  char **helper_env;        /* the container's environment; NULL: ours */
  const char *attach_dir;   /* the container has a terminal: serve ATTACH_DIR/attach */
  bool attach_stdin;        /* the clients' keys go to the terminal (start -i) */
  bool inherit_stdio;       /* the helper gets our stdin, stdout and stderr; no log */
  const char *info_file;    /* where the helper's lines also go, for a later reader; NULL: nowhere */
  const char *start_fifo;   /* a fifo we make and give the helper as fd 5 (its --exec-gate-fd), for a later start */
  int network_fd;           /* our end of a socket pair whose other end only the network stack holds; -1: none */
  const char *network_file; /* where we record that the network stack has ended */
};

/* Output that could not be written to the log (a full disk, a file-size limit, an I/O
 * error): counted, and marked by a gap record as soon as the log takes one. */
struct log_gap
{
  unsigned long long bytes;  /* content lost; 0: no gap */
  char since[CRI_TIME_SIZE]; /* the time of the first record lost */
  int err;                   /* why the first was lost */
};

struct log_file
{
  const char *path;
  long long max_size;   /* rotate past it; 0: never */
  long long size_limit; /* the process's file-size limit less room for a gap record; 0: none */
  int fd;               /* -1: not open (a rotation that could not reopen it) */
  long long size;
  struct log_gap gap;
  bool marked_at_limit; /* the first gap record at the size limit is written */
};

struct stream
{
  const char *name;
  int fd;
  size_t len;
  char buf[CRI_LINE_MAX];
};

/* What the error handler needs: a failure while the starter listens is reported to it. */
static int starter_fd = -1;
static pid_t helper_pid = -1;

static __attribute__ ((noreturn)) void
monitor_die (int err, const char *message)
{
  if (starter_fd >= 0)
    info_send_error (starter_fd, message, err, EXIT_RUNTIME);
  else
    fprintf (stderr, MONITOR_NAME ": %s\n", message);
  if (helper_pid > 0)
    kill (helper_pid, SIGKILL);
  exit (EXIT_RUNTIME);
}

static void
usage_error (const char *message)
{
  fprintf (stderr, MONITOR_NAME ": %s: see the Ryouiki helper README\n", message);
  exit (EXIT_RUNTIME);
}

static int
fd_argument (const char *option, const char *text)
{
  int fd;

  if (parse_fd_number (text, &fd) < 0 || fd < 3)
    usage_error (option);
  return fd;
}

/* The container's environment comes in a private file rather than on a command line,
 * where every user could read it; the file goes as soon as it is read. */
static char **
read_helper_env (const char *path)
{
  char **env = read_nul_list_file (path);

  if (env == NULL)
    die_with_errno ("--helper-env-file: %s", path);
  unlink (path);
  return env;
}

static void
parse_monitor_options (struct monitor_options *opts, int argc, char **argv)
{
  static const struct option long_options[] = {
    { "log", required_argument, NULL, 'l' },          { "log-max-size", required_argument, NULL, 'm' },
    { "exit-file", required_argument, NULL, 'x' },    { "sync-fd", required_argument, NULL, 's' },
    { "block-fd", required_argument, NULL, 'b' },     { "exit-command", required_argument, NULL, 'c' },
    { "exit-arg", required_argument, NULL, 'a' },     { "helper-env-file", required_argument, NULL, 'e' },
    { "attach-dir", required_argument, NULL, 't' },   { "attach-stdin", no_argument, NULL, 'i' },
    { "inherit-stdio", no_argument, NULL, 'I' },      { "info-file", required_argument, NULL, 'f' },
    { "start-fifo", required_argument, NULL, 'o' },   { "network-fd", required_argument, NULL, 'n' },
    { "network-file", required_argument, NULL, 'N' }, { NULL, 0, NULL, 0 },
  };
  int option;

  *opts = (struct monitor_options) { .sync_fd = -1, .block_fd = -1, .network_fd = -1 };
  while ((option = getopt_long (argc, argv, "+", long_options, NULL)) != -1)
    switch (option)
      {
      case 'l':
        opts->log_path = optarg;
        break;
      case 'm':
        opts->log_max_size = atoll (optarg);
        break;
      case 'x':
        opts->exit_file = optarg;
        break;
      case 's':
        opts->sync_fd = fd_argument ("--sync-fd", optarg);
        break;
      case 'b':
        opts->block_fd = fd_argument ("--block-fd", optarg);
        break;
      case 'c':
        opts->exit_command[0] = optarg;
        break;
      case 'e':
        opts->helper_env = read_helper_env (optarg);
        break;
      case 't':
        opts->attach_dir = optarg;
        break;
      case 'i':
        opts->attach_stdin = true;
        break;
      case 'I':
        opts->inherit_stdio = true;
        break;
      case 'f':
        opts->info_file = optarg;
        break;
      case 'o':
        opts->start_fifo = optarg;
        break;
      case 'n':
        opts->network_fd = fd_argument ("--network-fd", optarg);
        break;
      case 'N':
        opts->network_file = optarg;
        break;
      case 'a':
        if (opts->n_exit_args == MAX_EXIT_ARGS)
          usage_error ("--exit-arg: too many");
        opts->exit_command[1 + opts->n_exit_args++] = optarg;
        break;
      default:
        usage_error ("unknown option");
      }
  if ((opts->log_path == NULL) == !opts->inherit_stdio)
    usage_error ("give one of --log and --inherit-stdio");
  if (opts->exit_file == NULL || opts->sync_fd < 0 || opts->block_fd < 0)
    usage_error ("--exit-file, --sync-fd and --block-fd are required");
  if ((opts->network_fd < 0) != (opts->network_file == NULL))
    usage_error ("--network-fd and --network-file go together");
  if (optind >= argc)
    usage_error ("the helper and its arguments are missing after --");
  opts->helper = argv + optind;
}

/* ---- the log ----
 * Nothing the container writes may be lost unseen, and a log that cannot grow must
 * not end the container: a failed write is counted in the log's gap, and the gap's
 * record goes in before the next record that can be written. */

/* RLIMIT_FSIZE would make the kernel stop writes at it (and send SIGXFSZ, which we
 * ignore): the log keeps room below it for two gap records, one when output is first
 * lost there and one with the rest at the end. */
static long long
log_size_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_FSIZE, &limit) < 0 || limit.rlim_cur == RLIM_INFINITY)
    return 0;
  if (limit.rlim_cur <= 2 * CRI_GAP_MAX)
    return 1;
  return (long long) limit.rlim_cur - 2 * CRI_GAP_MAX;
}

static void
log_open (struct log_file *log, bool truncate)
{
  struct stat st;

  log->fd = RETRY_EINTR (open (log->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0600));
  log->size = log->fd >= 0 && fstat (log->fd, &st) == 0 ? st.st_size : 0;
}

/* Keeps one previous file: LOG.1. Rotates between records, so no line is cut.
 * A rotation that fails leaves the log where it was (or closed, then reopened at
 * the next record): what cannot be written goes into the gap. */
static void
log_rotate (struct log_file *log)
{
  char previous[4096];

  snprintf (previous, sizeof previous, "%s.1", log->path);
  if (rename (log->path, previous) < 0)
    return;
  if (log->fd >= 0)
    close (log->fd);
  log_open (log, true);
}

static void
log_time_now (char time[CRI_TIME_SIZE])
{
  struct timespec now;

  clock_gettime (CLOCK_REALTIME, &now);
  if (cri_format_time (time, CRI_TIME_SIZE, &now) < 0)
    snprintf (time, CRI_TIME_SIZE, "1970-01-01T00:00:00.000000000Z");
}

/* Appends a whole record or nothing: a short write (a disk that filled up under it)
 * is cut off again, so the next record does not run on from a broken one. */
static int
log_append (struct log_file *log, const char *record, size_t n)
{
  int err;

  if (log->fd < 0)
    {
      log_open (log, false);
      if (log->fd < 0)
        return -1;
    }
  if (write_all (log->fd, record, n) == 0)
    {
      log->size += (long long) n;
      return 0;
    }
  err = errno;
  if (ftruncate (log->fd, log->size) < 0)
    {
      struct stat st;

      log->size = fstat (log->fd, &st) == 0 ? st.st_size : log->size;
    }
  errno = err;
  return -1;
}

/* Counts a record's bytes of output (a whole line's newline included) into the gap. */
static void
log_lose (struct log_file *log, const char *time, size_t output_len, int err)
{
  if (log->gap.bytes == 0)
    {
      snprintf (log->gap.since, sizeof log->gap.since, "%s", time);
      log->gap.err = err;
    }
  log->gap.bytes += output_len;
}

/* Writes the gap's record, if there is a gap; false if it is still open. */
static bool
log_mark_gap (struct log_file *log, const char *time)
{
  char record[CRI_GAP_MAX];
  int n;

  if (log->gap.bytes == 0)
    return true;
  n = cri_format_gap (record, sizeof record, time, log->gap.bytes, log->gap.since, strerror (log->gap.err));
  if (n < 0 || log_append (log, record, (size_t) n) < 0)
    return false;
  log->gap = (struct log_gap) { 0 };
  return true;
}

/* Past the rotation size with a record of n bytes (and a gap record before it). */
static bool
log_over_max (const struct log_file *log, long long n)
{
  long long gap = log->gap.bytes > 0 ? CRI_GAP_MAX : 0;

  return log->max_size > 0 && log->size > 0 && log->size + gap + n > log->max_size;
}

static bool
log_over_limit (const struct log_file *log, long long n)
{
  long long gap = log->gap.bytes > 0 ? CRI_GAP_MAX : 0;

  return log->size_limit > 0 && log->size + gap + n > log->size_limit;
}

static void
log_write (struct log_file *log, const char *stream, bool partial, const char *content, size_t len)
{
  static char record[CRI_LINE_MAX + 128];
  char time[CRI_TIME_SIZE];
  int n;

  log_time_now (time);
  n = cri_format_record (record, sizeof record, time, stream, partial, content, len);
  if (n < 0)
    die ("log: record too long");
  if (log_over_max (log, n) || (log_over_limit (log, n) && log->max_size > 0))
    log_rotate (log);
  if (log_over_limit (log, n))
    {
      /* At the file-size limit and not rotated: the first loss is marked at once, in
       * the first of the two gap records' room kept below the limit; the rest at the end. */
      log_lose (log, time, len + !partial, EFBIG);
      if (!log->marked_at_limit)
        log->marked_at_limit = log_mark_gap (log, time);
      return;
    }
  if (!log_mark_gap (log, time) || log_append (log, record, (size_t) n) < 0)
    log_lose (log, time, len + !partial, errno);
}

/* The container has ended: a gap still open is marked if the log takes it now. */
static void
log_finish (struct log_file *log)
{
  char time[CRI_TIME_SIZE];

  log_time_now (time);
  (void) log_mark_gap (log, time);
  if (log->fd >= 0)
    close (log->fd);
  log->fd = -1;
}

/* Writes the records the stream's buffer holds; with flush, a partial line too. */
static void
stream_drain (struct stream *stream, struct log_file *log, bool flush)
{
  size_t used = 0;
  size_t consumed;
  size_t content_len;
  bool partial;

  while ((consumed = cri_next_record (stream->buf + used, stream->len - used, flush, &content_len, &partial)) > 0)
    {
      log_write (log, stream->name, partial, stream->buf + used, content_len);
      used += consumed;
    }
  memmove (stream->buf, stream->buf + used, stream->len - used);
  stream->len -= used;
}

static void
stream_read (struct stream *stream, struct log_file *log)
{
  ssize_t n = read_retry (stream->fd, stream->buf + stream->len, sizeof stream->buf - stream->len);

  if (n <= 0)
    {
      stream_drain (stream, log, true);
      close (stream->fd);
      stream->fd = -1;
      return;
    }
  stream->len += (size_t) n;
  stream_drain (stream, log, false);
}

/* ---- the terminal, with --attach-dir ---- */

struct terminal_log
{
  struct stream *stream;
  struct log_file *log;
};

/* What the terminal shows is the container's stdout, as podman logs it. */
static void
log_terminal_output (const char *data, size_t len, void *context)
{
  struct terminal_log *target = context;
  struct stream *stream = target->stream;

  while (len > 0)
    {
      size_t n = sizeof stream->buf - stream->len;

      if (n > len)
        n = len;
      memcpy (stream->buf + stream->len, data, n);
      stream->len += n;
      data += n;
      len -= n;
      stream_drain (stream, target->log, false);
    }
}

/* The helper's argv with --console-socket PATH after its name: it sends us the master. */
static char **
helper_with_console_socket (char **helper, const char *path)
{
  size_t n = 0;
  char **argv;

  while (helper[n] != NULL)
    n++;
  argv = calloc (n + 3, sizeof *argv);
  if (argv == NULL)
    die ("out of memory");
  argv[0] = helper[0];
  argv[1] = (char *) "--console-socket";
  argv[2] = (char *) path;
  memcpy (argv + 3, helper + 1, n * sizeof *argv);
  return argv;
}

/* ---- the helper ---- */

static void
put_fd (int from, int to)
{
  if (dup2 (from, to) < 0)
    _exit (EXIT_RUNTIME);
}

static pid_t
spawn_helper (char **helper, char **env, int in_fd, int out_fd, int err_fd, int info_fd, int block_fd, int gate_fd,
              const sigset_t *mask)
{
  pid_t pid = fork ();

  if (pid < 0)
    die_with_errno ("fork");
  if (pid == 0)
    {
      int null_fd = in_fd >= 0 ? in_fd : open ("/dev/null", O_RDONLY | O_CLOEXEC);
      int block_copy = fcntl (block_fd, F_DUPFD_CLOEXEC, 10);
      /* Copies above the numbers they go to: a dup2 onto themselves would keep close-on-exec. */
      int gate_copy = gate_fd < 0 ? -1 : fcntl (gate_fd, F_DUPFD_CLOEXEC, 10);

      /* What we ignore, the container must not: a terminal's Ctrl-C is its SIGINT. */
      signal (SIGPIPE, SIG_DFL);
      signal (SIGHUP, SIG_DFL);
      signal (SIGINT, SIG_DFL);
      signal (SIGXFSZ, SIG_DFL);
      sigprocmask (SIG_SETMASK, mask, NULL);
      if (null_fd < 0 || block_copy < 0 || (gate_fd >= 0 && gate_copy < 0))
        _exit (EXIT_RUNTIME);
      put_fd (null_fd, 0);
      put_fd (out_fd, 1);
      put_fd (err_fd, 2);
      put_fd (info_fd, HELPER_INFO_FD);
      put_fd (block_copy, HELPER_BLOCK_FD);
      if (gate_fd >= 0)
        put_fd (gate_copy, HELPER_GATE_FD);
      if (env != NULL)
        execve (helper[0], helper, env);
      else
        execv (helper[0], helper);
      _exit (exec_failure_exit_code (errno));
    }
  return pid;
}

static void
make_pipe (int fds[2])
{
  if (pipe2 (fds, O_CLOEXEC) < 0)
    die_with_errno ("pipe");
}

/* ---- start-up: relaying the helper's lines, waiting for the acknowledgement ---- */

struct startup
{
  int info_fd;  /* the helper's info lines, -1 at their end */
  int sync_fd;  /* the starter, -1 once it acknowledged or left */
  int file_fd;  /* --info-file, -1 when not given */
  bool aborted; /* the starter left without acknowledging */
  size_t info_len;
  char info[1024];
};

static void
relay_info (struct startup *startup)
{
  ssize_t n = read_retry (startup->info_fd, startup->info, sizeof startup->info);

  if (n <= 0)
    {
      close (startup->info_fd);
      startup->info_fd = -1;
      /* The helper has said all it will: the starter's reading ends; its byte can still come. */
      if (startup->sync_fd >= 0)
        shutdown (startup->sync_fd, SHUT_WR);
      return;
    }
  /* Each line comes in one write() and fits; passed on as it is. */
  if (startup->sync_fd >= 0)
    write_all (startup->sync_fd, startup->info, (size_t) n);
  if (startup->file_fd >= 0)
    write_all (startup->file_fd, startup->info, (size_t) n);
}

static void
read_acknowledgement (struct startup *startup, pid_t helper, bool helper_alive)
{
  char byte;
  ssize_t n = read_retry (startup->sync_fd, &byte, 1);

  if (n != 1)
    {
      startup->aborted = true;
      if (helper_alive)
        kill (helper, SIGKILL);
    }
  close (startup->sync_fd);
  startup->sync_fd = -1;
  starter_fd = -1;
}

static void
let_go_of_stdio (void)
{
  int null_fd = open ("/dev/null", O_RDWR | O_CLOEXEC);

  if (null_fd < 0)
    die_with_errno ("/dev/null");
  for (int fd = 0; fd < 3; fd++)
    dup2 (null_fd, fd);
  close (null_fd);
}

/* The container's init holds the fifo open for reading and writing: it never sees its
 * end, and waits for the byte that a later process writes (OCI's create, then start). */
static int
open_start_fifo (const char *path)
{
  int fd;

  if (path == NULL)
    return -1;
  if (mkfifo (path, 0600) < 0)
    die_with_errno ("start fifo: %s", path);
  fd = RETRY_EINTR (open (path, O_RDWR | O_CLOEXEC));
  if (fd < 0)
    die_with_errno ("start fifo: %s", path);
  return fd;
}

static int
open_info_file (const char *path)
{
  int fd;

  if (path == NULL)
    return -1;
  fd = RETRY_EINTR (open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (fd < 0)
    die_with_errno ("info file: %s", path);
  return fd;
}

/* ---- the network stack, with --network-fd ----
 * slirp4netns (its --exit-fd) or pasta's keeper holds the other end of our socket
 * pair: its end of file means the stack has ended, and the container has no network
 * any more. Watched from the acknowledgement on, when start has closed its own copy. */

struct network_watch
{
  int fd; /* -1: not watched (yet, or any more) */
  const char *file;
};

static bool
peer_has_ended (int fd)
{
  char buf[64];
  ssize_t n = RETRY_EINTR (recv (fd, buf, sizeof buf, MSG_DONTWAIT));

  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* A socket nobody holds the other end of already (a container without a network
 * stack: --network none or host) is not watched. */
static void
network_watch_begin (struct network_watch *watch, int fd, const char *file)
{
  struct pollfd ended = { .fd = fd, .events = POLLIN };

  *watch = (struct network_watch) { .fd = -1, .file = file };
  if (fd < 0)
    return;
  if (RETRY_EINTR (poll (&ended, 1, 0)) > 0 && peer_has_ended (fd))
    {
      close (fd);
      return;
    }
  watch->fd = fd;
}

/* {"networkLostAt": "TIME"}, by rename: a reader sees it whole or not at all. */
static void
record_network_lost (const char *path)
{
  char time[CRI_TIME_SIZE];
  char line[128];
  char temporary[4096];
  autoclose_fd int fd = -1;
  int n;

  log_time_now (time);
  n = snprintf (line, sizeof line, "{\"networkLostAt\": \"%s\"}\n", time);
  snprintf (temporary, sizeof temporary, "%s.tmp", path);
  fd = RETRY_EINTR (open (temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (n < 0 || fd < 0 || write_all (fd, line, (size_t) n) < 0 || rename (temporary, path) < 0)
    {
      fprintf (stderr, MONITOR_NAME ": network file: %s: %s\n", path, strerror (errno));
      unlink (temporary);
    }
}

/* Whether the helper has exited, without reaping it (the main loop does). */
static bool
helper_has_exited (pid_t helper)
{
  siginfo_t info = { 0 };

  return waitid (P_PID, (id_t) helper, &info, WEXITED | WNOHANG | WNOWAIT) < 0 || info.si_pid != 0;
}

/* A stack that ends with the container (its namespace gone) is not a lost network. */
static void
network_watch_check (struct network_watch *watch, pid_t helper)
{
  if (!peer_has_ended (watch->fd))
    return;
  close (watch->fd);
  watch->fd = -1;
  if (!helper_has_exited (helper))
    record_network_lost (watch->file);
}

/* ---- the end ---- */

static const char *
end_reason (int status, bool aborted)
{
  int code = exit_code_from_status (status);

  if (aborted)
    return "aborted";
  if (WIFSIGNALED (status) || (code > 128 && code <= 128 + 64))
    return "signal";
  return "exit";
}

static void
write_exit_file (const char *path, int status, bool aborted)
{
  char time[CRI_TIME_SIZE];
  char line[256];
  char temporary[4096];
  struct timespec now;
  int n;
  autoclose_fd int fd = -1;

  clock_gettime (CLOCK_REALTIME, &now);
  cri_format_time (time, sizeof time, &now);
  n = cri_format_exit (line, sizeof line, exit_code_from_status (status), end_reason (status, aborted), time);
  snprintf (temporary, sizeof temporary, "%s.tmp", path);
  fd = RETRY_EINTR (open (temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  /* A folder that cannot take it must not keep the exit command from running: the
   * end is then recorded with an unknown exit code. */
  if (n < 0 || fd < 0 || write_all (fd, line, (size_t) n) < 0 || rename (temporary, path) < 0)
    {
      fprintf (stderr, MONITOR_NAME ": exit file: %s: %s\n", path, strerror (errno));
      unlink (temporary);
    }
}

static __attribute__ ((noreturn)) void
run_exit_command (char **command)
{
  int null_fd = open ("/dev/null", O_RDWR | O_CLOEXEC);

  if (command[0] == NULL)
    exit (0);
  if (null_fd >= 0)
    {
      dup2 (null_fd, 0);
      dup2 (null_fd, 1);
      dup2 (null_fd, 2);
    }
  execv (command[0], command);
  _exit (EXIT_RUNTIME);
}

static void
block_child_signal (sigset_t *saved, int *sigfd)
{
  sigset_t set;

  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  if (sigprocmask (SIG_BLOCK, &set, saved) < 0)
    die_with_errno ("sigprocmask");
  *sigfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (*sigfd < 0)
    die_with_errno ("signalfd");
  signal (SIGPIPE, SIG_IGN);
  signal (SIGHUP, SIG_IGN);
  signal (SIGINT, SIG_IGN);
  /* A log at a file-size limit must not end us, and the container with us: the write
   * fails with EFBIG instead, and the log marks the gap. */
  signal (SIGXFSZ, SIG_IGN);
}

static bool
reap_helper (pid_t helper, int sigfd, int *status)
{
  struct signalfd_siginfo info;

  while (read (sigfd, &info, sizeof info) > 0)
    ;
  return waitpid_retry (helper, status, WNOHANG) == helper;
}

static bool
partial_lines_waiting (const struct stream *streams, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (streams[i].len > 0)
      return true;
  return false;
}

int
main (int argc, char **argv)
{
  /* The helper's stdout and stderr, and the container's terminal. */
  static struct stream streams[3] = { { .name = "stdout" }, { .name = "stderr" }, { .name = "stdout", .fd = -1 } };
  static struct monitor_tty tty = { .master = -1 };
  static char console_path[128];
  struct terminal_log terminal_log = { .stream = &streams[2] };
  struct monitor_options opts;
  struct log_file log = { 0 };
  struct startup startup = { 0 };
  struct network_watch network = { .fd = -1 };
  int out[2], err[2], info[2];
  sigset_t saved_mask;
  int sigfd;
  int status = 0;
  bool reaped = false;
  pid_t helper;
  int gate_fd;

  if (argc > 1 && strcmp (argv[1], "--keep-while-fd") == 0)
    return keeper_main (argc - 1, argv + 1);
  parse_monitor_options (&opts, argc, argv);
  /* Inherited fds stay open, held, until we end (an --exit-fd for whatever must
   * end with the container); neither the helper nor the exit command gets them. */
  mark_fds_cloexec_from (3);
  starter_fd = opts.sync_fd;
  set_die_handler (monitor_die);
  setsid ();
  block_child_signal (&saved_mask, &sigfd);
  gate_fd = open_start_fifo (opts.start_fifo);
  make_pipe (info);
  startup.file_fd = open_info_file (opts.info_file);
  if (opts.inherit_stdio)
    {
      helper = spawn_helper (opts.helper, opts.helper_env, 0, 1, 2, info[1], opts.block_fd, gate_fd, &saved_mask);
      streams[0].fd = streams[1].fd = -1;
      /* The container's stdio is the caller's (an engine's monitor waits for its end): hold none of it. */
      let_go_of_stdio ();
    }
  else
    {
      log.path = opts.log_path;
      log.max_size = opts.log_max_size;
      log_open (&log, false);
      if (log.fd < 0)
        die_with_errno ("log: %s", log.path);
      log.size_limit = log_size_limit ();
      terminal_log.log = &log;
      if (opts.attach_dir != NULL)
        {
          monitor_tty_open (&tty, opts.attach_dir, opts.attach_stdin, log_terminal_output, &terminal_log);
          monitor_tty_console_path (&tty, console_path, sizeof console_path);
          opts.helper = helper_with_console_socket (opts.helper, console_path);
        }
      make_pipe (out);
      make_pipe (err);
      helper = spawn_helper (opts.helper, opts.helper_env, -1, out[1], err[1], info[1], opts.block_fd, gate_fd,
                             &saved_mask);
      close (out[1]);
      close (err[1]);
      streams[0].fd = out[0];
      streams[1].fd = err[0];
    }
  helper_pid = helper;
  close (info[1]);
  close (opts.block_fd);
  if (gate_fd >= 0)
    close (gate_fd);
  startup.info_fd = info[0];
  startup.sync_fd = opts.sync_fd;

  while (streams[0].fd >= 0 || streams[1].fd >= 0 || startup.info_fd >= 0 || startup.sync_fd >= 0 || !reaped)
    {
      struct pollfd polls[6 + MONITOR_TTY_POLLS] = {
        { .fd = streams[0].fd, .events = POLLIN },   { .fd = streams[1].fd, .events = POLLIN },
        { .fd = startup.info_fd, .events = POLLIN }, { .fd = startup.sync_fd, .events = POLLIN },
        { .fd = sigfd, .events = POLLIN },           { .fd = network.fd, .events = POLLIN },
      };
      size_t n_polls = opts.attach_dir != NULL ? N_ELEMENTS (polls) : 6;
      int timeout = partial_lines_waiting (streams, 3) ? PARTIAL_FLUSH_MS : -1;
      int ready;

      if (opts.attach_dir != NULL)
        monitor_tty_polls (&tty, polls + 6);
      ready = RETRY_EINTR (poll (polls, n_polls, timeout));
      if (ready < 0)
        die_with_errno ("poll");
      if (ready == 0)
        for (size_t i = 0; i < 3; i++)
          stream_drain (&streams[i], &log, true);
      if (opts.attach_dir != NULL)
        monitor_tty_handle (&tty, polls + 6);
      for (size_t i = 0; i < 2; i++)
        if (polls[i].revents != 0)
          stream_read (&streams[i], &log);
      if (polls[2].revents != 0)
        relay_info (&startup);
      /* The helper's lines first: the starter must see them before we go on. */
      if (polls[3].revents != 0 && polls[2].revents == 0)
        {
          read_acknowledgement (&startup, helper, !reaped);
          if (!startup.aborted)
            network_watch_begin (&network, opts.network_fd, opts.network_file);
        }
      if (polls[5].revents != 0 && network.fd >= 0 && !reaped)
        network_watch_check (&network, helper);
      if (polls[4].revents != 0 && !reaped)
        {
          reaped = reap_helper (helper, sigfd, &status);
          if (reaped)
            helper_pid = -1;
        }
    }
  if (startup.file_fd >= 0)
    close (startup.file_fd);
  if (opts.attach_dir != NULL)
    monitor_tty_finish (&tty);
  stream_drain (&streams[2], &log, true);
  if (!opts.inherit_stdio)
    log_finish (&log);
  /* Last of what we do ourselves: a container recorded as ended has its whole log, and
   * nothing of ours is left in its folder, so a restart may start the next run at once
   * (our exit command may still be running then). */
  write_exit_file (opts.exit_file, status, startup.aborted);
  if (opts.attach_dir != NULL)
    monitor_tty_send_exit (&tty, exit_code_from_status (status));
  run_exit_command (opts.exit_command);
}
