/* ids.c: uid/gid maps and the diagnosis of user namespace failures. */
#include "ids.h"
#include "utils.h"

#include <ctype.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

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

int
format_id_maps (char *buf, size_t size, const struct id_mapping *maps, size_t n)
{
  size_t used = 0;

  buf[0] = '\0';
  for (size_t i = 0; i < n; i++)
    {
      int length = format_id_map (buf + used, size - used, maps[i].inside, maps[i].outside, maps[i].count);

      if (length < 0)
        return -1;
      used += (size_t) length;
    }
  return (int) used;
}

char **
map_tool_argv (const char *tool, pid_t pid, const struct id_mapping *maps, size_t n)
{
  /* The pointers first, then the strings they point to. */
  size_t n_words = 2 + 3 * n;
  size_t size = (n_words + 1) * sizeof (char *) + strlen (tool) + 1 + (n_words - 1) * 12;
  char **argv = malloc (size);
  char *text;
  char *end;

  if (argv == NULL)
    return NULL;
  text = (char *) (argv + n_words + 1);
  end = (char *) argv + size;
  argv[0] = strcpy (text, tool);
  text += strlen (tool) + 1;
  argv[1] = text;
  text += snprintf (text, (size_t) (end - text), "%d", (int) pid) + 1;
  for (size_t i = 0; i < n; i++)
    {
      const unsigned values[] = { maps[i].inside, maps[i].outside, maps[i].count };

      for (size_t j = 0; j < N_ELEMENTS (values); j++)
        {
          argv[2 + 3 * i + j] = text;
          text += snprintf (text, (size_t) (end - text), "%u", values[j]) + 1;
        }
    }
  argv[n_words] = NULL;
  return argv;
}

/* What is kept of a tool's output: the message it fails with. */
#define MAP_TOOL_REASON_MAX 256

/* One newuidmap or newgidmap run: its process, the pipe of its output, and why it failed. */
struct map_tool_run
{
  const char *name;
  pid_t pid;
  int output;
  char reason[MAP_TOOL_REASON_MAX];
};

static void
start_map_tool (struct map_tool_run *run, const char *path, pid_t target, const struct id_mapping *maps, size_t n,
                const sigset_t *child_mask)
{
  char *empty_environment[] = { NULL };
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  sigset_t defaults;
  int pipe_fds[2];
  char **argv = map_tool_argv (path, target, maps, n);
  int err;

  run->pid = -1;
  run->output = -1;
  run->reason[0] = '\0';
  if (argv == NULL)
    die ("id map: out of memory");
  if (pipe2 (pipe_fds, O_CLOEXEC) < 0)
    die_with_errno ("id map: pipe");
  posix_spawn_file_actions_init (&actions);
  posix_spawn_file_actions_addopen (&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2 (&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2 (&actions, pipe_fds[1], 2);
  posix_spawnattr_init (&attributes);
  /* Our signals are blocked and SIGPIPE ignored, for the signalfd: not the tool's. */
  sigemptyset (&defaults);
  sigaddset (&defaults, SIGPIPE);
  posix_spawnattr_setflags (&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setsigmask (&attributes, child_mask);
  posix_spawnattr_setsigdefault (&attributes, &defaults);
  err = posix_spawn (&run->pid, path, &actions, &attributes, argv, empty_environment);
  posix_spawnattr_destroy (&attributes);
  posix_spawn_file_actions_destroy (&actions);
  free (argv);
  close (pipe_fds[1]);
  if (err == 0)
    {
      run->output = pipe_fds[0];
      return;
    }
  close (pipe_fds[0]);
  run->pid = -1;
  snprintf (run->reason, sizeof run->reason, "%s: %s", path, strerror (err));
}

static void
trim_end (char *text)
{
  size_t length = strlen (text);

  while (length > 0 && isspace ((unsigned char) text[length - 1]))
    text[--length] = '\0';
}

/* Reads the tool's output to its end and reaps it; returns true when it succeeded, else
 * leaves why in run->reason: what it printed, or how it ended. */
static bool
finish_map_tool (struct map_tool_run *run)
{
  size_t used = 0;
  int status;

  if (run->pid < 0)
    return false;
  for (;;)
    {
      char discard[256];
      bool full = used + 1 >= sizeof run->reason;
      ssize_t n = full ? read_retry (run->output, discard, sizeof discard)
                       : read_retry (run->output, run->reason + used, sizeof run->reason - 1 - used);

      if (n <= 0)
        break;
      if (!full)
        used += (size_t) n;
    }
  run->reason[used] = '\0';
  close (run->output);
  if (waitpid_retry (run->pid, &status, 0) < 0)
    die_with_errno ("id map: wait for %s", run->name);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return true;
  trim_end (run->reason);
  if (run->reason[0] != '\0')
    return false;
  if (WIFEXITED (status))
    snprintf (run->reason, sizeof run->reason, "%s exited with %d", run->name, WEXITSTATUS (status));
  else
    snprintf (run->reason, sizeof run->reason, "%s was killed by signal %d", run->name, WTERMSIG (status));
  return false;
}

/* As root the maps are written as asked, as runc does: /etc/subuid's ranges are for the unprivileged. */
static void
write_maps_as_root (pid_t pid, const struct full_id_maps *maps)
{
  size_t size = 64 + 36 * (maps->n_uid > maps->n_gid ? maps->n_uid : maps->n_gid);
  char *text = malloc (size);

  if (text == NULL)
    die ("id map: out of memory");
  format_id_maps (text, size, maps->uid, maps->n_uid);
  write_process_file (pid, "uid_map", text);
  format_id_maps (text, size, maps->gid, maps->n_gid);
  write_process_file (pid, "gid_map", text);
  free (text);
}

void
write_full_id_maps (pid_t pid, const struct full_id_maps *maps, const sigset_t *child_mask,
                    void (*warn) (const char *message))
{
  struct map_tool_run uid = { .name = "newuidmap" };
  struct map_tool_run gid = { .name = "newgidmap" };
  char message[MAP_TOOL_REASON_MAX + 128];
  char line[64];
  bool uid_written, gid_written;

  if (geteuid () == 0)
    {
      write_maps_as_root (pid, maps);
      return;
    }
  /* Side by side: the container waits for both, and neither needs the other. */
  start_map_tool (&uid, maps->newuidmap, pid, maps->uid, maps->n_uid, child_mask);
  start_map_tool (&gid, maps->newgidmap, pid, maps->gid, maps->n_gid, child_mask);
  uid_written = finish_map_tool (&uid);
  gid_written = finish_map_tool (&gid);
  if (!uid_written && !maps->fallback)
    die ("id map: newuidmap: %s", uid.reason);
  if (!uid_written)
    {
      snprintf (message, sizeof message, "newuidmap failed (%s): using a single-id map, only uid 0 exists inside",
                uid.reason);
      warn (message);
      if (gid_written)
        {
          format_id_map (line, sizeof line, 0, (unsigned) geteuid (), 1);
          write_process_file (pid, "uid_map", line);
        }
      else
        write_id_maps (pid, geteuid (), getegid ());
      return;
    }
  if (!gid_written)
    die ("id map: newgidmap: %s", gid.reason);
}
