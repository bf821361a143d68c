/* ids.h: uid/gid maps and the diagnosis of user namespace failures. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The sysctls that can forbid unprivileged user namespaces; -1 where the file is missing. */
struct userns_sysctls
{
  int max_user_namespaces;                   /* /proc/sys/user/max_user_namespaces */
  int unprivileged_userns_clone;             /* Debian's kernel.unprivileged_userns_clone */
  int apparmor_restrict_unprivileged_userns; /* Ubuntu's kernel.apparmor_restrict_... */
};

/* Formats one uid_map/gid_map line; returns its length, or -1 if size is too small. */
int format_id_map (char *buf, size_t size, unsigned inside, unsigned outside, unsigned count);

/* Why the kernel may have refused a user namespace, and how to fix it, in one line. */
void userns_diagnosis (const struct userns_sysctls *sysctls, char *buf, size_t size);

void userns_read_sysctls (struct userns_sysctls *sysctls);

/* Whether err, from clone(CLONE_NEWUSER), may mean user namespaces are forbidden. */
bool is_userns_refusal (int err);

/* Dies with "user namespace: <strerror(err)>: <diagnosis>". */
__attribute__ ((noreturn)) void die_userns (int err);

/* Maps root in the user namespace of pid to uid and gid, which must be our own. */
void write_id_maps (pid_t pid, uid_t uid, gid_t gid);

/* One line of a uid_map or gid_map: count ids from inside (the container's) onto the host's from outside. */
struct id_mapping
{
  unsigned inside, outside, count;
};

/* The maps of --uid-map and --gid-map, and how they are written (write_full_id_maps). */
struct full_id_maps
{
  struct id_mapping *uid, *gid;
  size_t n_uid, n_gid;
  const char *newuidmap, *newgidmap; /* the tools' paths */
  bool fallback;                     /* a newuidmap failure falls back to the single-id map */
};

/* Formats a whole map, a line each; returns its length, or -1 if size is too small. */
int format_id_maps (char *buf, size_t size, const struct id_mapping *maps, size_t n);

/* newuidmap's or newgidmap's argv: TOOL PID INSIDE OUTSIDE COUNT..., NULL-terminated, in one
 * allocation (free it whole); NULL when out of memory. */
char **map_tool_argv (const char *tool, pid_t pid, const struct id_mapping *maps, size_t n);

/* Writes the maps of pid's new user namespace: as root directly, else with newuidmap and
 * newgidmap, run side by side with the signal mask child_mask. Dies with "id map: newuidmap:
 * REASON" (or newgidmap) when one fails; with maps->fallback a newuidmap failure instead writes
 * the single-id uid map (the gid map too, if newgidmap failed as well: the kernel takes a map
 * once, so a full one written stays) and tells warn why. */
void write_full_id_maps (pid_t pid, const struct full_id_maps *maps, const sigset_t *child_mask,
                         void (*warn) (const char *message));
