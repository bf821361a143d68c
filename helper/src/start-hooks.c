/* start-hooks.c: OCI startContainer hooks, run in the container before the command. */
#include "start-hooks.h"
#include "utils.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

enum
{
  MAX_HOOKS = 64
};

static struct start_hook loaded[MAX_HOOKS];
static size_t n_loaded;
static char *state;

static int
parse_count (const char *text, size_t *count)
{
  char *end;
  unsigned long value;

  if (text == NULL || text[0] < '0' || text[0] > '9')
    return -1;
  value = strtoul (text, &end, 10);
  if (*end != '\0' || value > 4096)
    return -1;
  *count = value;
  return 0;
}

/* Takes count entries from *at as a NULL-terminated list: the entry after them becomes NULL,
 * so the next field is read before that. */
static char **
take_list (char ***at, size_t count, char **next_field)
{
  char **list = *at;

  for (size_t i = 0; i < count; i++)
    if (list[i] == NULL)
      return NULL;
  *next_field = list[count];
  list[count] = NULL;
  *at = list + count + 1;
  return list;
}

int
start_hooks_parse (char **entries, const char **state_prefix, struct start_hook *hooks, size_t max)
{
  char **at;
  char *next;
  size_t n = 0;

  if (entries[0] == NULL)
    return -1;
  *state_prefix = entries[0];
  next = entries[1];
  at = next == NULL ? entries + 1 : entries + 2;
  /* next is the entry that starts a hook; at, the entries after it. */
  while (next != NULL)
    {
      size_t timeout, n_args, n_env;
      char *after_args;

      if (n == max || strcmp (next, "hook") != 0 || at[0] == NULL || at[1] == NULL || parse_count (at[0], &timeout) < 0
          || at[1][0] != '/' || parse_count (at[2], &n_args) < 0 || n_args == 0)
        return -1;
      hooks[n] = (struct start_hook) { .path = at[1], .timeout = (unsigned) timeout };
      at += 3;
      hooks[n].args = take_list (&at, n_args, &after_args);
      if (hooks[n].args == NULL || parse_count (after_args, &n_env) < 0)
        return -1;
      hooks[n].env = take_list (&at, n_env, &next);
      if (hooks[n].env == NULL)
        return -1;
      n++;
    }
  return (int) n;
}

void
start_hooks_load (const char *path, int container_pid)
{
  char **entries;
  const char *prefix;
  int n;

  if (path == NULL)
    return;
  entries = read_nul_list_file (path);
  if (entries == NULL)
    die_with_errno ("start hooks: %s", path);
  n = start_hooks_parse (entries, &prefix, loaded, MAX_HOOKS);
  if (n < 0)
    die_with_err (EINVAL, "start hooks: %s: malformed", path);
  n_loaded = (size_t) n;
  if (asprintf (&state, "%s%d}", prefix, container_pid) < 0)
    die ("start hooks: out of memory");
}

static long
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Returns the hook's wait status, or -1 when it ran past its timeout (it is killed then). */
static int
wait_with_timeout (pid_t pid, unsigned timeout)
{
  long deadline = now_ms () + (long) timeout * 1000L;
  const struct timespec pause = { .tv_nsec = 10 * 1000 * 1000 };
  int status;

  for (;;)
    {
      pid_t done = waitpid_retry (pid, &status, timeout > 0 ? WNOHANG : 0);

      if (done < 0)
        die_with_errno ("startContainer hook: wait");
      if (done == pid)
        return status;
      if (now_ms () > deadline)
        {
          kill (pid, SIGKILL);
          waitpid_retry (pid, &status, 0);
          return -1;
        }
      nanosleep (&pause, NULL);
    }
}

/* The hook's stdin: the state in a memory file, read from its start. Not a pipe: a
 * hook need not read its state, and a write into a pipe whose hook has exited (or
 * sleeps) would kill us with SIGPIPE (SIGPIPE is at its default here, as the command
 * will have it) or block past the hook's timeout. */
static int
state_as_stdin (void)
{
  int fd = memfd_with_bytes ("hook-state", state, strlen (state), MFD_CLOEXEC);

  if (fd < 0)
    die_with_errno ("startContainer hook: write its state");
  return fd;
}

static void
run_hook (const struct start_hook *hook, size_t index)
{
  autoclose_fd int input = state_as_stdin ();
  pid_t pid;
  int status;

  pid = fork ();
  if (pid < 0)
    die_with_errno ("startContainer hook: fork");
  if (pid == 0)
    {
      dup2 (input, STDIN_FILENO);
      execve (hook->path, hook->args, hook->env);
      _exit (127);
    }
  status = wait_with_timeout (pid, hook->timeout);
  if (status < 0)
    die_with_err (ETIMEDOUT, "hooks.startContainer[%zu] (%s) ran longer than its timeout of %u s and was killed", index,
                  hook->path, hook->timeout);
  if (WIFSIGNALED (status))
    die ("hooks.startContainer[%zu] (%s) was killed by signal %d", index, hook->path, WTERMSIG (status));
  if (WEXITSTATUS (status) != 0)
    die ("hooks.startContainer[%zu] (%s) exited with %d%s", index, hook->path, WEXITSTATUS (status),
         WEXITSTATUS (status) == 127 ? " (not found in the container?)" : "");
}

void
start_hooks_run (void)
{
  for (size_t i = 0; i < n_loaded; i++)
    run_hook (&loaded[i], i);
}
