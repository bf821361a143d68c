/* ryouiki-exec: runs a program inside a running Ryouiki container, for `ryouiki exec`.
 * It joins the container's cgroup (--cgroup), the namespaces of the container's
 * init (user first, mount last), takes the container's root and working directory,
 * and runs the program as its child with the container's security (user,
 * capabilities, no_new_privs, seccomp: see security.h), forwarding signals; it
 * exits with the program's exit code. With --tty the program gets a terminal of the
 * container's devpts, which we relay to our stdio (tty.c).
 * `ryouiki-exec --attach SOCKET ...` is the client of `ryouiki attach` instead
 * (attach-client.c): one binary less to ship. */
#include "attach-client.h"
#include "fds.h"
#include "init.h"
#include "options.h"
#include "protocol.h"
#include "sealed-exec.h"
#include "seccomp-filter.h"
#include "security.h"
#include "tty.h"
#include "utils.h"

#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define EXEC_NAME "ryouiki-exec"
#define MAX_ENV 1024
#define MAX_CGROUPS 32

struct exec_options
{
  pid_t target;
  const char *cwd;
  char *env[MAX_ENV + 1];
  size_t n_env;
  struct security_options security; /* --user, --caps, --privileged, --seccomp: as ryouiki-init's */
  int info_fd;
  char **command;
  const char *seccomp_file;
  const char *cgroups[MAX_CGROUPS]; /* --cgroup DIR: the container's cgroup folders */
  size_t n_cgroups;
  struct terminal_options terminal; /* --tty, --interactive, --console-socket: as ryouiki-init's */
  bool detach;                      /* outlive our starter; end our info fd once the program runs */
};

/* The namespaces to join, in order: the user namespace first gives the rights for
 * the others; the mount namespace last, as it changes what /proc shows. */
static const struct
{
  const char *name;
  int type;
} namespaces[] = {
  { "user", CLONE_NEWUSER }, { "ipc", CLONE_NEWIPC },       { "uts", CLONE_NEWUTS }, { "net", CLONE_NEWNET },
  { "pid", CLONE_NEWPID },   { "cgroup", CLONE_NEWCGROUP }, { "mnt", CLONE_NEWNS },
};

static int info_fd = -1;

static __attribute__ ((noreturn)) void
exec_die (int err, const char *message)
{
  if (info_fd >= 0)
    info_send_error (info_fd, message, err, EXIT_RUNTIME);
  else
    fprintf (stderr, EXEC_NAME ": %s\n", message);
  exit (EXIT_RUNTIME);
}

static long
number_argument (const char *option, const char *text)
{
  char *end;
  long value;

  errno = 0;
  value = strtol (text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < 0 || value > INT_MAX)
    die ("%s: not a number: %s", option, text);
  return value;
}

/* UID or UID:GID, numbers as the container's user namespace sees them. */
static void
parse_exec_user (struct exec_options *opts, const char *text)
{
  char copy[64];
  char *colon;

  if (strlen (text) >= sizeof copy)
    die ("--user: too long: %s", text);
  strcpy (copy, text);
  colon = strchr (copy, ':');
  if (colon != NULL)
    *colon = '\0';
  opts->security.uid = (uid_t) number_argument ("--user", copy);
  opts->security.gid = colon != NULL ? (gid_t) number_argument ("--user", colon + 1) : (gid_t) opts->security.uid;
  opts->security.has_user = true;
}

static void
parse_exec_options (struct exec_options *opts, int argc, char **argv)
{
  static const struct option long_options[] = {
    { "target", required_argument, NULL, 't' },
    { "cwd", required_argument, NULL, 'w' },
    { "env", required_argument, NULL, 'e' },
    { "user", required_argument, NULL, 'u' },
    { "info-fd", required_argument, NULL, 'i' },
    { "caps", required_argument, NULL, 'c' },
    { "privileged", no_argument, NULL, 'p' },
    { "seccomp", required_argument, NULL, 's' },
    { "cgroup", required_argument, NULL, 'g' },
    { "tty", no_argument, NULL, 'T' },
    { "interactive", no_argument, NULL, 'I' },
    { "detach", no_argument, NULL, 'd' },
    { "console-socket", required_argument, NULL, 'C' },
    { NULL, 0, NULL, 0 },
  };
  int option;

  *opts = (struct exec_options) { .cwd = "/", .info_fd = -1, .security.caps = default_capabilities () };
  /* The program inherits our environment (ryouiki exec starts us with exactly the
   * container's): values on a command line would show in every process list. */
  for (char **entry = environ; *entry != NULL && opts->n_env < MAX_ENV; entry++)
    opts->env[opts->n_env++] = *entry;
  while ((option = getopt_long (argc, argv, "+", long_options, NULL)) != -1)
    switch (option)
      {
      case 't':
        opts->target = (pid_t) number_argument ("--target", optarg);
        break;
      case 'w':
        opts->cwd = optarg;
        break;
      case 'e':
        if (opts->n_env == MAX_ENV)
          die ("--env: too many");
        if (strchr (optarg, '=') == NULL)
          die ("--env: %s: not KEY=VALUE", optarg);
        opts->env[opts->n_env++] = optarg;
        break;
      case 'u':
        parse_exec_user (opts, optarg);
        break;
      case 'i':
        if (parse_fd_number (optarg, &opts->info_fd) < 0 || opts->info_fd < 3)
          die ("--info-fd: not an fd of 3 or more: %s", optarg);
        break;
      case 'c':
        if (parse_capability_list (optarg, &opts->security.caps) < 0)
          die ("--caps: %s: not all, or numbers from 0 to 63 separated by commas", optarg);
        break;
      case 'p':
        opts->security.privileged = true;
        opts->security.caps = UINT64_MAX;
        break;
      case 's':
        opts->seccomp_file = optarg;
        break;
      case 'd':
        opts->detach = true;
        break;
      case 'C':
        opts->terminal.console_socket = optarg;
        break;
      case 'g':
        if (opts->n_cgroups == MAX_CGROUPS)
          die ("--cgroup: too many");
        opts->cgroups[opts->n_cgroups++] = optarg;
        break;
      case 'T':
        opts->terminal.tty = true;
        break;
      case 'I':
        opts->terminal.interactive = true;
        break;
      default:
        die ("unknown option: see the Ryouiki helper README");
      }
  if (opts->target <= 0)
    die ("--target PID is required");
  if (opts->terminal.console_socket != NULL && !opts->terminal.tty)
    die ("--console-socket requires --tty (it hands out the terminal's master)");
  if (optind >= argc)
    die ("the program to run is missing after --");
  opts->command = argv + optind;
}

static __attribute__ ((noreturn)) void
report_exec_failure (const char *program, int err)
{
  char message[1024];
  int code = exec_failure_exit_code (err);

  snprintf (message, sizeof message, "exec: %s: %s", program, strerror (err));
  if (info_fd >= 0)
    info_send_error (info_fd, message, err, code);
  else
    fprintf (stderr, EXEC_NAME ": %s\n", message);
  exit (code);
}

static bool
same_namespace (pid_t target, const char *name)
{
  char path[64];
  struct stat ours, theirs;

  snprintf (path, sizeof path, "/proc/%d/ns/%s", (int) target, name);
  if (stat (path, &theirs) < 0)
    die_with_errno ("namespace: %s", path);
  snprintf (path, sizeof path, "/proc/self/ns/%s", name);
  return stat (path, &ours) == 0 && ours.st_ino == theirs.st_ino && ours.st_dev == theirs.st_dev;
}

static int
open_target_file (pid_t target, const char *name, int flags)
{
  char path[64];
  int fd;

  snprintf (path, sizeof path, "/proc/%d/%s", (int) target, name);
  fd = open (path, flags | O_CLOEXEC);
  if (fd < 0)
    die_with_errno ("container %d: %s", (int) target, name);
  return fd;
}

/* Joins every namespace the target does not share with us, then takes its root. */
static void
enter_container (pid_t target)
{
  int fds[N_ELEMENTS (namespaces)];
  /* O_PATH: a FUSE root (fuse-overlayfs) refuses to be opened from outside the container's
   * user namespace; fchdir checks it only once we are inside. */
  autoclose_fd int root_fd = open_target_file (target, "root", O_PATH | O_DIRECTORY);
  char path[32];

  for (size_t i = 0; i < N_ELEMENTS (namespaces); i++)
    {
      snprintf (path, sizeof path, "ns/%s", namespaces[i].name);
      fds[i] = same_namespace (target, namespaces[i].name) ? -1 : open_target_file (target, path, O_RDONLY);
    }
  /* A namespace owned by an ancestor of the container's user namespace (an OCI engine's
   * network namespace, joined by path) can only be joined before entering the latter: try
   * each first from here; those that need the container's user namespace come after it. */
  for (size_t i = 0; i < N_ELEMENTS (namespaces); i++)
    if (fds[i] >= 0 && namespaces[i].type != CLONE_NEWUSER && setns (fds[i], namespaces[i].type) == 0)
      {
        close (fds[i]);
        fds[i] = -1;
      }
  for (size_t i = 0; i < N_ELEMENTS (namespaces); i++)
    {
      if (fds[i] < 0)
        continue;
      if (setns (fds[i], namespaces[i].type) < 0)
        die_with_errno ("setns: %s namespace", namespaces[i].name);
      close (fds[i]);
    }
  if (fchdir (root_fd) < 0 || chroot (".") < 0)
    die_with_errno ("root: enter the container's root");
}

/* Moves this process, and so every child it forks from now on, into each of the
 * container's cgroup folders (v1: one per hierarchy; v2: one). It runs before the
 * program is forked and before the namespaces are joined, while the host's cgroup
 * tree is still visible: the program is thus never outside the container's cgroup,
 * unlike a move made by the caller once the program's pid is known. */
static void
join_cgroups (const struct exec_options *opts)
{
  char path[PATH_MAX];
  char pid[32];

  snprintf (pid, sizeof pid, "%d\n", (int) getpid ());
  for (size_t i = 0; i < opts->n_cgroups; i++)
    {
      autoclose_fd int fd = -1;

      if ((size_t) snprintf (path, sizeof path, "%s/cgroup.procs", opts->cgroups[i]) >= sizeof path)
        die ("--cgroup: path too long: %s", opts->cgroups[i]);
      fd = open (path, O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write_all (fd, pid, strlen (pid)) < 0)
        die_with_errno ("cgroup: join %s", opts->cgroups[i]);
    }
}

/* Before the chdir (CVE-2024-21626): only the info fd and the console socket stay. */
static void
close_fds_of_host (void)
{
  const int keep[] = { info_fd, tty_console_socket_fd () };

  close_fds_except (keep, N_ELEMENTS (keep));
}

static const char *
search_path (const struct exec_options *opts)
{
  for (size_t i = 0; i < opts->n_env; i++)
    if (strncmp (opts->env[i], "PATH=", 5) == 0)
      return opts->env[i] + 5;
  return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

static __attribute__ ((noreturn)) void
run_program (const struct exec_options *opts, int error_fd, const struct saved_signals *saved, int tty_slave)
{
  int err;

  /* Dies with ryouiki-exec, which dies with the ryouiki exec that started it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  signals_restore (saved);
  if (tty_slave >= 0 && (err = tty_make_controlling (tty_slave)) != 0)
    {
      (void) write_all (error_fd, &err, sizeof err);
      _exit (EXIT_RUNTIME);
    }
  /* Without a terminal of its own, out of the caller's (CVE-2017-5226). */
  if (tty_slave < 0 && setsid () < 0)
    {
      err = errno;
      (void) write_all (error_fd, &err, sizeof err);
      _exit (EXIT_RUNTIME);
    }
  secure_command (&opts->security);
  execvpe (opts->command[0], opts->command, (char **) opts->env);
  err = errno;
  (void) write_all (error_fd, &err, sizeof err);
  _exit (exec_failure_exit_code (err));
}

int
main (int argc, char **argv)
{
  struct exec_options opts;
  struct saved_signals saved;
  autoclose_fd int sigfd = -1;
  int exec_pipe[2];
  int tty_master = -1;
  int tty_slave = -1;
  int err = 0;
  pid_t child;

  if (argc > 1 && strcmp (argv[1], "--attach") == 0)
    {
      if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0)
        die_with_errno ("prctl(PR_SET_PDEATHSIG)");
      return attach_main (argc, argv);
    }
  set_die_handler (exec_die);
  run_from_sealed_copy (EXEC_NAME, argv);
  parse_exec_options (&opts, argc, argv);
  /* Detached (an OCI engine's exec), we live on for the engine's monitor to reap. */
  if (!opts.detach && prctl (PR_SET_PDEATHSIG, SIGKILL) < 0)
    die_with_errno ("prctl(PR_SET_PDEATHSIG)");
  info_fd = opts.info_fd;
  mark_fds_cloexec_from (3);

  /* Both read on the host, before the container's mount namespace hides it. */
  if (opts.seccomp_file != NULL)
    {
      char *rules = seccomp_read_rules (opts.seccomp_file);

      seccomp_prepare (rules, NULL, &opts.security.seccomp);
      free (rules);
    }
  /* The socket's path is the host's: connected before the container's root is taken. */
  tty_connect_console_socket (&opts.terminal);
  join_cgroups (&opts);
  enter_container (opts.target);
  close_fds_of_host ();
  if (chdir (opts.cwd) < 0)
    die_with_errno ("cwd: %s", opts.cwd);
  check_cwd_inside_root (opts.cwd);
  if (setenv ("PATH", search_path (&opts), 1) < 0)
    die_with_errno ("setenv PATH");
  /* In the container's mount namespace and root: /dev/ptmx is its devpts's. */
  if (opts.terminal.tty)
    tty_open_pair (&tty_master, &tty_slave);
  signals_block (&saved);
  sigfd = signals_open_fd ();
  if (pipe2 (exec_pipe, O_CLOEXEC) < 0)
    die_with_errno ("pipe");
  child = fork ();
  if (child < 0)
    die_with_errno ("fork");
  if (child == 0)
    run_program (&opts, exec_pipe[1], &saved, tty_slave);
  free (opts.security.seccomp.instructions);
  close (exec_pipe[1]);
  if (tty_slave >= 0)
    close (tty_slave);
  if (read_retry (exec_pipe[0], &err, sizeof err) == (ssize_t) sizeof err)
    {
      int status;

      waitpid_retry (child, &status, 0);
      report_exec_failure (opts.command[0], err);
    }
  close (exec_pipe[0]);
  /* An engine's exec (ryouiki-runtime): the terminal goes to its socket before it hears that the program runs. */
  if (opts.terminal.tty && opts.terminal.console_socket != NULL)
    tty_hand_over (tty_master);
  if (opts.detach && info_fd >= 0)
    {
      /* Its end tells our starter that the program runs. */
      close (info_fd);
      info_fd = -1;
    }
  if (opts.terminal.tty && opts.terminal.console_socket == NULL)
    exit (exit_code_from_status (tty_supervise (&opts.terminal, child, sigfd, tty_master)));
  exit (exit_code_from_status (supervise (child, sigfd, false)));
}
