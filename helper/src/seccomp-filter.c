/* seccomp-filter.c: the command's seccomp filter, built with libseccomp. */
#include "seccomp-filter.h"
#include "utils.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

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
seccomp_read_rules (const char *path)
{
  enum
  {
    LIMIT = 1 << 20
  };
  autoclose_fd int fd = RETRY_EINTR (open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY));
  char *text = malloc (LIMIT + 1);
  ssize_t total = 0;
  ssize_t n = 0;

  if (fd < 0)
    die_with_errno ("seccomp: %s", path);
  if (text == NULL)
    die ("seccomp: out of memory");
  while (total < LIMIT && (n = read_retry (fd, text + total, (size_t) (LIMIT - total))) > 0)
    total += n;
  if (n < 0)
    die_with_errno ("seccomp: %s", path);
  if (total == LIMIT)
    die_with_err (EFBIG, "seccomp: %s: larger than 1 MiB", path);
  text[total] = '\0';
  return text;
}

void
seccomp_read_program (int fd, const char *what, struct seccomp_program *program)
{
  struct stat st;

  if (fstat (fd, &st) < 0)
    die_with_errno ("seccomp: %s", what);
  if (st.st_size <= 0 || st.st_size % (off_t) sizeof (struct sock_filter) != 0
      || st.st_size / (off_t) sizeof (struct sock_filter) > BPF_MAXINSNS)
    die_with_err (EINVAL, "seccomp: %s has %lld bytes, not a BPF program of at most %d instructions", what,
                  (long long) st.st_size, BPF_MAXINSNS);
  program->length = (unsigned short) (st.st_size / (off_t) sizeof (struct sock_filter));
  program->instructions = calloc (program->length, sizeof (struct sock_filter));
  if (program->instructions == NULL)
    die ("seccomp: out of memory");
  if (pread (fd, program->instructions, (size_t) st.st_size, 0) != st.st_size)
    die_with_errno ("seccomp: read %s", what);
}

/* The BPF program libseccomp made of filter: exported into a memory file and read back. */
static void
export_program (scmp_filter_ctx filter, struct seccomp_program *program)
{
  autoclose_fd int fd = memfd_create ("seccomp", MFD_CLOEXEC);
  int err;

  if (fd < 0)
    die_with_errno ("seccomp: memfd_create");
  err = seccomp_export_bpf (filter, fd);
  if (err < 0)
    die_with_err (-err, "seccomp: export the filter: %s", strerror (-err));
  seccomp_read_program (fd, "the exported filter", program);
}

void
seccomp_compile_rules (const char *rules, struct seccomp_program *program)
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
          /* Whether no_new_privs is set is the caller's choice (secure_command): the program
           * is loaded as it is, with no flags, as libseccomp loads it with this attribute off. */
          err = seccomp_attr_set (filter, SCMP_FLTATR_CTL_NNP, 0);
          if (err < 0)
            die_with_err (-err, "seccomp: leave no_new_privs to the caller: %s", strerror (-err));
          continue;
        }
      add_rule (filter, default_action, &rule);
    }
  if (filter == NULL)
    die_with_err (EINVAL, "seccomp: no rules");
  export_program (filter, program);
  seccomp_release (filter);
  free (text);
}

static const char CACHE_MAGIC[16] = "ryouiki-seccomp1";

/* FNV-1a: finds a damaged entry; what is trusted is compared whole (the rules). */
static uint64_t
checksum (const void *data, size_t size)
{
  const uint8_t *bytes = data;
  uint64_t hash = UINT64_C (14695981039346656037);

  for (size_t i = 0; i < size; i++)
    hash = (hash ^ bytes[i]) * UINT64_C (1099511628211);
  return hash;
}

static struct seccomp_cache_header
cache_header (const char *rules, const struct seccomp_program *program)
{
  const struct scmp_version *version = seccomp_version ();
  struct seccomp_cache_header header = { 0 };

  memcpy (header.magic, CACHE_MAGIC, sizeof header.magic);
  header.libseccomp[0] = version->major;
  header.libseccomp[1] = version->minor;
  header.libseccomp[2] = version->micro;
  header.arch = seccomp_arch_native ();
  header.rules_length = (uint32_t) strlen (rules);
  header.program_length = program->length;
  header.program_checksum = checksum (program->instructions, program->length * sizeof (struct sock_filter));
  return header;
}

uint8_t *
seccomp_cache_entry (const char *rules, const struct seccomp_program *program, size_t *size)
{
  struct seccomp_cache_header header = cache_header (rules, program);
  size_t program_size = program->length * sizeof (struct sock_filter);
  uint8_t *entry;

  *size = sizeof header + header.rules_length + program_size;
  entry = malloc (*size);
  if (entry == NULL)
    die ("seccomp: out of memory");
  memcpy (entry, &header, sizeof header);
  memcpy (entry + sizeof header, rules, header.rules_length);
  memcpy (entry + sizeof header + header.rules_length, program->instructions, program_size);
  return entry;
}

bool
seccomp_cache_entry_program (const uint8_t *entry, size_t size, const char *rules, struct seccomp_program *program)
{
  struct seccomp_cache_header header;
  struct seccomp_program given = { NULL, 0 };
  struct seccomp_cache_header expected;
  size_t rules_length = strlen (rules);
  size_t program_size;

  if (size < sizeof header)
    return false;
  memcpy (&header, entry, sizeof header);
  if (header.program_length == 0 || header.program_length > BPF_MAXINSNS || header.rules_length != rules_length)
    return false;
  program_size = header.program_length * sizeof (struct sock_filter);
  if (size != sizeof header + rules_length + program_size || memcmp (entry + sizeof header, rules, rules_length) != 0)
    return false;
  given.length = (unsigned short) header.program_length;
  given.instructions = (struct sock_filter *) (uintptr_t) (entry + sizeof header + rules_length);
  expected = cache_header (rules, &given);
  if (memcmp (&header, &expected, sizeof header) != 0)
    return false;
  program->length = given.length;
  program->instructions = malloc (program_size);
  if (program->instructions == NULL)
    die ("seccomp: out of memory");
  memcpy (program->instructions, given.instructions, program_size);
  return true;
}

/* The cache file's program, if it is a file of ours that holds it. */
static bool
read_cache (const char *cache, const char *rules, struct seccomp_program *program)
{
  enum
  {
    LIMIT = (1 << 20) + (BPF_MAXINSNS * 8) + 4096
  };
  autoclose_fd int fd = RETRY_EINTR (open (cache, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK));
  uint8_t *entry;
  struct stat st;
  ssize_t got;
  bool found;

  if (fd < 0 || fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_uid != geteuid () || st.st_size > LIMIT)
    return false;
  entry = malloc ((size_t) st.st_size + 1);
  if (entry == NULL)
    return false;
  got = RETRY_EINTR (pread (fd, entry, (size_t) st.st_size + 1, 0));
  found = got == st.st_size && seccomp_cache_entry_program (entry, (size_t) got, rules, program);
  free (entry);
  return found;
}

/* Makes the folders above path that are missing, private to the user. */
static void
make_parent_dirs (const char *path)
{
  char *copy = strdup (path);

  if (copy == NULL)
    return;
  for (char *slash = strchr (copy + 1, '/'); slash != NULL; slash = strchr (slash + 1, '/'))
    {
      *slash = '\0';
      if (mkdir (copy, 0700) < 0 && errno != EEXIST)
        break;
      *slash = '/';
    }
  free (copy);
}

/* Writes the entry beside the cache file and renames it into place: a reader sees all or nothing. */
static void
write_cache (const char *cache, const char *rules, const struct seccomp_program *program)
{
  size_t size;
  uint8_t *entry = seccomp_cache_entry (rules, program, &size);
  char *temporary = NULL;
  int fd = -1;
  bool written = false;

  make_parent_dirs (cache);
  if (asprintf (&temporary, "%s.%ld.tmp", cache, (long) getpid ()) < 0)
    temporary = NULL;
  if (temporary != NULL)
    fd = RETRY_EINTR (open (temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd >= 0)
    {
      written = write_all (fd, entry, size) == 0;
      if (close (fd) < 0)
        written = false;
      if (!written || rename (temporary, cache) < 0)
        unlink (temporary);
    }
  free (temporary);
  free (entry);
}

void
seccomp_prepare (const char *rules, const char *cache, struct seccomp_program *program)
{
  if (cache != NULL && read_cache (cache, rules, program))
    return;
  seccomp_compile_rules (rules, program);
  if (cache != NULL)
    write_cache (cache, rules, program);
}

void
seccomp_load_program (const struct seccomp_program *program)
{
  struct sock_fprog fprog = { .len = program->length, .filter = program->instructions };

  if (prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) < 0)
    die_with_errno ("seccomp: load the filter");
}
