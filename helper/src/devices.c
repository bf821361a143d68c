/* devices.c: host device nodes bound into the container's /dev. */
#include "devices.h"
#include "mount-target.h"
#include "utils.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

/* The folder that holds the last part of inside (a path relative to /dev), each folder on
 * the way made if missing and never followed if it is a symlink; *leaf: that last part. */
static int
open_parent_folder (int dev_fd, char *inside, const char *path, const char **leaf)
{
  int dir = fcntl (dev_fd, F_DUPFD_CLOEXEC, 0);
  char *part = inside;

  if (dir < 0)
    die_with_errno ("device %s", path);
  for (char *slash = strchr (part, '/'); slash != NULL; part = slash + 1, slash = strchr (part, '/'))
    {
      int next;

      *slash = '\0';
      if (mkdirat (dir, part, 0755) < 0 && errno != EEXIST)
        die_with_errno ("device %s: create its folder %s", path, part);
      next = open_entry_folder (dir, part);
      if (next < 0)
        die_with_errno ("device %s: its folder %s", path, part);
      close (dir);
      dir = next;
    }
  *leaf = part;
  return dir;
}

bool
is_plain_path_below_dev (const char *path)
{
  size_t length = strlen (path);

  return strncmp (path, "/dev/", 5) == 0 && strstr (path, "/../") == NULL && strstr (path, "/./") == NULL
         && strstr (path, "//") == NULL && path[length - 1] != '/'
         && !(length >= 3 && strcmp (path + length - 3, "/..") == 0)
         && !(length >= 2 && strcmp (path + length - 2, "/.") == 0);
}

static void
bind_host_device (int dev_fd, const char *path)
{
  char inside[4096];
  const char *leaf;
  struct stat st;
  autoclose_fd int parent = -1;
  autoclose_fd int target = -1;

  if (!is_plain_path_below_dev (path))
    die_with_err (EINVAL, "device %s: only paths under /dev can be given", path);
  if (stat (path, &st) < 0)
    die_with_errno ("device %s: on the host", path);
  if (!S_ISCHR (st.st_mode) && !S_ISBLK (st.st_mode) && !S_ISFIFO (st.st_mode))
    die_with_err (ENODEV, "device %s: not a device node on the host", path);
  snprintf (inside, sizeof inside, "%s", path + 5);
  parent = open_parent_folder (dev_fd, inside, path, &leaf);
  target = RETRY_EINTR (openat (parent, leaf, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0666));
  if (target < 0)
    die_with_errno ("device: create %s", path);
  if (mount_on_fd (path, target, NULL, MS_BIND, NULL) < 0)
    die_with_errno ("device %s: bind it", path);
}

void
devices_bind (const struct options *opts, int dev_fd)
{
  for (size_t i = 0; i < opts->n_devices; i++)
    bind_host_device (dev_fd, opts->devices[i]);
}
