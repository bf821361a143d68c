/* given-mounts.c: /dev's nodes and links after a bundle's own mounts. */
#include "given-mounts.h"
#include "utils.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/mount.h>

static const char *const default_devices[]
    = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty" };

struct device_copy
{
  const char *path; /* the same on the host and in the container */
  int fd;           /* the host node's detached mount, or -1 */
  bool required;    /* a --device: its absence is an error */
};

static struct device_copy *copies;
static size_t n_copies;

static int
open_device_copy (const char *path)
{
  return (int) syscall (SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
}

void
given_mounts_open_devices (const struct options *opts)
{
  copies = calloc (N_ELEMENTS (default_devices) + opts->n_devices, sizeof *copies);
  if (copies == NULL)
    die ("devices: out of memory");
  for (size_t i = 0; i < N_ELEMENTS (default_devices); i++)
    copies[n_copies++]
        = (struct device_copy) { .path = default_devices[i], .fd = open_device_copy (default_devices[i]) };
  for (size_t i = 0; i < opts->n_devices; i++)
    {
      const char *path = opts->devices[i];

      if (strncmp (path, "/dev/", 5) != 0 || strstr (path, "/../") != NULL)
        die_with_err (EINVAL, "device %s: only paths under /dev can be given", path);
      copies[n_copies] = (struct device_copy) { .path = path, .fd = open_device_copy (path), .required = true };
      if (copies[n_copies].fd < 0)
        die_with_errno ("device %s: on the host", path);
      n_copies++;
    }
}

static void
make_parents (const char *path)
{
  char partial[4096];

  snprintf (partial, sizeof partial, "%s", path);
  for (char *slash = strchr (partial + 1, '/'); slash != NULL; slash = strchr (slash + 1, '/'))
    {
      *slash = '\0';
      if (mkdir (partial, 0755) < 0 && errno != EEXIST)
        die_with_errno ("device: create %s", partial);
      *slash = '/';
    }
}

/* false when a default node has no place: /dev is not writable. */
static bool
make_node_mount_point (const struct device_copy *copy)
{
  int fd;

  make_parents (copy->path);
  fd = RETRY_EINTR (open (copy->path, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC, 0666));
  if (fd >= 0)
    {
      close (fd);
      return true;
    }
  if (!copy->required && (errno == EROFS || errno == EACCES || errno == EPERM))
    return false;
  die_with_errno ("device: create %s", copy->path);
}

/* As root: the node itself, like the host's (a bind would share the host's inode). False
 * where the kernel refuses (root of a user namespace, as under rootless podman): bind it. */
static bool
make_node (const struct device_copy *copy)
{
  struct stat host, existing;

  if (fstat (copy->fd, &host) < 0)
    die_with_errno ("device %s: on the host", copy->path);
  make_parents (copy->path);
  if (lstat (copy->path, &existing) == 0 && unlink (copy->path) < 0)
    die_with_errno ("device: replace %s", copy->path);
  if (mknod (copy->path, host.st_mode, host.st_rdev) < 0)
    {
      if (errno == EPERM)
        return false;
      if (!copy->required && (errno == EROFS || errno == EACCES))
        return true; /* no place for a default node: /dev is the rootfs's own */
      die_with_errno ("device: mknod %s", copy->path);
    }
  /* mknod applies the umask; the node gets the host's mode and owner. */
  if (chmod (copy->path, host.st_mode & 07777) < 0 || chown (copy->path, host.st_uid, host.st_gid) < 0)
    die_with_errno ("device: %s: its mode and owner", copy->path);
  return true;
}

static void
add_device (const struct device_copy *copy, bool make_nodes)
{
  struct stat st;

  if (copy->fd < 0)
    return;
  if (make_nodes && (copy->required || lstat (copy->path, &st) < 0) && make_node (copy))
    return;
  /* A default node the config's mounts gave already (a bind of the host's) stays theirs. */
  if (lstat (copy->path, &st) == 0)
    {
      if (!copy->required)
        return;
    }
  else if (!make_node_mount_point (copy))
    return;
  if (syscall (SYS_move_mount, copy->fd, "", AT_FDCWD, copy->path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    die_with_errno ("device %s: bind it", copy->path);
}

static void
add_link (const char *target, const char *path)
{
  struct stat st;

  if (lstat (path, &st) == 0)
    return;
  if (symlink (target, path) < 0 && errno != EROFS && errno != EACCES)
    die_with_errno ("symlink %s", path);
}

void
given_mounts_finish_dev (bool make_nodes)
{
  struct stat st;

  for (size_t i = 0; i < n_copies; i++)
    {
      add_device (&copies[i], make_nodes);
      if (copies[i].fd >= 0)
        close (copies[i].fd);
    }
  free (copies);
  copies = NULL;
  n_copies = 0;
  if (stat ("/dev/pts/ptmx", &st) == 0)
    add_link ("pts/ptmx", "/dev/ptmx");
  add_link ("/proc/self/fd", "/dev/fd");
  add_link ("/proc/self/fd/0", "/dev/stdin");
  add_link ("/proc/self/fd/1", "/dev/stdout");
  add_link ("/proc/self/fd/2", "/dev/stderr");
}
