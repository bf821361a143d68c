/* mount-options.c: mount options as text, and the flags and propagation they ask for. */
#include "mount-options.h"
#include "mounts.h"
#include "utils.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>

struct flag_option
{
  const char *name;
  unsigned long set;
  unsigned long clear;
};

static const struct flag_option flag_options[] = {
  { "ro", MS_RDONLY, 0 },
  { "rw", 0, MS_RDONLY },
  { "nosuid", MS_NOSUID, 0 },
  { "suid", 0, MS_NOSUID },
  { "nodev", MS_NODEV, 0 },
  { "dev", 0, MS_NODEV },
  { "noexec", MS_NOEXEC, 0 },
  { "exec", 0, MS_NOEXEC },
  { "relatime", MS_RELATIME, 0 },
  { "norelatime", 0, MS_RELATIME },
  { "strictatime", MS_STRICTATIME, 0 },
  { "nostrictatime", 0, MS_STRICTATIME },
  { "noatime", MS_NOATIME, 0 },
  { "atime", 0, MS_NOATIME },
  { "nodiratime", MS_NODIRATIME, 0 },
  { "diratime", 0, MS_NODIRATIME },
};

static const struct flag_option propagations[] = {
  { "private", MS_PRIVATE, 0 },       { "rprivate", MS_PRIVATE | MS_REC, 0 },
  { "slave", MS_SLAVE, 0 },           { "rslave", MS_SLAVE | MS_REC, 0 },
  { "shared", MS_SHARED, 0 },         { "rshared", MS_SHARED | MS_REC, 0 },
  { "unbindable", MS_UNBINDABLE, 0 }, { "runbindable", MS_UNBINDABLE | MS_REC, 0 },
};

static const struct flag_option *
find_option (const struct flag_option *table, size_t n, const char *name, size_t length)
{
  for (size_t i = 0; i < n; i++)
    if (strlen (table[i].name) == length && strncmp (table[i].name, name, length) == 0)
      return &table[i];
  return NULL;
}

int
parse_mount_options (const char *options, unsigned long *flags, bool *non_recursive, char *data, size_t data_size)
{
  size_t used = 0;

  *flags = 0;
  *non_recursive = false;
  if (data_size == 0)
    return -1;
  data[0] = '\0';
  while (*options != '\0')
    {
      size_t length = strcspn (options, ",");
      const struct flag_option *option = find_option (flag_options, N_ELEMENTS (flag_options), options, length);

      if (option == NULL)
        option = find_option (propagations, N_ELEMENTS (propagations), options, length);
      if (option != NULL && (option->set & PROPAGATION_FLAGS) != 0)
        *flags = (*flags & ~PROPAGATION_FLAGS) | option->set;
      else if (option != NULL)
        *flags = (*flags & ~option->clear) | option->set;
      else if (length == 4 && strncmp (options, "bind", 4) == 0)
        *non_recursive = true;
      else if (length == 5 && strncmp (options, "rbind", 5) == 0)
        *non_recursive = false;
      else if (length > 0)
        {
          if (used + (used > 0) + length + 1 > data_size)
            return -1;
          if (used > 0)
            data[used++] = ',';
          memcpy (data + used, options, length);
          used += length;
          data[used] = '\0';
        }
      options += length;
      if (*options == ',')
        options++;
    }
  return 0;
}

int
parse_propagation (const char *text, unsigned long *flags)
{
  const struct flag_option *option = find_option (propagations, N_ELEMENTS (propagations), text, strlen (text));

  if (option == NULL)
    return -1;
  *flags = option->set;
  return 0;
}

void
apply_rootfs_propagation (unsigned long flags)
{
  if (flags != 0 && mount (NULL, "/", NULL, flags, NULL) < 0)
    die_with_errno ("rootfs propagation");
}
