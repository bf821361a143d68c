/* attach.c: the attach socket of a detached container with a terminal (see attach.h). */
#include "attach.h"
#include "utils.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>

static int
fill_address (struct sockaddr_un *address, int dirfd, const char *name)
{
  *address = (struct sockaddr_un) { .sun_family = AF_UNIX };
  if ((size_t) snprintf (address->sun_path, sizeof address->sun_path, "/proc/self/fd/%d/%s", dirfd, name)
      >= sizeof address->sun_path)
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  return 0;
}

int
unix_listen_in (int dirfd, const char *name, int type)
{
  struct sockaddr_un address;
  autoclose_fd int sock = -1;
  mode_t saved_umask;
  int result;

  if (fill_address (&address, dirfd, name) < 0)
    return -1;
  sock = socket (AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return -1;
  (void) unlinkat (dirfd, name, 0);
  /* Only its owner may connect: the file's mode is what guards it. */
  saved_umask = umask (0177);
  result = bind (sock, (struct sockaddr *) &address, sizeof address);
  umask (saved_umask);
  if (result < 0 || listen (sock, 8) < 0)
    return -1;
  result = sock;
  sock = -1;
  return result;
}

int
unix_connect_path (const char *path, int type)
{
  char dir[PATH_MAX];
  const char *slash = strrchr (path, '/');
  struct sockaddr_un address;
  autoclose_fd int dirfd = -1;
  autoclose_fd int sock = -1;
  int result;

  if (slash == NULL || (size_t) (slash - path) >= sizeof dir)
    {
      errno = EINVAL;
      return -1;
    }
  memcpy (dir, path, (size_t) (slash - path));
  dir[slash - path] = '\0';
  dirfd = open (dir[0] == '\0' ? "/" : dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0 || fill_address (&address, dirfd, slash + 1) < 0)
    return -1;
  sock = socket (AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (sock < 0 || RETRY_EINTR (connect (sock, (struct sockaddr *) &address, sizeof address)) < 0)
    return -1;
  result = sock;
  sock = -1;
  return result;
}

int
attach_send (int sock, char type, const void *data, size_t len)
{
  struct iovec parts[2] = { { .iov_base = &type, .iov_len = 1 }, { .iov_base = (void *) data, .iov_len = len } };
  struct msghdr msg = { .msg_iov = parts, .msg_iovlen = 2 };

  return RETRY_EINTR (sendmsg (sock, &msg, MSG_NOSIGNAL)) == (ssize_t) (len + 1) ? 0 : -1;
}

int
detach_keys_parse (struct detach_keys *keys, const char *text)
{
  *keys = (struct detach_keys) { 0 };
  while (*text != '\0')
    {
      char *end;
      long value = strtol (text, &end, 10);

      if (end == text || value < 0 || value > 255 || keys->n_keys == sizeof keys->keys || (*end != ',' && *end != '\0'))
        return -1;
      keys->keys[keys->n_keys++] = (unsigned char) value;
      if (*end == ',' && end[1] == '\0')
        return -1;
      text = *end == ',' ? end + 1 : end;
    }
  return 0;
}

bool
detach_keys_filter (struct detach_keys *keys, const char *in, size_t n, char *out, size_t *out_len)
{
  *out_len = 0;
  for (size_t i = 0; i < n; i++)
    {
      unsigned char key = (unsigned char) in[i];

      if (keys->n_keys > 0 && key == keys->keys[keys->matched])
        {
          if (++keys->matched == keys->n_keys)
            {
              keys->matched = 0;
              return true;
            }
          continue;
        }
      /* Not the sequence after all: what was held goes to the container, then this key,
       * which may itself begin the sequence again. */
      memcpy (out + *out_len, keys->keys, keys->matched);
      *out_len += keys->matched;
      keys->matched = 0;
      if (keys->n_keys > 0 && key == keys->keys[0])
        keys->matched = 1;
      else
        out[(*out_len)++] = (char) key;
    }
  return false;
}
