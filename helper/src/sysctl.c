/* sysctl.c: namespaced kernel parameters of the container, written to /proc/sys. */
#include "sysctl.h"
#include "utils.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int
sysctl_path (const char *setting, char *path, size_t size)
{
  size_t key_length = strcspn (setting, "=");
  static const char prefix[] = "/proc/sys/";
  size_t at = sizeof prefix - 1;

  if (key_length == 0 || setting[0] == '.' || setting[key_length - 1] == '.' || at + key_length + 1 > size)
    return -1;
  memcpy (path, prefix, at);
  for (size_t i = 0; i < key_length; i++)
    {
      char c = setting[i];

      if (c == '.' && setting[i + 1] == '.')
        return -1;
      if (c != '.' && c != '_' && c != '-' && !isalnum ((unsigned char) c))
        return -1;
      path[at++] = c == '.' ? '/' : c;
    }
  path[at] = '\0';
  return 0;
}

void
sysctl_apply (const struct options *opts)
{
  for (size_t i = 0; i < opts->n_sysctls; i++)
    {
      const char *setting = opts->sysctls[i];
      const char *value = strchr (setting, '=') + 1;
      char path[512];

      if (sysctl_path (setting, path, sizeof path) < 0)
        die_with_err (EINVAL, "sysctl %s: not a parameter name", setting);
      if (write_proc_file (path, value) < 0)
        die_with_errno ("sysctl %.*s%s", (int) (value - setting - 1), setting,
                        errno == EXDEV ? ": it is not a file of procfs (a mount covers it)" : "");
    }
}
