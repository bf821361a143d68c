/* fds.c: the container keeps no fd of the host's, and its working directory is its own. */
#include "fds.h"
#include "utils.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

static int
compare_ints (const void *a, const void *b)
{
  int x = *(const int *) a, y = *(const int *) b;

  return (x > y) - (x < y);
}

size_t
fd_ranges_to_close (int first, const int *keep, size_t n_keep, struct fd_range *ranges)
{
  int sorted[n_keep + 1];
  size_t n_ranges = 0;
  unsigned next = (unsigned) first;

  memcpy (sorted, keep, n_keep * sizeof *keep);
  qsort (sorted, n_keep, sizeof *sorted, compare_ints);
  for (size_t i = 0; i < n_keep; i++)
    {
      if (sorted[i] < first || (unsigned) sorted[i] < next)
        continue; /* negative, below first, or a duplicate */
      if ((unsigned) sorted[i] > next)
        ranges[n_ranges++] = (struct fd_range) { next, (unsigned) sorted[i] - 1 };
      next = (unsigned) sorted[i] + 1;
    }
  ranges[n_ranges++] = (struct fd_range) { next, ~0U };
  return n_ranges;
}

static void
close_range_slowly (const struct fd_range *range)
{
  DIR *dir = opendir ("/proc/self/fd");
  struct dirent *entry;
  int fds[1024];
  size_t n = 0;

  if (dir == NULL)
    die_with_errno ("fds: open /proc/self/fd");
  /* Collected first: closing while reading the folder would skip entries. */
  while ((entry = readdir (dir)) != NULL && n < N_ELEMENTS (fds))
    {
      char *end;
      long fd = strtol (entry->d_name, &end, 10);

      if (*end == '\0' && end != entry->d_name && fd != dirfd (dir) && (unsigned long) fd >= range->first
          && (unsigned long) fd <= range->last)
        fds[n++] = (int) fd;
    }
  closedir (dir);
  for (size_t i = 0; i < n; i++)
    close (fds[i]);
  if (n == N_ELEMENTS (fds))
    close_range_slowly (range);
}

void
close_fds_except (const int *keep, size_t n_keep)
{
  struct fd_range ranges[n_keep + 1];
  size_t n_ranges = fd_ranges_to_close (3, keep, n_keep, ranges);

  for (size_t i = 0; i < n_ranges; i++)
    {
#ifdef SYS_close_range
      if (syscall (SYS_close_range, ranges[i].first, ranges[i].last, 0) == 0)
        continue;
#endif
      close_range_slowly (&ranges[i]);
    }
}

bool
cwd_is_inside_root (const char *cwd)
{
  return cwd != NULL && cwd[0] == '/';
}

void
check_cwd_inside_root (const char *requested)
{
  char cwd[PATH_MAX];
  const char *got = getcwd (cwd, sizeof cwd);

  if (!cwd_is_inside_root (got))
    die_with_err (got == NULL ? errno : EPERM,
                  "cwd: %s: the working directory is outside the container's root: "
                  "give a path inside the container",
                  requested);
}
