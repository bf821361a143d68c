/* ryouiki-init: runs a command in new namespaces, as the only child of a minimal
 * init, for the Ryouiki rootless container runtime. See README.md for the contract.
 *
 * The helper (this process, on the host side) clones the container's init into new
 * user, mount, PID, UTS, IPC and network namespaces. While the init waits for the
 * start message, the helper writes its id maps and announces it on --info-fd. The
 * init then sets up the filesystem, runs the command and reports the outcome of
 * exec; from then on both forward signals and wait for their child. */
#include "bind-files.h"
#include "fds.h"
#include "filesystems.h"
#include "ids.h"
#include "init.h"
#include "init-exec.h"
#include "mount-room.h"
#include "mounts.h"
#include "mount-options.h"
#include "namespaces.h"
#include "process-limits.h"
#include "sysctl.h"
#include "options.h"
#include "overlay.h"
#include "proc-title.h"
#include "protocol.h"
#include "sealed-exec.h"
#include "seccomp-filter.h"
#include "given-mounts.h"
#include "start-hooks.h"
#include "tty.h"
#include "utils.h"
#include "volumes.h"

#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* What the error handlers need. */
static pid_t container_pid = -1;
static int info_fd = -1;
static int init_sync_fd = -1;

static __attribute__ ((noreturn)) void
finish (int code)
{
  info_send_exit (info_fd, code);
  if (info_fd >= 0)
    close (info_fd);
  init_exec_forget_args ();
  exit (code);
}

/* A caller that reads --info-fd gets the error there, and nothing on stderr: it
 * reports the error itself, while the command may share our stderr. */
static void
report_failure (const char *message, int err, int code)
{
  if (info_fd >= 0)
    info_send_error (info_fd, message, err, code);
  else
    fprintf (stderr, PROGRAM_NAME ": %s\n", message);
}

/* What the caller should tell, the container starting anyway: on --info-fd, as the errors. */
static void
report_warning (const char *message)
{
  if (info_fd >= 0)
    info_send_warning (info_fd, message);
  else
    fprintf (stderr, PROGRAM_NAME ": warning: %s\n", message);
}

/* Fatal errors in the helper: take the container down with us. */
static void
helper_die (int err, const char *message)
{
  int status;

  report_failure (message, err, EXIT_RUNTIME);
  if (container_pid > 0)
    {
      kill (container_pid, SIGKILL);
      waitpid_retry (container_pid, &status, 0);
    }
  overlay_end_fuse_server ();
  finish (EXIT_RUNTIME);
}

/* Fatal errors in the init, before the command runs: the helper reports them. */
static void
init_die (int err, const char *message)
{
  if (sync_send (init_sync_fd, SYNC_ERROR, err, message) < 0)
    fprintf (stderr, PROGRAM_NAME ": %s\n", message);
  _exit (EXIT_RUNTIME);
}

static void
die_with_parent (void)
{
  pid_t spawner = getppid ();

  if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0)
    die_with_errno ("prctl(PR_SET_PDEATHSIG)");
  if (getppid () != spawner)
    exit (EXIT_RUNTIME); /* it died before we could ask to follow it */
}

static void
parse_command_line (struct options *opts, int argc, char **argv)
{
  char error[512];

  switch (options_parse (opts, argc, argv, environ, error, sizeof error))
    {
    case OPTIONS_RUN:
      return;
    case OPTIONS_HELP:
      options_print_help (stdout);
      exit (0);
    case OPTIONS_VERSION:
      printf (PROGRAM_NAME " " PROGRAM_VERSION "\n");
      exit (0);
    case OPTIONS_ERROR:
    default:
      die ("%s", error);
    }
}

static void
check_fd (const char *option, int fd, int wanted_access)
{
  int flags;

  if (fd < 0)
    return;
  flags = fcntl (fd, F_GETFL);
  if (flags < 0)
    die_with_errno ("%s %d", option, fd);
  if ((flags & O_ACCMODE) != O_RDWR && (flags & O_ACCMODE) != wanted_access)
    die ("%s %d: not open for %s", option, fd, wanted_access == O_RDONLY ? "reading" : "writing");
}

static pid_t
raw_clone (unsigned long flags)
{
  /* Without a new stack, clone() behaves like fork(): the child returns here too. */
#if defined(__s390__) || defined(__CRIS__)
  return (pid_t) syscall (SYS_clone, NULL, flags, NULL, NULL, NULL);
#else
  return (pid_t) syscall (SYS_clone, flags, NULL, NULL, NULL, NULL);
#endif
}

static pid_t
spawn_container (const struct options *opts)
{
  pid_t pid;

  pid = raw_clone (namespaces_clone_flags (opts) | SIGCHLD);
  if (pid < 0 && is_userns_refusal (errno))
    die_userns (errno);
  if (pid < 0)
    die_with_errno ("clone");
  return pid;
}

/* ---- The container's init, before it runs the command ---- */

/* Returns the init's PID as the host sees it, which the start message carries. */
static int
wait_for_go (int sync_fd)
{
  struct sync_message message;

  /* Anything but the start message means the helper is gone: leave quietly. */
  if (sync_receive (sync_fd, &message) != 1 || message.kind != SYNC_GO)
    _exit (EXIT_RUNTIME);
  return message.err;
}

static void
bring_up_loopback (void)
{
  autoclose_fd int sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq request = { .ifr_name = "lo" };

  if (sock < 0)
    die_with_errno ("network: socket");
  if (ioctl (sock, SIOCGIFFLAGS, &request) < 0)
    die_with_errno ("network: get flags of lo");
  request.ifr_flags |= IFF_UP;
  if (ioctl (sock, SIOCSIFFLAGS, &request) < 0)
    die_with_errno ("network: bring lo up");
}

/* Before the chdir (CVE-2024-21626): only the fds the init still needs stay open. */
static void
close_fds_of_host (const struct options *opts, int sync_fd)
{
  const int keep[] = { sync_fd, opts->exec_gate_fd };

  close_fds_except (keep, N_ELEMENTS (keep));
}

/* In the image executed again inside the container's user namespace (init-exec.h). */
static __attribute__ ((noreturn)) void
set_up_container (struct options *opts, const char *rootfs, int sync_fd, const struct saved_signals *saved,
                  int host_pid)
{
  start_hooks_load (opts->start_hooks_file, host_pid);
  process_limits_apply_oom_score_adj (opts);
  /* Detached, the init outlives the helper from now on: an OCI engine's monitor reaps it. */
  if (opts->detach && prctl (PR_SET_PDEATHSIG, 0) < 0)
    die_with_errno ("prctl(PR_SET_PDEATHSIG)");
  volumes_open_sources (opts);
  /* A bundle's /dev is one of its mounts, or none: its masks are taken from the host's first. */
  if (!opts->security.privileged && opts->only_given_mounts)
    hold_null_device_copies (masked_path_count (opts));
  setup_rootfs (rootfs, opts, sync_fd);
  if (!opts->security.privileged && !opts->only_given_mounts)
    hold_null_device ();
  volumes_mount (opts);
  if (opts->only_given_mounts)
    given_mounts_finish_dev (opts->share_user);
  bind_files_mount (opts->bind_files, opts->n_bind_files, opts->make_mount_points);
  mount_room_seal (opts->read_only);
  if (opts->read_only && !opts->no_read_only_tmpfs)
    mount_writable_tmpfs ();
  apply_rootfs_propagation (opts->rootfs_propagation);
  sysctl_apply (opts);
  if (!opts->security.privileged)
    protect_kernel_paths (opts);
  /* A UTS namespace that is not the container's own keeps its name. */
  if ((namespaces_clone_flags (opts) & CLONE_NEWUTS) && sethostname (opts->hostname, strlen (opts->hostname)) < 0)
    die_with_errno ("hostname: %s", opts->hostname);
  if (opts->domainname != NULL && setdomainname (opts->domainname, strlen (opts->domainname)) < 0)
    die_with_errno ("domainname: %s", opts->domainname);
  process_limits_apply (opts);
  /* A network namespace joined by path is its owner's to configure (and may not be ours to). */
  if (namespaces_clone_flags (opts) & CLONE_NEWNET)
    bring_up_loopback ();
  close_fds_of_host (opts, sync_fd);
  if (chdir (opts->cwd) < 0)
    die_with_errno ("cwd: %s", opts->cwd);
  check_cwd_inside_root (opts->cwd);
  run_init (opts, sync_fd, saved);
}

/* ryouiki-init --container-init CARRY ROOTFS ARGS...: the init, executed again. */
static __attribute__ ((noreturn)) void
run_executed_init (int argc, char **argv)
{
  struct init_carry carry;
  struct saved_signals saved;
  struct options opts;
  const char *rootfs;

  /* First of all: the exec made us dumpable, and we hold fds of the host's until the chdir. */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    die_with_errno ("prctl(PR_SET_DUMPABLE)");
  if (argc < 4 || init_carry_parse (argv[2], &carry) < 0)
    die ("%s: for the init only: not given the state it carries", CONTAINER_INIT_FLAG);
  init_sync_fd = carry.sync_fd;
  set_die_handler (init_die);
  proc_title_remember (argc, argv);
  rootfs = argv[3];
  argv[3] = argv[0];
  parse_command_line (&opts, argc - 3, argv + 3);
  init_exec_take_carry (&carry, &opts, &saved);
  /* The carried fds went through exec; none may go further. */
  mark_fds_cloexec_from (3);
  set_up_container (&opts, rootfs, carry.sync_fd, &saved, carry.host_pid);
}

static __attribute__ ((noreturn)) void
run_container (struct options *opts, const char *rootfs, int sync_fd, const struct saved_signals *saved)
{
  int host_pid;

  init_sync_fd = sync_fd;
  set_die_handler (init_die);
  if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0)
    die_with_errno ("prctl(PR_SET_PDEATHSIG)");
  /* The helper's copies are enough; ours would keep the info pipe open. */
  if (opts->info_fd >= 0)
    close (opts->info_fd);
  if (opts->block_fd >= 0 && opts->block_fd != opts->info_fd)
    close (opts->block_fd);
  /* The id maps are written by now: the init is root in its user namespace, and stays so across exec. */
  host_pid = wait_for_go (sync_fd);
  init_exec_in_container (opts, rootfs, sync_fd, saved, host_pid);
}

/* ---- The helper, after clone ---- */

/* Waits until one of fds is readable, or has hung up, and returns its index;
 * meanwhile passes the signals we receive on to the container. */
static size_t
wait_readable (const int *fds, size_t n_fds, int sigfd)
{
  struct pollfd polls[3];

  for (;;)
    {
      for (size_t i = 0; i < n_fds; i++)
        polls[i] = (struct pollfd) { .fd = fds[i], .events = POLLIN };
      polls[n_fds] = (struct pollfd) { .fd = sigfd, .events = POLLIN };
      if (RETRY_EINTR (poll (polls, n_fds + 1, -1)) < 0)
        die_with_errno ("poll");
      for (size_t i = 0; i < n_fds; i++)
        if (polls[i].revents != 0)
          return i;
      /* A SIGCHLD is consumed here without reaping: supervise() checks first. */
      signals_forward_next (sigfd, container_pid);
    }
}

static void
wait_for_start_byte (int block_fd, int sync_fd, int sigfd)
{
  const int fds[] = { block_fd, sync_fd };

  for (;;)
    {
      char byte;
      ssize_t n;

      if (wait_readable (fds, N_ELEMENTS (fds), sigfd) == 1)
        die ("container: its init exited before the start signal");
      n = read_retry (block_fd, &byte, 1);
      if (n == 1)
        return;
      if (n == 0)
        die ("block-fd: closed before the start signal");
      if (errno != EAGAIN)
        die_with_errno ("block-fd");
    }
}

/* The next report of the init's, once the requests it makes on the way are served. */
static void
receive_report (const struct options *opts, const char *rootfs, int sync_fd, int sigfd, struct sync_message *report,
                int *fd)
{
  for (;;)
    {
      int received;
      int status, tree;

      *fd = -1;
      wait_readable (&sync_fd, 1, sigfd);
      received = sync_receive_with_fd (sync_fd, report, fd);
      if (received < 0)
        die_with_errno ("sync: receive");
      if (received == 0)
        die ("container: its init exited before running the command");
      if (report->kind != SYNC_FUSE_OVERLAY || opts->overlay_dir == NULL)
        return;
      status = overlay_serve_fuse_request (container_pid, rootfs, opts->overlay_lowers, opts->n_overlay_lowers,
                                           opts->overlay_dir, &tree);
      if (sync_send_with_fd (sync_fd, SYNC_FUSE_OVERLAY, status, tree) < 0)
        die_with_errno ("sync: answer the init");
      if (tree >= 0)
        close (tree);
    }
}

/* Returns true once the command runs, false with the init's error report in report.
 * Before, with --exec-gate-fd, the init reports that it is ready, with the terminal. */
static bool
wait_for_exec_report (const struct options *opts, const char *rootfs, int sync_fd, int sigfd,
                      struct sync_message *report, int *pty_master)
{
  int fd;

  receive_report (opts, rootfs, sync_fd, sigfd, report, &fd);
  if (report->kind == SYNC_READY)
    {
      *pty_master = fd;
      if (opts->terminal.tty && opts->detach)
        {
          tty_hand_over (*pty_master);
          *pty_master = -1;
        }
      info_send_ready (info_fd);
      receive_report (opts, rootfs, sync_fd, sigfd, report, &fd);
      if (fd >= 0)
        close (fd);
    }
  else
    *pty_master = fd;
  return report->kind == SYNC_EXEC_OK;
}

/* Reaps the init that could not run the command; returns its exit code: 125, 126 or 127. */
static int
fail_start (const struct sync_message *report)
{
  int status;
  int code;

  if (waitpid_retry (container_pid, &status, 0) < 0)
    die_with_errno ("waitpid");
  container_pid = -1;
  overlay_end_fuse_server ();
  code = exit_code_from_status (status);
  /* A set-up failure leaves the caller's folders as they were; the command may have written. */
  if (code != EXIT_RUNTIME)
    overlay_remove_layers ();
  report_failure (report->text, report->err, code);
  return code;
}

/* Before anything can join the container's user namespace (the pid line lets the caller's
 * cgroups and networks in): the full maps given, else the caller's own ids as 0. */
static void
map_ids (const struct options *opts, const sigset_t *child_mask)
{
  if (opts->no_idmap || opts->share_user || namespaces_joined_user (opts))
    return;
  if (opts->id_maps.n_uid > 0)
    write_full_id_maps (container_pid, &opts->id_maps, child_mask, report_warning);
  else
    write_id_maps (container_pid, geteuid (), getegid ());
}

/* Returns the exit code of the helper. */
static int
run_helper (const struct options *opts, const char *rootfs, int sync_fd, const sigset_t *child_mask)
{
  autoclose_fd int sigfd = signals_open_fd ();
  struct sync_message report;
  int pty_master;
  int status;

  if (opts->overlay_dir != NULL)
    overlay_keep_layers_for_removal (container_pid, opts->overlay_dir, opts->overlay_keep_upper);
  map_ids (opts, child_mask);
  info_send_pid (info_fd, container_pid);
  if (opts->block_fd >= 0)
    wait_for_start_byte (opts->block_fd, sync_fd, sigfd);
  if (sync_send (sync_fd, SYNC_GO, container_pid, "") < 0)
    die_with_errno ("sync: send the start message");
  if (!wait_for_exec_report (opts, rootfs, sync_fd, sigfd, &report, &pty_master))
    return fail_start (&report);
  info_send_exec (info_fd);
  if (opts->detach)
    {
      if (opts->terminal.tty && pty_master >= 0)
        tty_hand_over (pty_master);
      container_pid = -1;
      return 0;
    }
  if (opts->terminal.tty)
    status = tty_supervise (&opts->terminal, container_pid, sigfd, pty_master);
  else
    status = supervise (container_pid, sigfd, false);
  container_pid = -1;
  overlay_end_fuse_server ();
  overlay_remove_layers ();
  return exit_code_from_status (status);
}

int
main (int argc, char **argv)
{
  struct options opts;
  struct saved_signals saved;
  char *rootfs;
  int sync_fds[2];
  int code;

  run_from_sealed_copy (PROGRAM_NAME, argv);
  if (argc > 1 && strcmp (argv[1], CONTAINER_INIT_FLAG) == 0)
    run_executed_init (argc, argv);
  proc_title_remember (argc, argv);
  init_exec_remember_args (argc, argv);
  die_with_parent ();
  parse_command_line (&opts, argc, argv);
  /* Only 0, 1 and 2 are for the command; anything else inherited stays out of it. */
  mark_fds_cloexec_from (3);
  check_fd ("--info-fd", opts.info_fd, O_WRONLY);
  check_fd ("--block-fd", opts.block_fd, O_RDONLY);
  info_fd = opts.info_fd;
  set_die_handler (helper_die);
  tty_connect_console_socket (&opts.terminal);

  /* A bundle's rootfs needs no /proc or /dev of its own: its mounts are all it gets. */
  if (!opts.only_given_mounts)
    validate_rootfs (opts.rootfs, opts.overlay_dir != NULL);
  if (opts.seccomp_file != NULL)
    {
      char *rules = seccomp_read_rules (opts.seccomp_file);

      seccomp_prepare (rules, opts.seccomp_cache, &opts.security.seccomp);
      free (rules);
    }
  rootfs = realpath (opts.rootfs, NULL);
  if (rootfs == NULL)
    die_with_errno ("rootfs: %s", opts.rootfs);
  bind_files_open (opts.bind_files, opts.n_bind_files);

  signals_block (&saved);
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync_fds) < 0)
    die_with_errno ("socketpair");
  namespaces_join (&opts);
  container_pid = spawn_container (&opts);
  if (container_pid == 0)
    {
      close (sync_fds[0]);
      run_container (&opts, rootfs, sync_fds[1], &saved);
    }
  close (sync_fds[1]);

  code = run_helper (&opts, rootfs, sync_fds[0], &saved.mask);
  free (rootfs);
  options_free (&opts);
  finish (code);
}
