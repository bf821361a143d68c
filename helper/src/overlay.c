/* overlay.c: the copy-on-write root of --overlay. */
#include "overlay.h"
#include "init.h"
#include "mount-target.h"
#include "protocol.h"
#include "utils.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char merged[4096];
/* The helper's, on the host: what it needs to empty the layers once the init is gone. */
static int layers_fd = -1;
static int container_userns_fd = -1;
static bool upper_kept;

int
format_overlay_options (char *buf, size_t size, const char *rootfs, const char *const *lowers, size_t n_lowers,
                        const char *state)
{
  size_t used;
  int length;

  if (strpbrk (rootfs, ",:") != NULL || strpbrk (state, ",:") != NULL)
    return -1;
  length = snprintf (buf, size, "lowerdir=%s", rootfs);
  if (length < 0 || (size_t) length >= size)
    return -1;
  used = (size_t) length;
  for (size_t i = 0; i < n_lowers; i++)
    {
      if (strpbrk (lowers[i], ",:") != NULL)
        return -1;
      length = snprintf (buf + used, size - used, ":%s", lowers[i]);
      if (length < 0 || (size_t) length >= size - used)
        return -1;
      used += (size_t) length;
    }
  length = snprintf (buf + used, size - used, ",upperdir=%s/upper,workdir=%s/work", state, state);
  if (length < 0 || (size_t) length >= size - used)
    return -1;
  return (int) (used + (size_t) length);
}

/* fuse-overlayfs forks its server into the background once the mount is ready. */
static int
run_fuse_overlayfs (const char *options, const char *target)
{
  pid_t pid = fork ();
  int status;

  if (pid < 0)
    return EXIT_RUNTIME;
  if (pid == 0)
    {
      int null = open ("/dev/null", O_RDWR | O_CLOEXEC);

      if (null >= 0) /* its complaints are not ours to print: our error says it failed */
        {
          dup2 (null, 0);
          dup2 (null, 1);
          dup2 (null, 2);
        }
      execlp ("fuse-overlayfs", "fuse-overlayfs", "-o", options, target, (char *) NULL);
      _exit (errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE);
    }
  if (waitpid_retry (pid, &status, 0) < 0)
    return EXIT_RUNTIME;
  return WIFEXITED (status) ? WEXITSTATUS (status) : EXIT_RUNTIME;
}

/* In the helper's child: in the init's user namespace, a mount namespace of its own and the
 * host's PID namespace, mounts the overlay, hands a detached copy of the mount to the helper
 * on answer_fd and unmounts its own, so that the server ends with the container's copy.
 * (Not in the init's mount namespace: pivot_root would make the server's root the
 * container's, whose /proc does not show it, and fuse-overlayfs works through /proc/self.) */
static __attribute__ ((noreturn)) void
mount_fuse_overlay_apart (pid_t init, const char *options, const char *target, int answer_fd)
{
  char user[64];
  int user_fd, code, tree;

  snprintf (user, sizeof user, "/proc/%d/ns/user", (int) init);
  user_fd = open (user, O_RDONLY | O_CLOEXEC);
  if (user_fd < 0 || setns (user_fd, CLONE_NEWUSER) < 0 || unshare (CLONE_NEWNS) < 0
      || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    _exit (EXIT_RUNTIME);
  code = run_fuse_overlayfs (options, target);
  if (code != 0)
    _exit (code);
  tree = (int) syscall (SYS_open_tree, AT_FDCWD, target, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0 || umount2 (target, MNT_DETACH) < 0 || send_with_fd (answer_fd, "", 1, tree) < 0)
    _exit (EXIT_RUNTIME);
  _exit (0);
}

static bool fuse_server_started;

int
overlay_serve_fuse_request (pid_t init, const char *rootfs, const char *const *lowers, size_t n_lowers,
                            const char *state, int *tree_fd)
{
  char options[4096], target[4096], byte;
  int answer[2];
  pid_t pid;
  int status;

  *tree_fd = -1;
  if (format_overlay_options (options, sizeof options, rootfs, lowers, n_lowers, state) < 0)
    return EXIT_RUNTIME;
  snprintf (target, sizeof target, "%s/merged", state);
  /* The server it leaves behind becomes our child, for overlay_end_fuse_server. */
  if (prctl (PR_SET_CHILD_SUBREAPER, 1) < 0)
    die_with_errno ("prctl(PR_SET_CHILD_SUBREAPER)");
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, answer) < 0)
    die_with_errno ("overlay: socketpair");
  pid = fork ();
  if (pid < 0)
    die_with_errno ("overlay: fork");
  if (pid == 0)
    mount_fuse_overlay_apart (init, options, target, answer[1]);
  close (answer[1]);
  fuse_server_started = true;
  if (receive_with_fd (answer[0], &byte, 1, tree_fd) < 0)
    *tree_fd = -1;
  close (answer[0]);
  if (waitpid_retry (pid, &status, 0) < 0)
    die_with_errno ("overlay: wait for fuse-overlayfs");
  if (!WIFEXITED (status) || (WEXITSTATUS (status) == 0 && *tree_fd < 0))
    return EXIT_RUNTIME;
  return WEXITSTATUS (status);
}

void
overlay_end_fuse_server (void)
{
  if (fuse_server_started)
    kill_leftover_children ();
  fuse_server_started = false;
}

/* In the init: the helper mounts it apart and sends it (overlay_serve_fuse_request), attached
 * here onto merged; returns fuse-overlayfs's status. */
static int
mount_fuse_overlay (int sync_fd)
{
  struct sync_message reply;
  autoclose_fd int tree = -1;
  autoclose_fd int target = -1;

  if (sync_send (sync_fd, SYNC_FUSE_OVERLAY, 0, "") < 0)
    die_with_errno ("overlay: ask the helper for fuse-overlayfs");
  if (sync_receive_with_fd (sync_fd, &reply, &tree) != 1 || reply.kind != SYNC_FUSE_OVERLAY)
    _exit (EXIT_RUNTIME); /* the helper is gone */
  if (reply.err != 0)
    return reply.err;
  target = open (merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (tree < 0 || target < 0 || move_mount_on_fd (tree, target) < 0)
    die_with_errno ("overlay: attach the fuse-overlayfs mount on %s", merged);
  return 0;
}

const char *
mount_overlay_root (const char *rootfs, const char *const *lowers, size_t n_lowers, const char *state, bool fuse_only,
                    int sync_fd)
{
  /* The kernel reads at most a page of mount options. */
  char options[4096];
  int kernel_errno = EPERM;
  int fuse_status;

  if (format_overlay_options (options, sizeof options - 16, rootfs, lowers, n_lowers, state) < 0)
    die_with_err (EINVAL,
                  "overlay: a layer path or %s holds a ',' or ':', which overlay options cannot hold, "
                  "or the %zu layers do not fit in one page of mount options",
                  state, n_lowers + 1);
  snprintf (merged, sizeof merged, "%s/merged", state);
  if (!fuse_only)
    {
      size_t length = strlen (options);

      /* userxattr: an unprivileged overlay keeps its metadata in user.* attributes. */
      snprintf (options + length, sizeof options - length, ",userxattr");
      if (mount ("overlay", merged, "overlay", 0, options) == 0)
        return merged;
      kernel_errno = errno;
      options[length] = '\0';
    }
  fuse_status = mount_fuse_overlay (sync_fd);
  if (fuse_status == 0)
    return merged;
  if (fuse_only)
    die_with_err (EPERM,
                  "overlay: fuse-overlayfs %s (--overlay-driver fuse-overlayfs): install it, "
                  "with a /dev/fuse you can open, or use --overlay-driver auto",
                  fuse_status == EXIT_NOT_FOUND ? "is not installed" : "cannot mount");
  die_with_err (kernel_errno,
                "overlay: the kernel refused overlayfs (%s) and fuse-overlayfs %s: "
                "use a kernel of 5.11 or later, or install fuse-overlayfs with a usable /dev/fuse",
                strerror (kernel_errno), fuse_status == EXIT_NOT_FOUND ? "is not installed" : "failed too");
}

void
overlay_keep_layers_for_removal (pid_t init, const char *state, bool keep_upper)
{
  char path[64];

  snprintf (path, sizeof path, "/proc/%d/ns/user", (int) init);
  /* Holding the namespace keeps it, and its id maps, alive after the init exits. */
  container_userns_fd = open (path, O_RDONLY | O_CLOEXEC);
  if (container_userns_fd < 0)
    die_with_errno ("overlay: %s", path);
  layers_fd = open (state, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (layers_fd < 0)
    die_with_errno ("overlay: %s", state);
  upper_kept = keep_upper;
}

static void
remove_layers_in_userns (void)
{
  int dir;

  /* Its owner has every capability in it, over the files of the ids it maps. */
  if (setns (container_userns_fd, CLONE_NEWUSER) < 0)
    _exit (EXIT_RUNTIME);
  /* The O_PATH fd cannot list; reopen it, relative to itself. */
  dir = openat (layers_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    _exit (EXIT_RUNTIME);
  if (!upper_kept)
    remove_tree_at (dir, "upper");
  remove_tree_at (dir, "work");
  _exit (0);
}

void
overlay_remove_layers (void)
{
  pid_t pid;
  int status;

  if (layers_fd < 0 || container_userns_fd < 0)
    return;
  pid = fork ();
  if (pid == 0)
    remove_layers_in_userns ();
  if (pid > 0)
    waitpid_retry (pid, &status, 0);
  close (layers_fd);
  close (container_userns_fd);
  layers_fd = container_userns_fd = -1;
}
