/* bind-files.c: host files bound over paths inside the container. */
#include "bind-files.h"
#include "mount-room.h"
#include "mount-target.h"
#include "utils.h"
#include "volumes.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/mount.h>

void
bind_files_open (struct bind_file *files, size_t n_files)
{
  for (size_t i = 0; i < n_files; i++)
    {
      struct stat st;
      int fd = RETRY_EINTR (open (files[i].source, O_RDONLY | O_CLOEXEC | O_NOCTTY));

      if (fd < 0)
        die_with_errno ("bind-file: %s", files[i].source);
      if (fstat (fd, &st) < 0)
        die_with_errno ("bind-file: %s", files[i].source);
      if (!S_ISREG (st.st_mode))
        {
          close (fd);
          die_with_err (EINVAL, "bind-file: %s: not a regular file", files[i].source);
        }
      files[i].fd = fd;
    }
}

/* A mount source must belong to our mount namespace, and the fds belong to the host's:
 * copy each file onto a tmpfs of our own, bind the copy, then detach the tmpfs (the
 * binds keep it alive), so nothing of it shows in /dev. */
#define STAGING "/dev/.ryouiki-bind"

static void
copy_fd_to_file (int fd, const char *path, const char *source)
{
  autoclose_fd int out = RETRY_EINTR (open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  char buffer[4096];
  ssize_t n;

  if (out < 0)
    die_with_errno ("bind-file: create a copy of %s", source);
  while ((n = read_retry (fd, buffer, sizeof buffer)) > 0)
    if (write_all (out, buffer, (size_t) n) < 0)
      die_with_errno ("bind-file: copy %s", source);
  if (n < 0)
    die_with_errno ("bind-file: read %s", source);
}

/* The destination resolved inside the container (see mount-target.h), made first where it may be. */
static int
open_destination (int root_fd, const char *destination, bool may_create)
{
  int fd = open_in_root (root_fd, destination);

  if (fd < 0 && errno == ENOENT && (may_create || mount_room_made_for (destination)))
    {
      make_mount_point (destination, false);
      fd = open_in_root (root_fd, destination);
    }
  if (fd < 0)
    die_with_errno ("bind-file: %s", destination);
  return fd;
}

static void
bind_copy (int root_fd, const char *copy, const char *destination, bool may_create)
{
  autoclose_fd int target = open_destination (root_fd, destination, may_create);
  autoclose_fd int tree = (int) syscall (SYS_open_tree, AT_FDCWD, copy, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

  if (tree < 0 || move_mount_on_fd (tree, target) < 0)
    die_with_errno ("bind-file: %s", destination);
  check_mount_landed (root_fd, destination, target, "bind-file");
}

void
bind_files_mount (struct bind_file *files, size_t n_files, bool may_create)
{
  autoclose_fd int root_fd = -1;

  if (n_files == 0)
    return;
  root_fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    die_with_errno ("bind-file: open the container's root");
  if (mkdir (STAGING, 0700) < 0)
    die_with_errno ("bind-file: mkdir %s", STAGING);
  if (mount ("tmpfs", STAGING, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=700,size=1m") < 0)
    die_with_errno ("bind-file: mount %s", STAGING);
  for (size_t i = 0; i < n_files; i++)
    {
      char copy[64];

      snprintf (copy, sizeof copy, STAGING "/%zu", i);
      copy_fd_to_file (files[i].fd, copy, files[i].source);
      bind_copy (root_fd, copy, files[i].destination, may_create);
      close (files[i].fd);
      files[i].fd = -1;
    }
  if (umount2 (STAGING, MNT_DETACH) < 0 || rmdir (STAGING) < 0)
    die_with_errno ("bind-file: remove %s", STAGING);
}
