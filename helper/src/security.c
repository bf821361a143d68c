/* security.c: who the command runs as and what it may do. */
#include "security.h"
#include "seccomp-filter.h"
#include "utils.h"

#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static int
last_capability (void)
{
  int last;

  if (read_int_file ("/proc/sys/kernel/cap_last_cap", &last) == 0)
    return last;
  return CAP_LAST_CAP;
}

static void
drop_bounding_set (uint64_t keep)
{
  int last = last_capability ();

  for (int cap = 0; cap <= last && cap < 64; cap++)
    if (!(keep & (UINT64_C (1) << cap)) && prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      die_with_errno ("capabilities: drop %d from the bounding set", cap);
}

/* Writes the effective, permitted and inheritable sets (bit N: capability N). */
static void
write_capability_sets (uint64_t effective, uint64_t permitted, uint64_t inheritable)
{
  struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
  struct __user_cap_data_struct data[2];

  for (int i = 0; i < 2; i++)
    data[i] = (struct __user_cap_data_struct) {
      .effective = (__u32) (effective >> (32 * i)),
      .permitted = (__u32) (permitted >> (32 * i)),
      .inheritable = (__u32) (inheritable >> (32 * i)),
    };
  if (syscall (SYS_capset, &header, data) < 0)
    die_with_errno ("capabilities: capset");
}

static void
read_capability_sets (uint64_t *effective, uint64_t *permitted)
{
  struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
  struct __user_cap_data_struct data[2];

  if (syscall (SYS_capget, &header, data) < 0)
    die_with_errno ("capabilities: capget");
  *effective = (uint64_t) data[0].effective | (uint64_t) data[1].effective << 32;
  *permitted = (uint64_t) data[0].permitted | (uint64_t) data[1].permitted << 32;
}

static void
clear_ambient_set (void)
{
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    die_with_errno ("capabilities: clear the ambient set");
}

/* Raises caps in the ambient set one by one: each must be permitted and inheritable. */
static void
raise_ambient_set (uint64_t caps)
{
  int last = last_capability ();

  for (int cap = 0; cap <= last && cap < 64; cap++)
    if ((caps & (UINT64_C (1) << cap)) && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      die_with_errno ("capabilities: raise %d in the ambient set (it must be permitted and inheritable)", cap);
}

static void
set_capabilities (uint64_t caps)
{
  write_capability_sets (caps, caps, caps);
  clear_ambient_set ();
}

/* --caps-effective and co: each set as given, the ambient set raised one by one. */
static void
set_exact_capabilities (const struct security_options *opts)
{
  write_capability_sets (opts->caps_effective, opts->caps_permitted, opts->caps_inheritable);
  clear_ambient_set ();
  /* The kernel takes an ambient capability only when it is permitted and inheritable; as runc
   * and crun, one that is not is left out rather than failing the container (runc spec
   * --rootless lists ambient capabilities with no inheritable set). */
  raise_ambient_set (opts->caps_ambient & opts->caps_permitted & opts->caps_inheritable);
}

static bool
setgroups_allowed (void)
{
  char text[16] = "";
  FILE *file = fopen ("/proc/self/setgroups", "re");

  if (file == NULL)
    return true;
  if (fgets (text, sizeof text, file) == NULL)
    text[0] = '\0';
  fclose (file);
  return strncmp (text, "allow", 5) == 0;
}

static void
set_groups (const struct security_options *opts)
{
  if (opts->has_groups && opts->n_groups > 0)
    {
      if (!setgroups_allowed ())
        die_with_err (EPERM,
                      "user: supplementary groups need a full id map (with a single-id map setgroups is denied)");
      if (setgroups (opts->n_groups, opts->groups) < 0)
        die_with_errno ("user: set the supplementary groups%s",
                        errno == EINVAL ? " (one has no mapping in the container's user namespace)" : "");
      return;
    }
  /* With a single-id map, setgroups is denied and the groups cannot change anyway. */
  if (setgroups_allowed () && setgroups (0, NULL) < 0)
    die_with_errno ("user: clear the supplementary groups");
}

static void
switch_user (const struct security_options *opts, uid_t uid, gid_t gid)
{
  set_groups (opts);
  if (setresgid (gid, gid, gid) < 0)
    die_with_errno ("user: gid %u%s", (unsigned) gid,
                    errno == EINVAL ? " has no mapping in the container's user namespace" : "");
  if (setresuid (uid, uid, uid) < 0)
    die_with_errno ("user: uid %u%s", (unsigned) uid,
                    errno == EINVAL ? " has no mapping in the container's user namespace" : "");
}

void
secure_command (const struct security_options *opts)
{
  uid_t uid = opts->has_user ? opts->uid : 0;
  bool no_new_privs = !opts->privileged && !opts->new_privileges;

  drop_bounding_set (opts->caps);
  /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, which we have only before
   * becoming the user: the filter then applies to that switch too, as in runc. */
  if (!no_new_privs && opts->seccomp.instructions != NULL)
    seccomp_load_program (&opts->seccomp);
  if (opts->exact_caps && prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    die_with_errno ("capabilities: keep them across the user switch");
  if (opts->has_user || opts->has_groups)
    switch_user (opts, uid, opts->has_user ? opts->gid : 0);
  if (opts->exact_caps)
    set_exact_capabilities (opts);
  else /* As docker and podman do, a user other than root keeps only the bounding set. */
    set_capabilities (uid == 0 ? opts->caps & ((UINT64_C (2) << last_capability ()) - 1) : 0);
  if (no_new_privs && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    die_with_errno ("no_new_privs");
  if (no_new_privs && opts->seccomp.instructions != NULL)
    seccomp_load_program (&opts->seccomp);
}

void
secure_init (const struct security_options *opts)
{
  struct security_options as_root = *opts;

  /* The init stays root (it reaps whoever runs in the container), and keeps CAP_KILL to
   * pass signals on to a command of another user. */
  as_root.caps |= UINT64_C (1) << CAP_KILL;
  as_root.has_user = false;
  as_root.has_groups = false;
  as_root.exact_caps = false;
  secure_command (&as_root);
}

/* The kernel keeps the capabilities of uid 0 across execve, those of another uid (the
 * init's, when the caller's uid is not root in the container) only in the ambient set. */
void
capabilities_keep_across_exec (void)
{
  uint64_t effective, permitted, kept;
  int last = last_capability ();

  read_capability_sets (&effective, &permitted);
  kept = permitted;
  for (int cap = 0; cap <= last && cap < 64; cap++)
    if (prctl (PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
      kept &= ~(UINT64_C (1) << cap);
  write_capability_sets (effective, permitted, kept);
  raise_ambient_set (kept);
}

void
capabilities_end_keeping_across_exec (void)
{
  uint64_t effective, permitted;

  clear_ambient_set ();
  read_capability_sets (&effective, &permitted);
  write_capability_sets (effective, permitted, 0);
}
