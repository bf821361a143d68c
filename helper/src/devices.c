/* devices.c: host device nodes bound into the container's /dev. */
#include "devices.h"
#include "utils.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

/* inside is relative to the new root: dev/... */
static void
make_parents (char *inside)
{
  for (char *slash = strchr (inside, '/'); slash != NULL; slash = strchr (slash + 1, '/'))
    {
      *slash = '\0';
      if (mkdir (inside, 0755) < 0 && errno != EEXIST)
        die_with_errno ("device: create /%s", inside);
      *slash = '/';
    }
}

static void
bind_host_device (const char *path)
{
  char inside[4096];
  struct stat st;
  int fd;

  if (strncmp (path, "/dev/", 5) != 0 || strstr (path, "/../") != NULL)
    die_with_err (EINVAL, "device %s: only paths under /dev can be given", path);
  if (stat (path, &st) < 0)
    die_with_errno ("device %s: on the host", path);
  if (!S_ISCHR (st.st_mode) && !S_ISBLK (st.st_mode) && !S_ISFIFO (st.st_mode))
    die_with_err (ENODEV, "device %s: not a device node on the host", path);
  snprintf (inside, sizeof inside, "%s", path + 1);
  make_parents (inside);
  fd = RETRY_EINTR (open (inside, O_WRONLY | O_CREAT | O_NOCTTY | O_CLOEXEC, 0666));
  if (fd < 0)
    die_with_errno ("device: create %s", path);
  close (fd);
  if (mount (path, inside, NULL, MS_BIND, NULL) < 0)
    die_with_errno ("device %s: bind it", path);
}

void
devices_bind (const struct options *opts)
{
  for (size_t i = 0; i < opts->n_devices; i++)
    bind_host_device (opts->devices[i]);
}
