/* mounts.c: the container's root filesystem, /proc, /dev and pivot_root. */
#include "mounts.h"
#include "devices.h"
#include "filesystems.h"
#include "given-mounts.h"
#include "ids.h"
#include "mount-room.h"
#include "mount-target.h"
#include "overlay.h"
#include "utils.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

static void
require_directory (const char *rootfs, const char *name)
{
  char path[4096];
  struct stat st;

  snprintf (path, sizeof path, "%s/%s", rootfs, name);
  if (lstat (path, &st) < 0)
    {
      if (errno == ENOENT)
        die_with_err (ENOENT, "rootfs: %s has no /%s directory: create it (mkdir %s)", rootfs, name, path);
      die_with_errno ("rootfs: %s", path);
    }
  if (!S_ISDIR (st.st_mode))
    die_with_err (ENOTDIR, "rootfs: %s is not a directory", path);
}

void
validate_rootfs (const char *rootfs, bool overlay)
{
  struct stat st;

  if (stat (rootfs, &st) < 0)
    die_with_errno ("rootfs: %s", rootfs);
  if (!S_ISDIR (st.st_mode))
    die_with_err (ENOTDIR, "rootfs: %s is not a directory", rootfs);
  if (overlay) /* the overlay's upper layer gets what the layers lack (an image's) */
    return;
  require_directory (rootfs, "proc");
  require_directory (rootfs, "dev");
}

/* The mount points an overlay root lacks (an image without them), made in its upper layer. */
static void
make_overlay_mount_points (int root_fd)
{
  const char *names[] = { "proc", "dev", "sys" };

  for (size_t i = 0; i < N_ELEMENTS (names); i++)
    if (mkdirat (root_fd, names[i], 0755) < 0 && errno != EEXIST)
      die_with_errno ("rootfs: mkdir /%s in the overlay", names[i]);
}

/* what names the mount in error messages, as the container will see it. */
static void
mount_or_die (const char *what, const char *source, const char *target, const char *type, unsigned long flags,
              const char *data)
{
  if (mount (source, target, type, flags, data) < 0)
    die_with_errno ("mount %s", what);
}

static void
make_mounts_private (void)
{
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
    return;
  /* AppArmor on Ubuntu lets clone() create the namespace and refuses here. */
  if (errno == EPERM)
    die_userns (errno);
  die_with_errno ("mount: make / private");
}

void
remount_read_only (const char *path)
{
  unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
  struct statvfs st;

  if (statvfs (path, &st) < 0)
    die_with_errno ("read-only: %s", path);
  /* The host mount's flags are locked in a user namespace: a remount must keep them. */
  if (st.f_flag & ST_NOSUID)
    flags |= MS_NOSUID;
  if (st.f_flag & ST_NODEV)
    flags |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC)
    flags |= MS_NOEXEC;
  if (mount (NULL, path, NULL, flags, NULL) < 0)
    die_with_errno ("mount %s read-only", path);
}

void
remount_tree_read_only (const char *path)
{
#ifdef SYS_mount_setattr
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

  if (syscall (SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof attr) == 0)
    return;
#endif
  remount_read_only (path);
}

/* What follows makes /dev through fds: dev_fd is the root of the container's own /dev
 * tmpfs, which nobody else sees, while the rootfs's dev entry could be swapped for a
 * symlink by a process sharing the rootfs at any moment after it was checked. */

static void
make_directory_in (int dev_fd, const char *name, mode_t mode)
{
  if (mkdirat (dev_fd, name, mode) < 0)
    die_with_errno ("mkdir /dev/%s", name);
}

static void
make_symlink_in (int dev_fd, const char *target, const char *name)
{
  if (symlinkat (target, dev_fd, name) < 0)
    die_with_errno ("symlink /dev/%s", name);
}

static void
bind_device (int dev_fd, const char *name)
{
  char host[64];
  struct stat st;
  autoclose_fd int target = -1;

  snprintf (host, sizeof host, "/dev/%s", name);
  if (stat (host, &st) < 0 && errno == ENOENT)
    return;
  target = RETRY_EINTR (openat (dev_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0666));
  if (target < 0)
    die_with_errno ("create %s", host);
  if (mount_on_fd (host, target, NULL, MS_BIND, NULL) < 0)
    die_with_errno ("mount %s", host);
}

/* A filesystem on the folder name of dir_fd (never a symlink there, which the host would
 * follow), mounted through its fd and checked to have landed there; returns an O_PATH fd
 * on its root. shown names it in errors, as the container will see it. */
static int
mount_on_entry (int dir_fd, const char *name, const char *shown, const char *source, const char *type,
                unsigned long flags, const char *data)
{
  autoclose_fd int target = open_entry_folder (dir_fd, name);

  if (target < 0)
    die_with_errno ("rootfs: %s", shown);
  if (mount_on_fd (source, target, type, flags, data) < 0)
    die_with_errno ("mount %s", shown);
  return open_landed_mount (dir_fd, name, target, shown);
}

/* Returns an O_PATH fd on the container's /dev, for devices_bind. */
static int
populate_dev (int root_fd)
{
  static const char *const devices[] = { "null", "zero", "full", "random", "urandom", "tty" };
  int dev_fd = mount_on_entry (root_fd, "dev", "/dev", "tmpfs", "tmpfs", MS_NOSUID, "mode=755,size=64k");

  for (size_t i = 0; i < N_ELEMENTS (devices); i++)
    bind_device (dev_fd, devices[i]);

  make_directory_in (dev_fd, "pts", 0755);
  /* No gid=5 option: group 5 may have no mapping in our user namespace. */
  close (mount_on_entry (dev_fd, "pts", "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
                         "newinstance,ptmxmode=0666,mode=620"));
  make_symlink_in (dev_fd, "pts/ptmx", "ptmx");

  make_directory_in (dev_fd, "shm", 01777);
  close (mount_on_entry (dev_fd, "shm", "/dev/shm", "shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"));

  make_symlink_in (dev_fd, "/proc/self/fd", "fd");
  make_symlink_in (dev_fd, "/proc/self/fd/0", "stdin");
  make_symlink_in (dev_fd, "/proc/self/fd/1", "stdout");
  make_symlink_in (dev_fd, "/proc/self/fd/2", "stderr");
  return dev_fd;
}

static void
pivot_to_working_directory (void)
{
  /* Stack the old root on top of the new one, then detach it: no directory needed for it. */
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    die_with_errno ("pivot_root");
  if (umount2 (".", MNT_DETACH) < 0)
    die_with_errno ("pivot_root: detach the old root");
  if (chdir ("/") < 0)
    die_with_errno ("chdir /");
}

void
setup_rootfs (const char *rootfs, const struct options *opts, int sync_fd)
{
  const char *root = rootfs;
  autoclose_fd int root_fd = -1;

  make_mounts_private ();
  if (opts->overlay_dir != NULL)
    root = mount_overlay_root (rootfs, opts->overlay_lowers, opts->n_overlay_lowers, opts->overlay_dir,
                               opts->overlay_fuse_only, sync_fd);
  else /* pivot_root wants a mount point; binding also leaves the host's mount untouched. */
    mount_or_die ("/", rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL);
  if (opts->read_only)
    remount_read_only (root);
  mount_room_prepare (root, opts);
  if (chdir (root) < 0)
    die_with_errno ("rootfs: %s", root);
  root_fd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    die_with_errno ("rootfs: %s", root);
  if (opts->overlay_dir != NULL)
    make_overlay_mount_points (root_fd);
  if (opts->only_given_mounts)
    given_mounts_open_devices (opts);
  else
    {
      autoclose_fd int dev_fd = -1;

      close (mount_on_entry (root_fd, "proc", "/proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
      dev_fd = populate_dev (root_fd);
      devices_bind (opts, dev_fd);
      mount_sys (root_fd, opts->share_net);
    }
  pivot_to_working_directory ();
}
