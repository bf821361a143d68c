/* seccomp-filter.c: the command's seccomp filter, built with libseccomp. */
#include "seccomp-filter.h"
#include "utils.h"

#include <fcntl.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_names[] = {
  [SECCOMP_OP_NE] = "ne",
  [SECCOMP_OP_LT] = "lt",
  [SECCOMP_OP_LE] = "le",
  [SECCOMP_OP_EQ] = "eq",
  [SECCOMP_OP_GE] = "ge",
  [SECCOMP_OP_GT] = "gt",
  [SECCOMP_OP_MASKED_EQ] = "masked_eq",
};

static int
parse_number (const char *text, uint64_t *value)
{
  char *end;

  if (text == NULL || text[0] == '\0' || text[0] == '-')
    return -1;
  errno = 0;
  *value = strtoull (text, &end, 0);
  return errno == 0 && *end == '\0' ? 0 : -1;
}

static int
parse_action (const char *text, uint32_t *action)
{
  uint64_t err;

  if (strcmp (text, "allow") == 0)
    *action = SCMP_ACT_ALLOW;
  else if (strcmp (text, "kill") == 0)
    *action = SCMP_ACT_KILL;
  else if (strcmp (text, "kill-process") == 0)
    *action = SCMP_ACT_KILL_PROCESS;
  else if (strcmp (text, "trap") == 0)
    *action = SCMP_ACT_TRAP;
  else if (strcmp (text, "log") == 0)
    *action = SCMP_ACT_LOG;
  else if (strncmp (text, "errno:", 6) == 0 && parse_number (text + 6, &err) == 0 && err <= 4095)
    *action = SCMP_ACT_ERRNO ((uint32_t) err);
  else
    return -1;
  return 0;
}

static int
parse_condition (char *text, struct seccomp_condition *condition)
{
  char *fields[4] = { NULL };
  char *save = NULL;
  uint64_t index;
  size_t n = 0;

  for (char *field = strtok_r (text, ":", &save); field != NULL; field = strtok_r (NULL, ":", &save))
    {
      if (n == N_ELEMENTS (fields))
        return -1;
      fields[n++] = field;
    }
  if (n < 3 || parse_number (fields[0], &index) < 0 || index > 5)
    return -1;
  condition->index = (unsigned) index;
  condition->op = 0;
  for (size_t op = SECCOMP_OP_NE; op < N_ELEMENTS (op_names); op++)
    if (strcmp (fields[1], op_names[op]) == 0)
      condition->op = (enum seccomp_op) op;
  if (condition->op == 0 || parse_number (fields[2], &condition->value) < 0)
    return -1;
  condition->value2 = 0;
  if (n == 4 && parse_number (fields[3], &condition->value2) < 0)
    return -1;
  return (n == 4) == (condition->op == SECCOMP_OP_MASKED_EQ) ? 0 : -1;
}

static __attribute__ ((format (printf, 3, 4))) int
parse_error (char *error, size_t error_size, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  vsnprintf (error, error_size, format, args);
  va_end (args);
  return -1;
}

int
seccomp_parse_rule (char *line, struct seccomp_rule *rule, char *error, size_t error_size)
{
  char *save = NULL;
  char *action = strtok_r (line, " \t", &save);
  char *name = strtok_r (NULL, " \t", &save);
  char *argument;

  *rule = (struct seccomp_rule) { 0 };
  if (action == NULL || name == NULL)
    return parse_error (error, error_size, "not ACTION SYSCALL [CONDITIONS]");
  if (strcmp (action, "default") == 0)
    {
      strcpy (rule->name, "default");
      action = name;
      name = NULL;
    }
  if (parse_action (action, &rule->action) < 0)
    return parse_error (error, error_size, "%s: not allow, errno:N, kill, kill-process, trap or log", action);
  if (name == NULL)
    return strtok_r (NULL, " \t", &save) == NULL ? 0 : parse_error (error, error_size, "default takes one action");
  if (strlen (name) >= sizeof rule->name)
    return parse_error (error, error_size, "%s: syscall name too long", name);
  strcpy (rule->name, name);
  while ((argument = strtok_r (NULL, " \t", &save)) != NULL)
    {
      if (rule->n_conditions == SECCOMP_MAX_CONDITIONS)
        return parse_error (error, error_size, "more than %d conditions", SECCOMP_MAX_CONDITIONS);
      char as_given[128];

      snprintf (as_given, sizeof as_given, "%s", argument); /* parsing cuts it up */
      if (parse_condition (argument, &rule->conditions[rule->n_conditions++]) < 0)
        return parse_error (error, error_size, "%s: not INDEX:OP:VALUE or INDEX:masked_eq:MASK:VALUE", as_given);
    }
  return 0;
}

static void
add_rule (scmp_filter_ctx filter, uint32_t default_action, const struct seccomp_rule *rule)
{
  struct scmp_arg_cmp conditions[SECCOMP_MAX_CONDITIONS];
  int syscall_number = seccomp_syscall_resolve_name (rule->name);
  int err;

  if (syscall_number == __NR_SCMP_ERROR || rule->action == default_action)
    return; /* unknown here, or nothing to add */
  for (unsigned i = 0; i < rule->n_conditions; i++)
    conditions[i] = (struct scmp_arg_cmp) {
      .arg = rule->conditions[i].index,
      .op = (enum scmp_compare) rule->conditions[i].op,
      .datum_a = rule->conditions[i].value,
      .datum_b = rule->conditions[i].value2,
    };
  err = seccomp_rule_add_array (filter, rule->action, syscall_number, rule->n_conditions, conditions);
  if (err < 0)
    die_with_err (-err, "seccomp: %s: %s", rule->name, strerror (-err));
}

char *
seccomp_read_rules_from (int fd, const char *name)
{
  enum
  {
    LIMIT = 1 << 20
  };
  char *text = malloc (LIMIT + 1);
  ssize_t total = 0;
  ssize_t n = 0;

  if (text == NULL)
    die ("seccomp: out of memory");
  while (total < LIMIT && (n = read_retry (fd, text + total, (size_t) (LIMIT - total))) > 0)
    total += n;
  if (n < 0)
    die_with_errno ("seccomp: %s", name);
  if (total == LIMIT)
    die_with_err (EFBIG, "seccomp: %s: larger than 1 MiB", name);
  text[total] = '\0';
  return text;
}

char *
seccomp_read_rules (const char *path)
{
  autoclose_fd int fd = RETRY_EINTR (open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY));

  if (fd < 0)
    die_with_errno ("seccomp: %s", path);
  return seccomp_read_rules_from (fd, path);
}

void
seccomp_load_rules (const char *rules)
{
  char *text = strdup (rules);
  char *save = NULL;
  scmp_filter_ctx filter = NULL;
  uint32_t default_action = 0;
  unsigned line_number = 0;
  int err;

  if (text == NULL)
    die ("seccomp: out of memory");
  for (char *line = strtok_r (text, "\n", &save); line != NULL; line = strtok_r (NULL, "\n", &save))
    {
      struct seccomp_rule rule;
      char error[256];

      line_number++;
      if (seccomp_parse_rule (line, &rule, error, sizeof error) < 0)
        die_with_err (EINVAL, "seccomp: line %u: %s", line_number, error);
      if (filter == NULL && strcmp (rule.name, "default") != 0)
        die_with_err (EINVAL, "seccomp: line %u: the first line must be default ACTION", line_number);
      if (filter == NULL)
        {
          default_action = rule.action;
          filter = seccomp_init (default_action);
          if (filter == NULL)
            die ("seccomp: cannot create a filter");
          /* libseccomp sets no_new_privs on load by default: whether it is set is the caller's
           * choice (secure_command), as a filter without noNewPrivileges must leave it off. */
          err = seccomp_attr_set (filter, SCMP_FLTATR_CTL_NNP, 0);
          if (err < 0)
            die_with_err (-err, "seccomp: leave no_new_privs to the caller: %s", strerror (-err));
          continue;
        }
      add_rule (filter, default_action, &rule);
    }
  if (filter == NULL)
    die_with_err (EINVAL, "seccomp: no rules");
  err = seccomp_load (filter);
  if (err < 0)
    die_with_err (-err, "seccomp: load the filter: %s", strerror (-err));
  seccomp_release (filter);
  free (text);
}
