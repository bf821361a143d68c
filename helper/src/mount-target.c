/* mount-target.c: mount points resolved inside the container's root, mounted onto through
 * their fd, and checked once mounted. See mount-target.h. */
#include "mount-target.h"
#include "utils.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/mount.h>
#include <linux/openat2.h>

/* EAGAIN: a rename or a mount raced with the walk, and the kernel could not vouch for it. */
#define RESOLVE_TRIES 32

int
open_in_root (int root_fd, const char *path)
{
  struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  int fd = -1;

  for (int tries = 0; tries < RESOLVE_TRIES; tries++)
    {
      fd = (int) syscall (SYS_openat2, root_fd, path, &how, sizeof how);
      if (fd >= 0 || errno != EAGAIN)
        break;
    }
  return fd;
}

int
open_entry_folder (int root_fd, const char *name)
{
  int fd = openat (root_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  int err;

  if (fd < 0)
    return -1;
  if (fstat (fd, &st) < 0)
    err = errno;
  else if (!S_ISDIR (st.st_mode))
    err = ENOTDIR;
  else
    return fd;
  close (fd);
  errno = err;
  return -1;
}

int
mount_on_fd (const char *source, int target_fd, const char *type, unsigned long flags, const void *data)
{
  char target[64];

  snprintf (target, sizeof target, "/proc/self/fd/%d", target_fd);
  return mount (source, target, type, flags, data);
}

int
move_mount_on_fd (int mount_fd, int target_fd)
{
  return (int) syscall (SYS_move_mount, mount_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

bool
is_new_mount_root (unsigned long long before_mount_id, unsigned long long after_mount_id, bool after_is_mount_root)
{
  return after_is_mount_root && after_mount_id != before_mount_id;
}

static int
statx_mount (int fd, unsigned long long *mount_id, bool *is_mount_root)
{
  struct statx stx;

  if (statx (fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
    return -1;
  if (!(stx.stx_mask & STATX_MNT_ID) || !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
    {
      errno = ENOSYS;
      return -1;
    }
  *mount_id = stx.stx_mnt_id;
  *is_mount_root = (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
  return 0;
}

int
open_landed_mount (int root_fd, const char *path, int target_fd, const char *what)
{
  int again = open_in_root (root_fd, path);
  unsigned long long before, after;
  bool before_root, after_root;

  if (again < 0 || statx_mount (target_fd, &before, &before_root) < 0 || statx_mount (again, &after, &after_root) < 0)
    die_with_errno ("%s: check where it was mounted", what);
  if (!is_new_mount_root (before, after, after_root))
    die_with_err (EXDEV,
                  "%s: the mount did not land on %s inside the container (a folder of its path was "
                  "swapped while mounting)",
                  what, path);
  return again;
}

void
check_mount_landed (int root_fd, const char *path, int target_fd, const char *what)
{
  close (open_landed_mount (root_fd, path, target_fd, what));
}
