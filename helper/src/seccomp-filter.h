/* seccomp-filter.h: the command's seccomp filter, from rules the caller writes.
 *
 * One rule a line; the first line is "default ACTION":
 *   default errno:1
 *   allow read
 *   errno:1 clone 0:masked_eq:268435456:268435456
 * ACTION: allow, errno:N, kill (the thread), kill-process, trap, log.
 * Then the syscall's name and up to 6 conditions INDEX:OP:VALUE[:VALUE2] on its
 * arguments, all of which must hold; OP: ne lt le eq ge gt masked_eq (VALUE is
 * the mask, VALUE2 the expected value). Several lines for one syscall: any of them.
 * A syscall this architecture does not know is skipped, as runc and crun do. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SECCOMP_MAX_CONDITIONS 6

enum seccomp_op
{
  SECCOMP_OP_NE = 1, /* the values of libseccomp's enum scmp_compare */
  SECCOMP_OP_LT,
  SECCOMP_OP_LE,
  SECCOMP_OP_EQ,
  SECCOMP_OP_GE,
  SECCOMP_OP_GT,
  SECCOMP_OP_MASKED_EQ,
};

struct seccomp_condition
{
  unsigned index;
  enum seccomp_op op;
  uint64_t value;
  uint64_t value2;
};

struct seccomp_rule
{
  uint32_t action; /* libseccomp's SCMP_ACT_* value */
  char name[64];   /* the syscall, or "default" */
  unsigned n_conditions;
  struct seccomp_condition conditions[SECCOMP_MAX_CONDITIONS];
};

/* Parses one line (modified in place); returns 0, or -1 with a reason in error. */
int seccomp_parse_rule (char *line, struct seccomp_rule *rule, char *error, size_t error_size);

/* Reads the rules of --seccomp FILE (at most 1 MiB); dies if it cannot. Free the result. */
char *seccomp_read_rules (const char *path);

/* The same from an open file, read from where it stands; name is for the messages. */
char *seccomp_read_rules_from (int fd, const char *name);

/* Builds the filter from rules and loads it; dies with the line at fault. */
void seccomp_load_rules (const char *rules);
