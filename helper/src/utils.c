/* utils.c: error reporting, EINTR-safe I/O and fd cleanup helpers. */
#include "utils.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static __attribute__ ((noreturn)) void
print_and_exit (int err, const char *message)
{
  (void) err;
  fprintf (stderr, PROGRAM_NAME ": %s\n", message);
  exit (EXIT_RUNTIME);
}

static die_handler_fn die_handler = print_and_exit;

void
set_die_handler (die_handler_fn handler)
{
  die_handler = handler != NULL ? handler : print_and_exit;
}

static __attribute__ ((noreturn)) void
fail (int err, const char *message)
{
  die_handler (err, message);
  print_and_exit (err, message);
}

static __attribute__ ((format (printf, 4, 0))) void
format_message (char *message, size_t size, int err, const char *format, va_list args)
{
  size_t length;

  vsnprintf (message, size, format, args);
  if (err == 0)
    return;
  length = strlen (message);
  snprintf (message + length, size - length, ": %s", strerror (err));
}

void
die_with_errno (const char *format, ...)
{
  int err = errno;
  char message[1024];
  va_list args;

  va_start (args, format);
  format_message (message, sizeof message, err, format, args);
  va_end (args);
  fail (err, message);
}

void
die_with_err (int err, const char *format, ...)
{
  char message[1024];
  va_list args;

  va_start (args, format);
  format_message (message, sizeof message, 0, format, args);
  va_end (args);
  fail (err, message);
}

ssize_t
read_retry (int fd, void *buf, size_t size)
{
  return RETRY_EINTR (read (fd, buf, size));
}

int
write_all (int fd, const void *buf, size_t size)
{
  const char *p = buf;

  while (size > 0)
    {
      ssize_t written = RETRY_EINTR (write (fd, p, size));
      if (written < 0)
        return -1;
      p += written;
      size -= (size_t) written;
    }
  return 0;
}

int
memfd_with_bytes (const char *name, const void *bytes, size_t size, unsigned flags)
{
  int fd = memfd_create (name, flags);

  if (fd < 0)
    return -1;
  if (write_all (fd, bytes, size) < 0 || lseek (fd, 0, SEEK_SET) < 0)
    {
      int err = errno;

      close (fd);
      errno = err;
      return -1;
    }
  return fd;
}

pid_t
waitpid_retry (pid_t pid, int *status, int options)
{
  return RETRY_EINTR (waitpid (pid, status, options));
}

int
write_file (const char *path, const char *text)
{
  autoclose_fd int fd = RETRY_EINTR (open (path, O_WRONLY | O_CLOEXEC | O_NOCTTY));

  if (fd < 0)
    return -1;
  return write_all (fd, text, strlen (text));
}

int
write_proc_file (const char *path, const char *text)
{
  autoclose_fd int fd = RETRY_EINTR (open (path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW));
  struct statfs fs;

  if (fd < 0 || fstatfs (fd, &fs) < 0)
    return -1;
  if (fs.f_type != PROC_SUPER_MAGIC)
    {
      errno = EXDEV;
      return -1;
    }
  return write_all (fd, text, strlen (text));
}

int
read_int_file (const char *path, int *value)
{
  autoclose_fd int fd = RETRY_EINTR (open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY));
  char buf[64];
  char *end;
  ssize_t n;
  long number;

  if (fd < 0)
    return -1;
  n = read_retry (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  errno = 0;
  number = strtol (buf, &end, 10);
  if (errno != 0 || end == buf || number < INT_MIN || number > INT_MAX)
    return -1;
  *value = (int) number;
  return 0;
}

static void
mark_fds_cloexec_slowly (int first)
{
  DIR *dir = opendir ("/proc/self/fd");
  struct dirent *entry;

  if (dir == NULL)
    die_with_errno ("fds: open /proc/self/fd");
  while ((entry = readdir (dir)) != NULL)
    {
      int fd = atoi (entry->d_name);
      if (fd >= first && fd != dirfd (dir))
        fcntl (fd, F_SETFD, FD_CLOEXEC);
    }
  closedir (dir);
}

void
mark_fds_cloexec_from (int first)
{
#ifdef SYS_close_range
  if (syscall (SYS_close_range, (unsigned) first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return;
#endif
  mark_fds_cloexec_slowly (first);
}

char **
split_nul_list (char *buf, size_t len)
{
  size_t count = 0;
  char **list;

  if (len > 0 && buf[len - 1] != '\0')
    buf[len++] = '\0';
  for (size_t i = 0; i < len; i++)
    if (buf[i] == '\0')
      count++;
  list = calloc (count + 1, sizeof *list);
  if (list == NULL)
    return NULL;
  count = 0;
  for (size_t start = 0; start < len; start += strlen (buf + start) + 1)
    list[count++] = buf + start;
  return list;
}

char **
read_nul_list_file (const char *path)
{
  autoclose_fd int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  char *buf;
  ssize_t n;

  if (fd < 0 || fstat (fd, &st) < 0)
    return NULL;
  buf = malloc ((size_t) st.st_size + 1);
  if (buf == NULL)
    return NULL;
  n = read_retry (fd, buf, (size_t) st.st_size);
  if (n < 0)
    {
      free (buf);
      return NULL;
    }
  return split_nul_list (buf, (size_t) n);
}

void
remove_tree_at (int parent, const char *name)
{
  int fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *dir;
  struct dirent *entry;

  if (fd < 0)
    {
      unlinkat (parent, name, 0);
      return;
    }
  fchmod (fd, 0700);
  dir = fdopendir (fd);
  if (dir == NULL)
    {
      close (fd);
      return;
    }
  while ((entry = readdir (dir)) != NULL)
    {
      if (strcmp (entry->d_name, ".") == 0 || strcmp (entry->d_name, "..") == 0)
        continue;
      if (entry->d_type == DT_DIR)
        remove_tree_at (dirfd (dir), entry->d_name);
      else
        unlinkat (dirfd (dir), entry->d_name, 0);
    }
  closedir (dir);
  unlinkat (parent, name, AT_REMOVEDIR);
}
