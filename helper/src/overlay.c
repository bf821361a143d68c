/* overlay.c: the copy-on-write root of --overlay. */
#include "overlay.h"
#include "utils.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
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
mount_fuse_overlay (const char *options)
{
  pid_t pid = fork ();
  int status;

  if (pid < 0)
    die_with_errno ("overlay: fork");
  if (pid == 0)
    {
      int null = open ("/dev/null", O_RDWR | O_CLOEXEC);

      if (null >= 0) /* its complaints are not ours to print: our error says it failed */
        {
          dup2 (null, 0);
          dup2 (null, 1);
          dup2 (null, 2);
        }
      execlp ("fuse-overlayfs", "fuse-overlayfs", "-o", options, merged, (char *) NULL);
      _exit (errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE);
    }
  if (waitpid_retry (pid, &status, 0) < 0)
    die_with_errno ("overlay: wait for fuse-overlayfs");
  return WIFEXITED (status) ? WEXITSTATUS (status) : EXIT_RUNTIME;
}

bool
fuse_server_reachable (uint64_t caps, bool privileged)
{
  return privileged || (caps & (UINT64_C (1) << CAP_SYS_PTRACE)) != 0;
}

const char *
mount_overlay_root (const char *rootfs, const char *const *lowers, size_t n_lowers, const char *state, bool fuse_only,
                    bool command_may_trace)
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
  if (command_may_trace)
    die_with_err (
        EPERM,
        "overlay: fuse-overlayfs%s would serve it from inside the container, where a command with "
        "CAP_SYS_PTRACE reaches the host through its /proc/PID/root and fds: drop SYS_PTRACE "
        "(--cap-add, --privileged), or use a kernel whose overlayfs works in a user namespace (5.11 or later)",
        fuse_only ? "" : " (the kernel refused overlayfs)");
  fuse_status = mount_fuse_overlay (options);
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
