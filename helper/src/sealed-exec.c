/* sealed-exec.c: a binary that enters a container runs from a sealed copy of itself. */
#include "sealed-exec.h"
#include "utils.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>

extern char **environ;

bool
seals_make_sealed_copy (int seals)
{
  return seals >= 0 && (seals & SEALED_COPY_SEALS) == SEALED_COPY_SEALS;
}

static int
sealed_copy_of (int source, const char *name)
{
  struct stat st;
  int copy = memfd_create (name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  off_t offset = 0;

  if (copy < 0)
    die_with_errno ("sealed copy: memfd_create");
  if (fstat (source, &st) < 0)
    die_with_errno ("sealed copy: stat /proc/self/exe");
  while (offset < st.st_size)
    {
      ssize_t n = sendfile (copy, source, &offset, (size_t) (st.st_size - offset));

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        die_with_errno ("sealed copy: copy /proc/self/exe");
    }
  if (fcntl (copy, F_ADD_SEALS, SEALED_COPY_SEALS) < 0)
    die_with_errno ("sealed copy: seal it");
  return copy;
}

static __attribute__ ((noreturn)) void
execute_fd (int fd, char **argv)
{
  syscall (SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
  die_with_errno ("sealed copy: execute it");
}

static int
open_own_executable (void)
{
  int self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);

  if (self < 0)
    die_with_errno ("sealed copy: open /proc/self/exe");
  return self;
}

void
run_from_sealed_copy (const char *name, char **argv)
{
  autoclose_fd int self = open_own_executable ();

  if (seals_make_sealed_copy (fcntl (self, F_GET_SEALS)))
    {
      /* Run from the copy: execveat named us after its fd number. */
      prctl (PR_SET_NAME, name, 0, 0, 0);
      return;
    }
  execute_fd (sealed_copy_of (self, name), argv);
}

void
execute_sealed_copy_again (const char *name, char **argv)
{
  int self = open_own_executable ();

  execute_fd (seals_make_sealed_copy (fcntl (self, F_GET_SEALS)) ? self : sealed_copy_of (self, name), argv);
}
