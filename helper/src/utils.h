/* utils.h: error reporting, EINTR-safe I/O and fd cleanup helpers. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <unistd.h>

#define PROGRAM_NAME "ryouiki-init"
#define PROGRAM_VERSION "0.1.0"

#define EXIT_RUNTIME 125
#define EXIT_CANNOT_EXECUTE 126
#define EXIT_NOT_FOUND 127

#define N_ELEMENTS(array) (sizeof (array) / sizeof ((array)[0]))

/* Evaluates expression again for as long as it fails with EINTR. */
#define RETRY_EINTR(expression)                                                                                        \
  (__extension__({                                                                                                     \
    __typeof__ (expression) retry_result_;                                                                             \
    do                                                                                                                 \
      retry_result_ = (expression);                                                                                    \
    while (retry_result_ == -1 && errno == EINTR);                                                                     \
    retry_result_;                                                                                                     \
  }))

/* Receives the errno behind the error (0 if none) and the message; must not return. */
typedef void (*die_handler_fn) (int err, const char *message);

/* NULL restores the default: print "ryouiki-init: MESSAGE" on stderr, exit 125. */
void set_die_handler (die_handler_fn handler);

/* Hands the message to the handler, with err for a caller that wants the number. */
__attribute__ ((noreturn, format (printf, 2, 3))) void die_with_err (int err, const char *format, ...);

#define die(...) die_with_err (0, __VA_ARGS__)

/* Like die(), with ": strerror(errno)" appended; errno, saved first, goes to the handler. */
__attribute__ ((noreturn, format (printf, 1, 2))) void die_with_errno (const char *format, ...);

ssize_t read_retry (int fd, void *buf, size_t size);
int write_all (int fd, const void *buf, size_t size);
pid_t waitpid_retry (pid_t pid, int *status, int options);

/* A memfd (memfd_create flags) holding size bytes, read from its start; -1 and errno on failure. */
int memfd_with_bytes (const char *name, const void *bytes, size_t size, unsigned flags);

int write_file (const char *path, const char *text);

/* write_file for a file of procfs: fails with EXDEV if what path leads to is on
 * another filesystem (CVE-2025-52881: a mount over /proc/sys/... redirects writes). */
int write_proc_file (const char *path, const char *text);
int read_int_file (const char *path, int *value);

/* Splits len bytes of NUL-separated strings (the last NUL optional; buf needs room for one
 * more byte) into a NULL-terminated array of pointers into buf; NULL when out of memory. */
char **split_nul_list (char *buf, size_t len);

/* Reads a file of NUL-separated KEY=VALUE entries into such an array; NULL and errno set on failure. */
char **read_nul_list_file (const char *path);

/* Removes parent/name and everything under it, best effort, never following a symlink. */
void remove_tree_at (int parent, const char *name);

/* Marks every fd from first upwards close-on-exec. */
void mark_fds_cloexec_from (int first);

static inline void
close_fd_ptr (int *fd)
{
  if (*fd >= 0)
    {
      int saved_errno = errno;
      close (*fd);
      errno = saved_errno;
    }
}

#define autoclose_fd __attribute__ ((cleanup (close_fd_ptr)))
