/* filesystems.c: /sys, and the paths of /proc and /sys a container must not read or write. */
#include "filesystems.h"
#include "mount-target.h"
#include "mounts.h"
#include "utils.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/mount.h>

/* podman's lists (containers/common pkg/config). */
static const char *const masked_paths[] = {
  "/proc/acpi",        "/proc/kcore", "/proc/keys",    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
  "/proc/sched_debug", "/proc/scsi",  "/sys/firmware", "/sys/fs/selinux",     "/sys/dev/block",
};

static const char *const read_only_paths[] = {
  "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

#define SYSFS_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* The host's /sys, read-only, as a detached mount. */
static int
open_host_sys (void)
{
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
  int tree = (int) syscall (SYS_open_tree, AT_FDCWD, "/sys", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);

  if (tree < 0 || syscall (SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
    die_with_errno ("mount /sys");
  return tree;
}

void
mount_sys (int root_fd, bool share_net)
{
  /* Not a symlink, which would be followed on the host: like a missing /sys, none. */
  autoclose_fd int target = open_entry_folder (root_fd, "sys");
  autoclose_fd int host_sys = -1;

  if (target < 0)
    return;
  /* Only the owner of the network namespace may mount a sysfs. */
  if (share_net || mount_on_fd ("sysfs", target, "sysfs", SYSFS_FLAGS, NULL) < 0)
    {
      host_sys = open_host_sys ();
      if (move_mount_on_fd (host_sys, target) < 0)
        die_with_errno ("mount /sys");
    }
  check_mount_landed (root_fd, "sys", target, "/sys");
}

static int null_device = -1;

bool
is_null_device (const struct stat *st)
{
  return S_ISCHR (st->st_mode) && major (st->st_rdev) == 1 && minor (st->st_rdev) == 3;
}

void
hold_null_device (void)
{
  struct stat st;

  /* Ours, bound from the host's on our /dev tmpfs, opened before any volume or bundle mount
   * can cover it: never a /dev/null of the rootfs or of a mount (CVE-2025-31133: one that
   * is a symlink would bind what it names over a masked path). */
  null_device = open ("/dev/null", O_PATH | O_CLOEXEC);
  if (null_device < 0 || fstat (null_device, &st) < 0)
    die_with_errno ("mask: /dev/null");
  if (!is_null_device (&st))
    die_with_err (EPERM, "mask: the host's /dev/null is not the null device (1:3)");
}

/* A bundle's own /dev comes from its mounts, which may plant anything at /dev/null: its file
 * masks are detached copies of the host's null device, taken before pivot_root, one a mask. */
static int *null_copies;
static size_t n_null_copies;

void
hold_null_device_copies (size_t count)
{
  struct stat st;

  null_copies = calloc (count, sizeof *null_copies);
  if (null_copies == NULL && count > 0)
    die_with_errno ("mask: memory for the null device's copies");
  for (size_t i = 0; i < count; i++)
    {
      int copy = open_tree (AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

      if (copy < 0 || fstat (copy, &st) < 0)
        die_with_errno ("mask: the host's /dev/null");
      if (!is_null_device (&st))
        die_with_err (EPERM, "mask: the host's /dev/null is not the null device (1:3)");
      null_copies[n_null_copies++] = copy;
    }
}

size_t
masked_path_count (const struct options *opts)
{
  return opts->n_masked_paths + (opts->no_default_paths ? 0 : N_ELEMENTS (masked_paths));
}

/* Mounts through fds: neither the source nor the target is looked up again by path. */
static void
mask_path (const char *path)
{
  autoclose_fd int target = open (path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  char target_path[64], null_path[64];
  struct stat st;

  if (target < 0 && errno == ENOENT)
    return; /* nothing there to hide */
  if (target < 0 || fstat (target, &st) < 0)
    die_with_errno ("mask %s", path);
  if (S_ISLNK (st.st_mode))
    die_with_err (ELOOP, "mask %s: a symlink, which it will not follow", path);
  snprintf (target_path, sizeof target_path, "/proc/self/fd/%d", target);
  if (S_ISDIR (st.st_mode))
    {
      if (mount ("tmpfs", target_path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,mode=0555") < 0)
        die_with_errno ("mask %s", path);
      return;
    }
  if (n_null_copies > 0)
    {
      autoclose_fd int copy = null_copies[--n_null_copies];

      if (move_mount (copy, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        die_with_errno ("mask %s", path);
      return;
    }
  if (null_device < 0)
    die_with_err (ENODEV, "mask %s: the null device was not opened", path);
  snprintf (null_path, sizeof null_path, "/proc/self/fd/%d", null_device);
  if (mount (null_path, target_path, NULL, MS_BIND, NULL) < 0)
    die_with_errno ("mask %s", path);
}

static void
make_path_read_only (const char *path)
{
  struct stat st;

  if (stat (path, &st) < 0)
    return;
  if (mount (path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
    die_with_errno ("mount %s", path);
  remount_tree_read_only (path);
}

void
protect_kernel_paths (const struct options *opts)
{
  for (size_t i = 0; i < opts->n_masked_paths; i++)
    mask_path (opts->masked_paths[i]);
  for (size_t i = 0; i < opts->n_read_only_paths; i++)
    make_path_read_only (opts->read_only_paths[i]);
  if (opts->no_default_paths)
    return;
  for (size_t i = 0; i < N_ELEMENTS (masked_paths); i++)
    mask_path (masked_paths[i]);
  for (size_t i = 0; i < N_ELEMENTS (read_only_paths); i++)
    make_path_read_only (read_only_paths[i]);
}
