/* process-limits.c: resource limits and the OOM score of the container. */
#include "process-limits.h"
#include "utils.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

struct resource_name
{
  const char *name;
  int resource;
};

static const struct resource_name resources[] = {
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

static const char *
resource_name (int resource)
{
  for (size_t i = 0; i < N_ELEMENTS (resources); i++)
    if (resources[i].resource == resource)
      return resources[i].name;
  return "RLIMIT_?";
}

/* A decimal number or "unlimited", up to the end or the given stop character. */
static int
parse_limit (const char *text, char stop, uint64_t *value, const char **end)
{
  char *after;

  if (strncmp (text, "unlimited", 9) == 0)
    {
      *value = RLIM_INFINITY;
      *end = text + 9;
      return **end == stop ? 0 : -1;
    }
  if (!isdigit ((unsigned char) text[0]))
    return -1;
  errno = 0;
  *value = strtoull (text, &after, 10);
  *end = after;
  return errno == 0 && *after == stop ? 0 : -1;
}

int
parse_rlimit (const char *text, struct rlimit_setting *setting)
{
  size_t name_length = strcspn (text, "=");
  const char *end;

  if (text[name_length] != '=')
    return -1;
  setting->resource = -1;
  for (size_t i = 0; i < N_ELEMENTS (resources); i++)
    if (strlen (resources[i].name) == name_length && strncmp (resources[i].name, text, name_length) == 0)
      setting->resource = resources[i].resource;
  if (setting->resource < 0)
    return -1;
  if (parse_limit (text + name_length + 1, ':', &setting->soft, &end) < 0)
    return -1;
  if (parse_limit (end + 1, '\0', &setting->hard, &end) < 0)
    return -1;
  return setting->soft <= setting->hard ? 0 : -1;
}

int
parse_oom_score_adj (const char *text, int *value)
{
  char *end;
  long number;

  if (text[0] == '\0')
    return -1;
  errno = 0;
  number = strtol (text, &end, 10);
  if (errno != 0 || *end != '\0' || number < -1000 || number > 1000)
    return -1;
  *value = (int) number;
  return 0;
}

void
process_limits_apply (const struct options *opts)
{
  for (size_t i = 0; i < opts->n_rlimits; i++)
    {
      const struct rlimit_setting *setting = &opts->rlimits[i];
      struct rlimit limit = { .rlim_cur = setting->soft, .rlim_max = setting->hard };

      if (setrlimit ((__rlimit_resource_t) setting->resource, &limit) < 0)
        die_with_errno ("rlimit %s: %s%s", resource_name (setting->resource),
                        errno == EPERM ? "raising the hard limit above the caller's needs privileges" : "set it",
                        errno == EPERM ? " (lower it, or raise the caller's with ulimit -H)" : "");
    }
}

void
process_limits_apply_oom_score_adj (const struct options *opts)
{
  char text[16];

  if (!opts->has_oom_score_adj)
    return;
  snprintf (text, sizeof text, "%d", opts->oom_score_adj);
  if (write_proc_file ("/proc/self/oom_score_adj", text) < 0)
    die_with_errno ("oom_score_adj %d%s", opts->oom_score_adj,
                    errno == EACCES || errno == EPERM ? ": a rootless container can only raise it above the caller's"
                                                      : "");
}
