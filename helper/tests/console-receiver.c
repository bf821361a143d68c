/* console-receiver: the other end of --console-socket, for the tests. Listens on the
 * unix socket PATH, takes one connection, receives the terminal's master (SCM_RIGHTS)
 * and the name sent with it, prints "name=NAME", writes INPUT (if given) to the
 * terminal, then copies what the terminal says to stdout until nobody holds it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int
fail (const char *what)
{
  fprintf (stderr, "console-receiver: %s: %s\n", what, strerror (errno));
  return 1;
}

static int
listen_on (const char *path)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  int sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (sock < 0 || strlen (path) >= sizeof address.sun_path)
    return -1;
  strcpy (address.sun_path, path);
  if (bind (sock, (struct sockaddr *) &address, sizeof address) < 0 || listen (sock, 1) < 0)
    return -1;
  return sock;
}

/* Returns the fd received, with its name in name, or -1. */
static int
receive_terminal (int connection, char *name, size_t name_size)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = name, .iov_len = name_size - 1 };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
  struct cmsghdr *cmsg;
  ssize_t len = recvmsg (connection, &msg, MSG_CMSG_CLOEXEC);
  int fd;

  if (len < 0)
    return -1;
  name[len] = '\0';
  cmsg = CMSG_FIRSTHDR (&msg);
  if (cmsg == NULL || cmsg->cmsg_type != SCM_RIGHTS)
    {
      errno = EBADMSG;
      return -1;
    }
  memcpy (&fd, CMSG_DATA (cmsg), sizeof fd);
  return fd;
}

int
main (int argc, char **argv)
{
  char name[256];
  char buf[4096];
  int sock, connection, terminal;
  ssize_t n;

  if (argc < 2 || argc > 3)
    {
      fprintf (stderr, "usage: console-receiver PATH [INPUT]\n");
      return 2;
    }
  sock = listen_on (argv[1]);
  if (sock < 0)
    return fail ("listen");
  printf ("listening\n");
  fflush (stdout);
  connection = accept (sock, NULL, NULL);
  if (connection < 0)
    return fail ("accept");
  terminal = receive_terminal (connection, name, sizeof name);
  if (terminal < 0)
    return fail ("receive");
  printf ("name=%s\n", name);
  fflush (stdout);
  if (argc == 3 && write (terminal, argv[2], strlen (argv[2])) < 0)
    return fail ("write");
  while ((n = read (terminal, buf, sizeof buf)) > 0)
    if (write (STDOUT_FILENO, buf, (size_t) n) != n)
      return fail ("write");
  unlink (argv[1]);
  return 0;
}
