/* volumes.c: bind mounts and tmpfs the caller asks for, and --read-only's tmpfs. */
#include "volumes.h"
#include "mount-options.h"
#include "mount-room.h"
#include "mount-target.h"
#include "mounts.h"
#include "utils.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/mount.h>

/* One detached copy of each bind source (-1 for a tmpfs), made on the host side of
 * pivot_root: after it, a mount from the old root would no longer be in our namespace. */
static int *source_fds;

/* The MS_ flags of a mount as the attributes of a detached one. */
static unsigned int
mount_attributes (unsigned long flags)
{
  unsigned int attributes = 0;

  if (flags & MS_RDONLY)
    attributes |= MOUNT_ATTR_RDONLY;
  if (flags & MS_NOSUID)
    attributes |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV)
    attributes |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC)
    attributes |= MOUNT_ATTR_NOEXEC;
  if (flags & MS_NOATIME)
    attributes |= MOUNT_ATTR_NOATIME;
  else if (flags & MS_STRICTATIME)
    attributes |= MOUNT_ATTR_STRICTATIME;
  if (flags & MS_NODIRATIME)
    attributes |= MOUNT_ATTR_NODIRATIME;
  return attributes;
}

static void
configure_filesystem (int fs_fd, const struct volume *volume)
{
  char data[1024], *save = NULL;

  snprintf (data, sizeof data, "%s", volume->data != NULL ? volume->data : "");
  for (char *option = strtok_r (data, ",", &save); option != NULL; option = strtok_r (NULL, ",", &save))
    {
      char *equals = strchr (option, '=');
      int err;

      if (equals != NULL)
        *equals = '\0';
      err = (int) syscall (SYS_fsconfig, fs_fd, equals != NULL ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, option,
                           equals != NULL ? equals + 1 : NULL, 0);
      if (err < 0)
        die_with_errno ("mount %s on %s: option %s%s%s", volume->fstype, volume->destination, option,
                        equals != NULL ? "=" : "", equals != NULL ? equals + 1 : "");
    }
}

/* A kernel filesystem as a detached mount, made before pivot_root: a user namespace may
 * make a proc or sysfs only where the host's is still in sight (the kernel refuses one
 * that would reveal more than the mounts show). Made in the order given, with the bind
 * sources, as /proc/self/mountinfo lists mounts in the order they were made. */
static int
open_kernel_fs (const struct volume *volume)
{
  int fs_fd = (int) syscall (SYS_fsopen, volume->fstype, FSOPEN_CLOEXEC);
  int mount_fd;

  if (fs_fd < 0)
    die_with_errno ("mount %s on %s", volume->fstype, volume->destination);
  configure_filesystem (fs_fd, volume);
  if (syscall (SYS_fsconfig, fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    die_with_errno ("mount %s on %s", volume->fstype, volume->destination);
  mount_fd = (int) syscall (SYS_fsmount, fs_fd, FSMOUNT_CLOEXEC, mount_attributes (volume->flags));
  if (mount_fd < 0)
    die_with_errno ("mount %s on %s", volume->fstype, volume->destination);
  close (fs_fd);
  return mount_fd;
}

void
volumes_open_sources (const struct options *opts)
{
  source_fds = calloc (opts->n_volumes + 1, sizeof *source_fds);
  if (source_fds == NULL)
    die ("volumes: out of memory");
  for (size_t i = 0; i < opts->n_volumes; i++)
    {
      const struct volume *volume = &opts->volumes[i];

      source_fds[i] = -1;
      if (volume->kind == VOLUME_FS)
        source_fds[i] = open_kernel_fs (volume);
      if (volume->kind != VOLUME_BIND)
        continue;
      source_fds[i] = (int) syscall (SYS_open_tree, AT_FDCWD, volume->source,
                                     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (volume->non_recursive ? 0 : AT_RECURSIVE));
      if (source_fds[i] < 0)
        die_with_errno ("volume: %s", volume->source);
    }
}

/* Creates each missing folder of path, and a last component like the source (a file or
 * a folder). Only where this writes nothing into the rootfs: an overlay's upper layer,
 * /dev, or a folder mount-room.c covered with a tmpfs. */
void
make_mount_point (const char *path, bool is_directory)
{
  char partial[4096];
  size_t length = strlen (path);

  if (length >= sizeof partial)
    die_with_err (ENAMETOOLONG, "volume: %s: path too long", path);
  memcpy (partial, path, length + 1);
  for (char *slash = strchr (partial + 1, '/'); slash != NULL; slash = strchr (slash + 1, '/'))
    {
      *slash = '\0';
      if (mkdir (partial, 0755) < 0 && errno != EEXIST)
        die_with_errno ("volume: create %s", partial);
      *slash = '/';
    }
  if (is_directory ? mkdir (path, 0755) < 0 && errno != EEXIST : mknod (path, S_IFREG | 0644, 0) < 0 && errno != EEXIST)
    die_with_errno ("volume: create %s", path);
}

/* The mount point of path, resolved inside the container (see mount-target.h), made first
 * where make_mount_point may; dies unless it is a folder or a file like its source. */
static int
open_mount_point (const struct options *opts, int root_fd, const char *path, bool is_directory)
{
  int fd = open_in_root (root_fd, path);
  struct stat st;

  /* /dev is the container's own tmpfs: creating there never writes into the rootfs. */
  if (fd < 0 && errno == ENOENT
      && (opts->make_mount_points || strncmp (path, "/dev/", 5) == 0 || mount_room_made_for (path)))
    {
      make_mount_point (path, is_directory);
      fd = open_in_root (root_fd, path);
    }
  if (fd < 0 || fstat (fd, &st) < 0)
    die_with_errno ("volume: %s", path);
  if (S_ISDIR (st.st_mode) != is_directory)
    die_with_err (is_directory ? ENOTDIR : EISDIR, "volume: %s: not a %s like its source", path,
                  is_directory ? "folder" : "file");
  return fd;
}

static void
set_detached_attributes (int mount_fd, const struct volume *volume)
{
  const unsigned long settable = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  unsigned long flags = volume->flags & ~PROPAGATION_FLAGS;
  struct mount_attr attr = { 0 };

  if ((flags & settable) != 0)
    attr.attr_set = mount_attributes (flags & settable);
  else if (volume->read_only)
    attr.attr_set = MOUNT_ATTR_RDONLY;
  if (attr.attr_set == 0)
    return;
  if (syscall (SYS_mount_setattr, mount_fd, "", AT_EMPTY_PATH | (volume->non_recursive ? 0 : AT_RECURSIVE), &attr,
               sizeof attr)
      < 0)
    die_with_errno ("mount %s: set its flags", volume->destination);
}

/* Attaches mount_fd (its flags set while detached) on the destination, resolved inside the root. */
static void
attach_volume (const struct options *opts, int root_fd, const struct volume *volume, int mount_fd, bool is_directory)
{
  autoclose_fd int target = open_mount_point (opts, root_fd, volume->destination, is_directory);

  set_detached_attributes (mount_fd, volume);
  if (move_mount_on_fd (mount_fd, target) < 0)
    die_with_errno ("volume: mount on %s", volume->destination);
  check_mount_landed (root_fd, volume->destination, target, "volume");
}

static void
mount_bind_volume (const struct options *opts, int root_fd, const struct volume *volume, int source_fd)
{
  struct stat st;

  if (fstat (source_fd, &st) < 0)
    die_with_errno ("volume: %s", volume->source);
  attach_volume (opts, root_fd, volume, source_fd, S_ISDIR (st.st_mode));
}

/* A tmpfs, made detached as open_kernel_fs makes a kernel filesystem. */
static int
open_tmpfs (const struct volume *volume)
{
  char options[1024];
  struct volume tmpfs = *volume;

  snprintf (options, sizeof options, "source=tmpfs,mode=1777%s%s", volume->data != NULL ? "," : "",
            volume->data != NULL ? volume->data : "");
  tmpfs.fstype = "tmpfs";
  tmpfs.data = options;
  tmpfs.flags = MS_NOSUID | MS_NODEV | (volume->flags & ~PROPAGATION_FLAGS);
  return open_kernel_fs (&tmpfs);
}

/* The propagation asked for, set through the mount's own fd. */
static void
set_propagation (int mount_fd, const struct volume *volume)
{
  struct mount_attr attr = { .propagation = volume->flags & PROPAGATION_FLAGS & ~MS_REC };

  if (attr.propagation == 0)
    return;
  if (syscall (SYS_mount_setattr, mount_fd, "", AT_EMPTY_PATH | ((volume->flags & MS_REC) ? AT_RECURSIVE : 0), &attr,
               sizeof attr)
      < 0)
    die_with_errno ("mount %s: set its propagation", volume->destination);
}

void
volumes_mount (const struct options *opts)
{
  autoclose_fd int root_fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (root_fd < 0)
    die_with_errno ("volume: open the container's root");
  for (size_t i = 0; i < opts->n_volumes; i++)
    {
      const struct volume *volume = &opts->volumes[i];

      if (volume->kind == VOLUME_BIND)
        mount_bind_volume (opts, root_fd, volume, source_fds[i]);
      else
        {
          if (volume->kind != VOLUME_FS)
            source_fds[i] = open_tmpfs (volume);
          attach_volume (opts, root_fd, volume, source_fds[i], true);
        }
      set_propagation (source_fds[i], volume);
      close (source_fds[i]);
    }
  free (source_fds);
  source_fds = NULL;
}

void
mount_writable_tmpfs (void)
{
  static const char *const paths[] = { "/tmp", "/run" };

  for (size_t i = 0; i < N_ELEMENTS (paths); i++)
    {
      struct stat st;

      if (stat (paths[i], &st) < 0 || !S_ISDIR (st.st_mode))
        continue; /* a read-only rootfs cannot grow a mount point */
      if (mount ("tmpfs", paths[i], "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
        die_with_errno ("tmpfs: %s", paths[i]);
    }
}
