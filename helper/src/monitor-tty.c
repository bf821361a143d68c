/* monitor-tty.c: the terminal of a detached container, held by ryouiki-monitor (see
 * monitor-tty.h). Output to the clients is written whole, waiting for a slow one, as
 * ryouiki tenkai -t waits for its stdout: the container's output is never dropped. */
#include "monitor-tty.h"
#include "attach.h"
#include "utils.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>

#define CONSOLE_NAME "console"
#define ATTACH_NAME "attach"

enum
{
  SLOT_CONSOLE_LISTEN,
  SLOT_CONSOLE_CONNECTION,
  SLOT_MASTER,
  SLOT_ATTACH_LISTEN,
  SLOT_CLIENTS,
};

void
monitor_tty_open (struct monitor_tty *tty, const char *dir, bool accept_input, monitor_tty_output_fn output,
                  void *context)
{
  *tty = (struct monitor_tty) {
    .console_connection = -1,
    .master = -1,
    .accept_input = accept_input,
    .output = output,
    .context = context,
  };
  for (size_t i = 0; i < MONITOR_TTY_MAX_CLIENTS; i++)
    tty->clients[i] = -1;
  tty->dirfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (tty->dirfd < 0)
    die_with_errno ("terminal: %s", dir);
  tty->console_listen = unix_listen_in (tty->dirfd, CONSOLE_NAME, SOCK_STREAM);
  if (tty->console_listen < 0)
    die_with_errno ("terminal: console socket in %s", dir);
  tty->attach_listen = unix_listen_in (tty->dirfd, ATTACH_NAME, SOCK_SEQPACKET);
  if (tty->attach_listen < 0)
    die_with_errno ("terminal: attach socket in %s", dir);
}

void
monitor_tty_console_path (const struct monitor_tty *tty, char *path, size_t size)
{
  snprintf (path, size, "/proc/%d/fd/%d/" CONSOLE_NAME, (int) getpid (), tty->dirfd);
}

void
monitor_tty_polls (const struct monitor_tty *tty, struct pollfd *polls)
{
  bool input_waiting = !relay_buffer_empty (&tty->to_master);

  polls[SLOT_CONSOLE_LISTEN] = (struct pollfd) { .fd = tty->console_listen, .events = POLLIN };
  polls[SLOT_CONSOLE_CONNECTION] = (struct pollfd) { .fd = tty->console_connection, .events = POLLIN };
  polls[SLOT_MASTER]
      = (struct pollfd) { .fd = tty->master, .events = (short) (POLLIN | (input_waiting ? POLLOUT : 0)) };
  polls[SLOT_ATTACH_LISTEN] = (struct pollfd) { .fd = tty->attach_listen, .events = POLLIN };
  /* One chunk of input at a time: a container that does not read holds the keys back. */
  for (size_t i = 0; i < MONITOR_TTY_MAX_CLIENTS; i++)
    polls[SLOT_CLIENTS + i] = (struct pollfd) { .fd = input_waiting ? -1 : tty->clients[i], .events = POLLIN };
}

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

static void
accept_console (struct monitor_tty *tty)
{
  tty->console_connection = accept4 (tty->console_listen, NULL, NULL, SOCK_CLOEXEC);
  if (tty->console_connection < 0)
    return;
  /* The one connection we wait for is the helper's. */
  close_fd (&tty->console_listen);
  (void) unlinkat (tty->dirfd, CONSOLE_NAME, 0);
}

static void
receive_master (struct monitor_tty *tty)
{
  char name[64];
  int fd;

  if (receive_with_fd (tty->console_connection, name, sizeof name, &fd) > 0 && fd >= 0)
    {
      if (fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) | O_NONBLOCK) < 0)
        die_with_errno ("terminal: non-blocking master");
      tty->master = fd;
    }
  close_fd (&tty->console_connection);
}

static void
send_to_clients (struct monitor_tty *tty, char type, const void *data, size_t len)
{
  for (size_t i = 0; i < MONITOR_TTY_MAX_CLIENTS; i++)
    if (tty->clients[i] >= 0 && attach_send (tty->clients[i], type, data, len) < 0)
      close_fd (&tty->clients[i]);
}

/* Returns false once the terminal has nothing more to give (EIO: nobody holds it). */
static bool
copy_output (struct monitor_tty *tty)
{
  char buf[ATTACH_MESSAGE_MAX];
  ssize_t n = read (tty->master, buf, sizeof buf);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return true;
  if (n <= 0)
    {
      close_fd (&tty->master);
      tty->to_master = (struct relay_buffer) { 0 };
      return false;
    }
  tty->output (buf, (size_t) n, tty->context);
  send_to_clients (tty, ATTACH_OUTPUT, buf, (size_t) n);
  return true;
}

static void
write_input (struct monitor_tty *tty)
{
  struct relay_buffer *buffer = &tty->to_master;
  ssize_t n = write (tty->master, buffer->data + buffer->start, buffer->end - buffer->start);

  if (n > 0)
    relay_buffer_consume (buffer, (size_t) n);
  else if (n < 0 && errno != EAGAIN && errno != EINTR)
    *buffer = (struct relay_buffer) { 0 };
}

static void
accept_client (struct monitor_tty *tty)
{
  int fd = accept4 (tty->attach_listen, NULL, NULL, SOCK_CLOEXEC);

  if (fd < 0)
    return;
  for (size_t i = 0; i < MONITOR_TTY_MAX_CLIENTS; i++)
    if (tty->clients[i] < 0)
      {
        tty->clients[i] = fd;
        return;
      }
  close (fd); /* too many: the client sees its end at once */
}

static void
set_window_size (struct monitor_tty *tty, const char *data, size_t len)
{
  uint16_t size[2];
  struct winsize window;

  if (len != sizeof size || tty->master < 0)
    return;
  memcpy (size, data, sizeof size);
  window = (struct winsize) { .ws_row = size[0], .ws_col = size[1] };
  /* The kernel sends SIGWINCH to the terminal's foreground job. */
  (void) ioctl (tty->master, TIOCSWINSZ, &window);
}

static void
queue_input (struct monitor_tty *tty, const char *data, size_t len)
{
  struct relay_buffer *buffer = &tty->to_master;

  if (!tty->accept_input || tty->master < 0)
    return;
  if (len > sizeof buffer->data - buffer->end)
    len = sizeof buffer->data - buffer->end;
  memcpy (buffer->data + buffer->end, data, len);
  buffer->end += len;
}

static void
read_client (struct monitor_tty *tty, int *client)
{
  char message[ATTACH_MESSAGE_MAX + 1];
  ssize_t n = RETRY_EINTR (recv (*client, message, sizeof message, 0));

  if (n <= 0)
    {
      close_fd (client); /* detached, or gone */
      return;
    }
  if (message[0] == ATTACH_INPUT)
    queue_input (tty, message + 1, (size_t) n - 1);
  else if (message[0] == ATTACH_WINDOW)
    set_window_size (tty, message + 1, (size_t) n - 1);
}

void
monitor_tty_handle (struct monitor_tty *tty, const struct pollfd *polls)
{
  if (polls[SLOT_CONSOLE_LISTEN].revents != 0)
    accept_console (tty);
  if (polls[SLOT_CONSOLE_CONNECTION].revents != 0)
    receive_master (tty);
  if (polls[SLOT_MASTER].revents & (POLLIN | POLLHUP | POLLERR))
    copy_output (tty);
  if (tty->master >= 0 && (polls[SLOT_MASTER].revents & POLLOUT))
    write_input (tty);
  if (polls[SLOT_ATTACH_LISTEN].revents != 0)
    accept_client (tty);
  for (size_t i = 0; i < MONITOR_TTY_MAX_CLIENTS; i++)
    if (polls[SLOT_CLIENTS + i].revents != 0)
      read_client (tty, &tty->clients[i]);
}

void
monitor_tty_finish (struct monitor_tty *tty)
{
  /* The container has ended: what its terminal holds is all there will be. */
  while (tty->master >= 0)
    {
      struct pollfd readable = { .fd = tty->master, .events = POLLIN };

      if (RETRY_EINTR (poll (&readable, 1, 0)) <= 0 || !copy_output (tty))
        break;
    }
  close_fd (&tty->master);
  close_fd (&tty->attach_listen);
  close_fd (&tty->console_listen);
  close_fd (&tty->console_connection);
  (void) unlinkat (tty->dirfd, ATTACH_NAME, 0);
  (void) unlinkat (tty->dirfd, CONSOLE_NAME, 0);
  close_fd (&tty->dirfd);
}

void
monitor_tty_send_exit (struct monitor_tty *tty, int exit_code)
{
  int32_t code = exit_code;

  send_to_clients (tty, ATTACH_EXIT, &code, sizeof code);
  for (size_t i = 0; i < MONITOR_TTY_MAX_CLIENTS; i++)
    close_fd (&tty->clients[i]);
}
