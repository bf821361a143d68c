/* namespaces.c: the container's namespaces, new or joined by path. */
#include "namespaces.h"
#include "utils.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

struct namespace_type
{
  const char *name;
  int flag;
};

static const struct namespace_type types[] = {
  { "user", CLONE_NEWUSER }, { "mount", CLONE_NEWNS },    { "pid", CLONE_NEWPID },       { "uts", CLONE_NEWUTS },
  { "ipc", CLONE_NEWIPC },   { "network", CLONE_NEWNET }, { "cgroup", CLONE_NEWCGROUP },
};

static const char *
type_name (int flag)
{
  for (size_t i = 0; i < N_ELEMENTS (types); i++)
    if (types[i].flag == flag)
      return types[i].name;
  return "?";
}

int
parse_namespace_join (char *text, struct namespace_join *join)
{
  char *colon = strchr (text, ':');

  if (colon == NULL || colon[1] != '/')
    return -1;
  for (size_t i = 0; i < N_ELEMENTS (types); i++)
    if (strlen (types[i].name) == (size_t) (colon - text)
        && strncmp (types[i].name, text, (size_t) (colon - text)) == 0)
      {
        *join = (struct namespace_join) { .clone_flag = types[i].flag, .path = colon + 1 };
        return 0;
      }
  return -1;
}

static bool
joined (const struct options *opts, int flag)
{
  for (size_t i = 0; i < opts->n_joins; i++)
    if (opts->joins[i].clone_flag == flag)
      return true;
  return false;
}

bool
namespaces_joined_user (const struct options *opts)
{
  return joined (opts, CLONE_NEWUSER);
}

unsigned long
namespaces_clone_flags (const struct options *opts)
{
  unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID;

  if (!opts->share_uts)
    flags |= CLONE_NEWUTS;
  if (!opts->share_ipc)
    flags |= CLONE_NEWIPC;
  if (!opts->share_net)
    flags |= CLONE_NEWNET;
  if (opts->new_cgroupns)
    flags |= CLONE_NEWCGROUP;
  if (opts->share_user)
    flags &= ~(unsigned long) CLONE_NEWUSER;
  if (opts->share_pid)
    flags &= ~(unsigned long) CLONE_NEWPID;
  for (size_t i = 0; i < opts->n_joins; i++)
    flags &= ~(unsigned long) opts->joins[i].clone_flag;
  return flags;
}

static void
join_one (const struct namespace_join *join)
{
  autoclose_fd int fd = RETRY_EINTR (open (join->path, O_RDONLY | O_CLOEXEC));

  if (fd < 0)
    die_with_errno ("join the %s namespace %s", type_name (join->clone_flag), join->path);
  if (setns (fd, join->clone_flag) < 0)
    die_with_errno ("join the %s namespace %s%s", type_name (join->clone_flag), join->path,
                    errno == EPERM && join->clone_flag != CLONE_NEWUSER ? " (join the user namespace that owns it too)"
                                                                        : "");
}

void
namespaces_join (const struct options *opts)
{
  for (size_t i = 0; i < opts->n_joins; i++)
    if (opts->joins[i].clone_flag == CLONE_NEWUSER)
      join_one (&opts->joins[i]);
  for (size_t i = 0; i < opts->n_joins; i++)
    if (opts->joins[i].clone_flag != CLONE_NEWUSER)
      join_one (&opts->joins[i]);
}
