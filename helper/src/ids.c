/* ids.c: uid/gid maps and the diagnosis of user namespace failures. */
#include "ids.h"
#include "utils.h"

#include <stdio.h>
#include <string.h>

int
format_id_map (char *buf, size_t size, unsigned inside, unsigned outside, unsigned count)
{
  int length = snprintf (buf, size, "%u %u %u\n", inside, outside, count);

  if (length < 0 || (size_t) length >= size)
    return -1;
  return length;
}

static void
append_cause (char *buf, size_t size, const char *cause)
{
  size_t used = strlen (buf);

  snprintf (buf + used, size - used, "%s%s", used > 0 ? "; " : "", cause);
}

void
userns_diagnosis (const struct userns_sysctls *sysctls, char *buf, size_t size)
{
  buf[0] = '\0';
  if (sysctls->max_user_namespaces == 0)
    append_cause (buf, size,
                  "user namespaces are disabled (user.max_user_namespaces = 0), "
                  "fix: sysctl -w user.max_user_namespaces=15000");
  if (sysctls->unprivileged_userns_clone == 0)
    append_cause (buf, size,
                  "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0), "
                  "fix: sysctl -w kernel.unprivileged_userns_clone=1");
  if (sysctls->apparmor_restrict_unprivileged_userns == 1)
    append_cause (buf, size,
                  "AppArmor restricts unprivileged user namespaces "
                  "(kernel.apparmor_restrict_unprivileged_userns = 1), "
                  "fix: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 "
                  "or an AppArmor profile that allows userns for " PROGRAM_NAME);
  if (buf[0] != '\0')
    return;
  if (sysctls->max_user_namespaces < 0)
    snprintf (buf, size,
              "this kernel may lack user namespaces (no /proc/sys/user/max_user_namespaces), "
              "or a security policy (seccomp, SELinux, an outer container) denies them");
  else
    snprintf (buf, size,
              "no sysctl disables them (user.max_user_namespaces = %d): the limit may be reached, "
              "or a security policy (seccomp, SELinux, an outer container) denies them",
              sysctls->max_user_namespaces);
}

static int
read_sysctl (const char *path)
{
  int value;

  return read_int_file (path, &value) == 0 ? value : -1;
}

void
userns_read_sysctls (struct userns_sysctls *sysctls)
{
  sysctls->max_user_namespaces = read_sysctl ("/proc/sys/user/max_user_namespaces");
  sysctls->unprivileged_userns_clone = read_sysctl ("/proc/sys/kernel/unprivileged_userns_clone");
  sysctls->apparmor_restrict_unprivileged_userns
      = read_sysctl ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
}

bool
is_userns_refusal (int err)
{
  return err == EPERM || err == ENOSPC || err == EINVAL || err == EACCES;
}

void
die_userns (int err)
{
  struct userns_sysctls sysctls;
  char diagnosis[512];

  userns_read_sysctls (&sysctls);
  userns_diagnosis (&sysctls, diagnosis, sizeof diagnosis);
  die_with_err (err, "user namespace: %s: %s", strerror (err), diagnosis);
}

static void
write_process_file (pid_t pid, const char *name, const char *text)
{
  char path[64];

  snprintf (path, sizeof path, "/proc/%d/%s", (int) pid, name);
  if (write_proc_file (path, text) == 0)
    return;
  if (errno == ENOENT && strcmp (name, "setgroups") == 0)
    return; /* kernels before 3.19 have no such file and need none */
  if (errno == EPERM)
    die_userns (errno);
  die_with_errno ("id map: write %s", path);
}

void
write_id_maps (pid_t pid, uid_t uid, gid_t gid)
{
  char line[64];

  /* An unprivileged process may only write gid_map once setgroups() is denied. */
  write_process_file (pid, "setgroups", "deny");
  format_id_map (line, sizeof line, 0, (unsigned) uid, 1);
  write_process_file (pid, "uid_map", line);
  format_id_map (line, sizeof line, 0, (unsigned) gid, 1);
  write_process_file (pid, "gid_map", line);
}
