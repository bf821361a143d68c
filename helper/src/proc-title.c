/* proc-title.c: what the container sees as its PID 1's command line. The
 * helper's arguments name host paths (the rootfs, the state folder), which
 * are none of the container's business: once the command runs, the init's
 * copy of them is blanked and /proc/1/cmdline reads "ryouiki-init". */
#include "proc-title.h"
#include "utils.h"

#include <string.h>

static char *args_start;
static size_t args_size;

void
proc_title_remember (int argc, char **argv)
{
  if (argc < 1)
    return;
  args_start = argv[0];
  args_size = (size_t) (argv[argc - 1] + strlen (argv[argc - 1]) + 1 - argv[0]);
}

void
proc_title_hide (void)
{
  static const char title[] = PROGRAM_NAME;

  if (args_start == NULL || args_size < sizeof title)
    return;
  memset (args_start, 0, args_size);
  memcpy (args_start, title, sizeof title);
}
