/* fds.h: what the container keeps of the host's file descriptors (nothing), and where it stands. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* An inclusive range of fd numbers; last is ~0U for "to the end". */
struct fd_range
{
  unsigned first;
  unsigned last;
};

/* Fills ranges with the fds from first upwards that are not in keep (any order,
 * duplicates and negative entries allowed); returns how many ranges (at most n_keep + 1). */
size_t fd_ranges_to_close (int first, const int *keep, size_t n_keep, struct fd_range *ranges);

/* Closes every fd from 3 upwards but those in keep (negative entries ignored). */
void close_fds_except (const int *keep, size_t n_keep);

/* True if a getcwd() result names a folder reachable from our root: the kernel marks
 * a working directory outside the root with "(unreachable)", and glibc fails instead. */
bool cwd_is_inside_root (const char *cwd);

/* Dies unless the working directory is inside our root (CVE-2024-21626: a cwd
 * reached through an inherited fd lies outside it). */
void check_cwd_inside_root (const char *requested);
