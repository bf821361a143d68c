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

#include <linux/filter.h>
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

/* A compiled filter: the BPF program the kernel loads. */
struct seccomp_program
{
  struct sock_filter *instructions; /* NULL: no filter */
  unsigned short length;
};

/* A cache entry of a compiled filter (--seccomp-cache FILE): what it was compiled from and by,
 * then the program. Trusted only when all of it matches: the very rules (compared whole),
 * the libseccomp version and the architecture, and the program's checksum. */
struct seccomp_cache_header
{
  char magic[16];
  uint32_t libseccomp[3]; /* major, minor, micro */
  uint32_t arch;          /* seccomp_arch_native () */
  uint32_t rules_length;  /* the rules follow the header, then the program */
  uint32_t program_length;
  uint64_t program_checksum;
};

/* Reads the program fd holds, whole (what names it in the messages); dies if it is no BPF program. */
void seccomp_read_program (int fd, const char *what, struct seccomp_program *program);

/* Builds the filter of rules (libseccomp); dies with the line at fault. */
void seccomp_compile_rules (const char *rules, struct seccomp_program *program);

/* The program of a cache entry of size bytes, if it holds these rules' filter as this
 * libseccomp compiles it; false for anything else (stale, damaged, truncated). */
bool seccomp_cache_entry_program (const uint8_t *entry, size_t size, const char *rules,
                                  struct seccomp_program *program);

/* A cache entry of the program compiled from rules; its size in *size. Free the result. */
uint8_t *seccomp_cache_entry (const char *rules, const struct seccomp_program *program, size_t *size);

/* The program of rules: from the cache file when it holds it, else compiled and written there
 * (cache may be NULL: compiled). A cache that cannot be read or written only costs the time. */
void seccomp_prepare (const char *rules, const char *cache, struct seccomp_program *program);

/* Loads a compiled program as the calling thread's filter. */
void seccomp_load_program (const struct seccomp_program *program);
