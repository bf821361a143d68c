/* init-exec.c: the container's init executes its own image again inside the container's
 * user namespace (see init-exec.h). */
#include "init-exec.h"
#include "sealed-exec.h"
#include "seccomp-filter.h"
#include "security.h"
#include "utils.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char **remembered_args;

void
init_exec_remember_args (int argc, char **argv)
{
  remembered_args = calloc ((size_t) argc + 1, sizeof *remembered_args);
  if (remembered_args == NULL)
    die ("out of memory");
  for (int i = 0; i < argc; i++)
    if ((remembered_args[i] = strdup (argv[i])) == NULL)
      die ("out of memory");
}

void
init_exec_forget_args (void)
{
  for (size_t i = 0; remembered_args != NULL && remembered_args[i] != NULL; i++)
    free (remembered_args[i]);
  free (remembered_args);
  remembered_args = NULL;
}

char *
init_carry_format (const struct init_carry *carry, const struct bind_file *files, size_t n_files)
{
  char *text;
  size_t size;
  FILE *out = open_memstream (&text, &size);

  if (out == NULL)
    return NULL;
  fprintf (out, "%d:%d:%" PRIx64 ":%d:%d:", carry->sync_fd, carry->host_pid, carry->blocked,
           carry->sigpipe_ignored ? 1 : 0, carry->seccomp_fd);
  for (size_t i = 0; i < n_files; i++)
    fprintf (out, "%s%d", i > 0 ? "," : "", files[i].fd);
  if (fclose (out) != 0)
    return NULL;
  return text;
}

/* A decimal int (-1 allowed) followed by stop; returns the text after stop (at the end
 * when stop is the end), or NULL. */
static const char *
take_int (const char *text, char stop, int *value)
{
  char *end;
  long number;

  if (!isdigit ((unsigned char) text[text[0] == '-']))
    return NULL;
  errno = 0;
  number = strtol (text, &end, 10);
  if (errno != 0 || number < -1 || number > INT32_MAX || *end != stop)
    return NULL;
  *value = (int) number;
  return stop == '\0' ? end : end + 1;
}

int
init_carry_parse (const char *text, struct init_carry *carry)
{
  int sigpipe;
  char *end;

  if ((text = take_int (text, ':', &carry->sync_fd)) == NULL || (text = take_int (text, ':', &carry->host_pid)) == NULL
      || !isxdigit ((unsigned char) text[0]))
    return -1;
  errno = 0;
  carry->blocked = strtoull (text, &end, 16);
  if (errno != 0 || *end != ':')
    return -1;
  text = end + 1;
  if ((text = take_int (text, ':', &sigpipe)) == NULL || (sigpipe != 0 && sigpipe != 1)
      || (text = take_int (text, ':', &carry->seccomp_fd)) == NULL || carry->sync_fd < 0)
    return -1;
  carry->sigpipe_ignored = sigpipe == 1;
  carry->bind_fds = text;
  return 0;
}

int
init_carry_bind_fds (const struct init_carry *carry, struct bind_file *files, size_t n_files)
{
  const char *at = carry->bind_fds;

  if (n_files == 0)
    return at[0] == '\0' ? 0 : -1;
  for (size_t i = 0; i < n_files; i++)
    if ((at = take_int (at, i + 1 < n_files ? ',' : '\0', &files[i].fd)) == NULL || files[i].fd < 0)
      return -1;
  return 0;
}

static void
keep_across_exec (int fd)
{
  if (fd >= 0 && fcntl (fd, F_SETFD, 0) < 0)
    die_with_errno ("init: keep fd %d across exec", fd);
}

/* A memfd holding the filter compiled before clone; -1 when there is none. */
static int
program_memfd (const struct seccomp_program *program)
{
  int fd;

  if (program->instructions == NULL)
    return -1;
  fd = memfd_with_bytes ("seccomp-program", program->instructions, program->length * sizeof (struct sock_filter), 0);
  if (fd < 0)
    die_with_errno ("init: carry the seccomp filter");
  return fd;
}

static uint64_t
blocked_signals (const sigset_t *mask)
{
  uint64_t bits = 0;

  for (int sig = 1; sig <= 64; sig++)
    if (sigismember (mask, sig) == 1)
      bits |= UINT64_C (1) << (sig - 1);
  return bits;
}

void
init_exec_in_container (const struct options *opts, const char *rootfs, int sync_fd, const struct saved_signals *saved,
                        int host_pid)
{
  struct init_carry carry = {
    .sync_fd = sync_fd,
    .host_pid = host_pid,
    .blocked = blocked_signals (&saved->mask),
    .sigpipe_ignored = saved->sigpipe.sa_handler == SIG_IGN,
    .seccomp_fd = program_memfd (&opts->security.seccomp),
  };
  size_t n_args = 0;
  char *text;
  char **argv;

  keep_across_exec (sync_fd);
  keep_across_exec (opts->exec_gate_fd);
  for (size_t i = 0; i < opts->n_bind_files; i++)
    keep_across_exec (opts->bind_files[i].fd);
  text = init_carry_format (&carry, opts->bind_files, opts->n_bind_files);
  while (remembered_args[n_args] != NULL)
    n_args++;
  argv = calloc (n_args + 4, sizeof *argv);
  if (text == NULL || argv == NULL)
    die ("init: out of memory");
  argv[0] = remembered_args[0];
  argv[1] = (char *) CONTAINER_INIT_FLAG;
  argv[2] = text;
  argv[3] = (char *) rootfs;
  memcpy (argv + 4, remembered_args + 1, (n_args - 1) * sizeof *argv);
  capabilities_keep_across_exec ();
  execute_sealed_copy_again (PROGRAM_NAME, argv);
}

void
init_exec_take_carry (const struct init_carry *carry, struct options *opts, struct saved_signals *saved)
{
  capabilities_end_keeping_across_exec ();
  if (init_carry_bind_fds (carry, opts->bind_files, opts->n_bind_files) < 0)
    die_with_err (EINVAL, "init: the bind files carried across exec do not match the options");
  opts->security.seccomp = (struct seccomp_program) { NULL, 0 };
  if (carry->seccomp_fd >= 0)
    {
      seccomp_read_program (carry->seccomp_fd, "the filter carried across exec", &opts->security.seccomp);
      close (carry->seccomp_fd);
    }
  sigemptyset (&saved->mask);
  for (int sig = 1; sig <= 64; sig++)
    if (carry->blocked & (UINT64_C (1) << (sig - 1)))
      sigaddset (&saved->mask, sig);
  saved->sigpipe = (struct sigaction) { .sa_handler = carry->sigpipe_ignored ? SIG_IGN : SIG_DFL };
}
