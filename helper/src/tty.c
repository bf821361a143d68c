/* tty.c: a pseudo-terminal for the command (--tty), from the container's own devpts
 * instance; the helper relays it to its own stdio, or hands its master out over
 * --console-socket. */
#include "tty.h"
#include "init.h"
#include "utils.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>

/* ---- In the container's init ---- */

#define DEFAULT_ROWS 24
#define DEFAULT_COLUMNS 80

static int pty_master = -1;
static int pty_slave = -1;

bool
tty_host_window_size (struct winsize *size)
{
  return ioctl (STDIN_FILENO, TIOCGWINSZ, size) == 0 || ioctl (STDOUT_FILENO, TIOCGWINSZ, size) == 0;
}

static void
copy_host_window_size (int master)
{
  struct winsize size;

  if (tty_host_window_size (&size))
    (void) ioctl (master, TIOCSWINSZ, &size);
}

void
tty_open_pair (int *master, int *slave)
{
  struct winsize size;
  char name[64];

  /* /dev/ptmx is the container's pts/ptmx: the terminal is /dev/pts/N of its own instance. */
  *master = RETRY_EINTR (open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (*master < 0)
    die_with_errno ("tty: open /dev/ptmx");
  if (unlockpt (*master) < 0)
    die_with_errno ("tty: unlockpt");
  if (ptsname_r (*master, name, sizeof name) != 0)
    die_with_errno ("tty: ptsname");
  *slave = RETRY_EINTR (open (name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (*slave < 0)
    die_with_errno ("tty: open %s", name);
  /* Without a host terminal, the classic 80x24 rather than 0x0, which programs refuse. */
  if (!tty_host_window_size (&size))
    size = (struct winsize) { .ws_row = DEFAULT_ROWS, .ws_col = DEFAULT_COLUMNS };
  if (ioctl (*master, TIOCSWINSZ, &size) < 0)
    die_with_errno ("tty: set its size");
}

void
tty_open_in_container (void)
{
  /* Out of the host terminal's session: what it sends is for the helper to pass on,
   * and the command, our child, can lead a session of its own terminal. */
  if (setsid () < 0)
    die_with_errno ("tty: setsid");
  tty_open_pair (&pty_master, &pty_slave);
}

int
tty_make_controlling (int slave)
{
  if (setsid () < 0)
    return errno;
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return errno;
  for (int fd = 0; fd <= 2; fd++)
    if (dup2 (slave, fd) < 0 || fcntl (fd, F_SETFD, 0) < 0)
      return errno;
  return 0;
}

void
tty_set_size (unsigned short rows, unsigned short columns)
{
  struct winsize size = { .ws_row = rows, .ws_col = columns };

  if (ioctl (pty_master, TIOCSWINSZ, &size) < 0)
    die_with_errno ("tty: set its size to %ux%u", (unsigned) rows, (unsigned) columns);
}

int
tty_attach_command (void)
{
  return tty_make_controlling (pty_slave);
}

/* Sends kind, with the terminal's master if the init still holds it (then the init lets it go). */
static int
send_with_master (int sync_fd, enum sync_kind kind)
{
  int result = sync_send_with_fd (sync_fd, kind, 0, pty_master);

  if (pty_master < 0)
    return result;
  close (pty_master);
  pty_master = -1;
  return result;
}

int
tty_send_ready (int sync_fd)
{
  return send_with_master (sync_fd, SYNC_READY);
}

int
tty_send_exec_ok (int sync_fd)
{
  int result = send_with_master (sync_fd, SYNC_EXEC_OK);

  /* The command holds the terminal now, the helper its master: the init needs neither. */
  if (pty_slave >= 0)
    close (pty_slave);
  pty_slave = -1;
  return result;
}

/* ---- In the helper ---- */

static int console_socket = -1;

int
tty_console_socket_fd (void)
{
  return console_socket;
}

void
tty_connect_console_socket (const struct terminal_options *opts)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };

  if (opts->console_socket == NULL)
    return;
  if (strlen (opts->console_socket) >= sizeof address.sun_path)
    die ("console-socket: %s: path longer than %zu bytes", opts->console_socket, sizeof address.sun_path - 1);
  strcpy (address.sun_path, opts->console_socket);
  console_socket = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (console_socket < 0)
    die_with_errno ("console-socket: socket");
  if (RETRY_EINTR (connect (console_socket, (struct sockaddr *) &address, sizeof address)) < 0)
    die_with_errno ("console-socket: %s", opts->console_socket);
}

/* As runc does, the message that carries the master names the terminal. */
static void
send_master_to_console_socket (int master)
{
  char name[64];
  unsigned int number;

  if (ioctl (master, TIOCGPTN, &number) < 0)
    die_with_errno ("tty: the terminal's number");
  snprintf (name, sizeof name, "/dev/pts/%u", number);
  if (send_with_fd (console_socket, name, strlen (name), master) < 0)
    die_with_errno ("console-socket: send the terminal");
  close (console_socket);
  console_socket = -1;
}

static struct termios host_saved;
static bool host_settings_changed;

void
tty_restore_host (void)
{
  if (!host_settings_changed)
    return;
  (void) RETRY_EINTR (tcsetattr (STDIN_FILENO, TCSADRAIN, &host_saved));
  host_settings_changed = false;
}

bool
tty_read_ended_by_eof (const struct termios *cooked, const char *line, size_t len)
{
  cc_t last;

  if (len == 0)
    return true;
  last = (cc_t) line[len - 1];
  if (last == '\n')
    return false;
  /* A disabled end-of-line character is 0 on Linux: no line ends with it. */
  return !((cooked->c_cc[VEOL] != 0 && last == cooked->c_cc[VEOL])
           || (cooked->c_cc[VEOL2] != 0 && last == cooked->c_cc[VEOL2] && (cooked->c_lflag & IEXTEN)));
}

/* Keys go on arriving in canonical mode until the terminal is raw: a Ctrl-D typed after
 * the lines are taken would still make a mark, a NUL once raw. With VEOF off it is a key
 * like any other, read raw as typed; nothing is echoed, as once raw. Marks already held
 * stay marks. */
static void
stop_new_eof_marks (int fd, const struct termios *cooked)
{
  struct termios holding = *cooked;

  holding.c_cc[VEOF] = _POSIX_VDISABLE;
  holding.c_lflag &= (tcflag_t) ~ECHO;
  if (RETRY_EINTR (tcsetattr (fd, TCSANOW, &holding)) < 0)
    die_with_errno ("tty: hold the keys typed on the host terminal");
}

size_t
tty_take_typed_ahead (int fd, const struct termios *cooked, char *data, size_t size)
{
  size_t len = 0;

  if (!(cooked->c_lflag & ICANON))
    return 0; /* raw already: what it holds reads the same later */
  stop_new_eof_marks (fd, cooked);
  while (len < size)
    {
      /* In canonical mode a terminal is readable only with a whole line or a mark. */
      struct pollfd ready = { .fd = fd, .events = POLLIN };
      ssize_t n;

      if (RETRY_EINTR (poll (&ready, 1, 0)) <= 0 || ready.revents != POLLIN)
        break;
      n = RETRY_EINTR (read (fd, data + len, size - len));
      if (n < 0)
        break;
      if ((size_t) n == size - len)
        {
          len = size; /* a line cut short by a full buffer: nothing to add */
          break;
        }
      if (tty_read_ended_by_eof (cooked, data + len, (size_t) n))
        data[len + (size_t) n++] = (char) cooked->c_cc[VEOF];
      len += (size_t) n;
    }
  return len;
}

/* Keystrokes go to the container as they are typed: Ctrl-C becomes a byte for its
 * terminal, which turns it into SIGINT for the container's foreground job. */
void
tty_enter_host_raw_mode (struct relay_buffer *typed_ahead)
{
  static bool restore_registered;
  struct termios raw;

  if (tcgetattr (STDIN_FILENO, &host_saved) < 0)
    return; /* not a terminal: nothing to change */
  if (!restore_registered)
    {
      atexit (tty_restore_host); /* every exit, die() included */
      restore_registered = true;
    }
  host_settings_changed = true; /* from here on the settings change */
  typed_ahead->end += tty_take_typed_ahead (STDIN_FILENO, &host_saved, typed_ahead->data + typed_ahead->end,
                                            sizeof typed_ahead->data - typed_ahead->end);
  raw = host_saved;
  cfmakeraw (&raw);
  if (RETRY_EINTR (tcsetattr (STDIN_FILENO, TCSADRAIN, &raw)) < 0)
    die_with_errno ("tty: raw mode for the host terminal");
}

void
relay_buffer_consume (struct relay_buffer *buffer, size_t n)
{
  buffer->start += n;
  if (buffer->start >= buffer->end)
    buffer->start = buffer->end = 0;
}

int
write_waiting (int fd, const char *data, size_t len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EAGAIN)
        {
          struct pollfd wait_out = { .fd = fd, .events = POLLOUT };
          (void) RETRY_EINTR (poll (&wait_out, 1, -1));
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      data += n;
      len -= (size_t) n;
    }
  return 0;
}

struct relay
{
  int master;
  bool master_open; /* until the last holder of the terminal closes it */
  bool input_open;  /* stdin, under --interactive, until its end */
  bool output_open; /* stdout, until a write fails */
  struct relay_buffer to_master;
};

/* Copies one chunk of the command's output to stdout; notes when the terminal has no more. */
static void
copy_master_output (struct relay *relay)
{
  char buf[8192];
  ssize_t n = read (relay->master, buf, sizeof buf);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0) /* EIO: nobody holds the terminal any more */
    {
      relay->master_open = false;
      return;
    }
  if (relay->output_open && write_waiting (STDOUT_FILENO, buf, (size_t) n) < 0)
    relay->output_open = false; /* keep reading, so that the command never blocks on it */
}

static void
read_input (struct relay *relay)
{
  struct relay_buffer *buffer = &relay->to_master;
  ssize_t n = read (STDIN_FILENO, buffer->data + buffer->end, sizeof buffer->data - buffer->end);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n > 0)
    {
      buffer->end += (size_t) n;
      return;
    }
  relay->input_open = false;
}

static void
write_input (struct relay *relay)
{
  struct relay_buffer *buffer = &relay->to_master;
  ssize_t n = write (relay->master, buffer->data + buffer->start, buffer->end - buffer->start);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n < 0)
    relay->master_open = false;
  else
    relay_buffer_consume (buffer, (size_t) n);
}

/* Returns true, with its wait status, once target has been reaped. */
static bool
reaped (pid_t target, int *status)
{
  pid_t pid = waitpid_retry (target, status, WNOHANG);

  if (pid < 0)
    die_with_errno ("waitpid");
  return pid == target;
}

/* What the command wrote just before it ended is still in the terminal. */
static void
drain_master (struct relay *relay)
{
  while (relay->master_open)
    {
      struct pollfd readable = { .fd = relay->master, .events = POLLIN };

      if (RETRY_EINTR (poll (&readable, 1, 0)) <= 0)
        return;
      copy_master_output (relay);
    }
}

/* Passes one signal on to the container, and applies a resize. Unlike without a
 * terminal, the command is not in the host terminal's foreground process group: what
 * that terminal sends (Ctrl-C without -i, a SIGWINCH) reaches it only through us. */
static void
handle_signal (struct relay *relay, pid_t target, int sigfd)
{
  struct signalfd_siginfo info;

  if (read_retry (sigfd, &info, sizeof info) != (ssize_t) sizeof info)
    die_with_errno ("signalfd: read");
  if (info.ssi_signo == SIGWINCH)
    copy_host_window_size (relay->master);
  else if (info.ssi_signo != SIGCHLD)
    kill (target, (int) info.ssi_signo);
}

static void
fill_polls (const struct relay *relay, int sigfd, struct pollfd polls[3])
{
  short master_events = 0;

  if (relay->master_open)
    master_events = (short) (POLLIN | (relay_buffer_empty (&relay->to_master) ? 0 : POLLOUT));
  polls[0] = (struct pollfd) { .fd = sigfd, .events = POLLIN };
  polls[1] = (struct pollfd) { .fd = master_events != 0 ? relay->master : -1, .events = master_events };
  /* One chunk of input at a time: a command that does not read it holds the keyboard back. */
  polls[2] = (struct pollfd) {
    .fd = relay->input_open && relay->master_open && relay_buffer_empty (&relay->to_master) ? STDIN_FILENO : -1,
    .events = POLLIN,
  };
}

static int
relay_until_exit (struct relay *relay, pid_t target, int sigfd)
{
  int status;

  /* Checked first: its SIGCHLD may have been read while the container started. */
  while (!reaped (target, &status))
    {
      struct pollfd polls[3];

      fill_polls (relay, sigfd, polls);
      if (RETRY_EINTR (poll (polls, 3, -1)) < 0)
        die_with_errno ("poll");
      /* Signals first: a resize is applied before the keystrokes typed after it. */
      if (polls[0].revents != 0)
        {
          handle_signal (relay, target, sigfd);
          continue;
        }
      if (polls[1].revents & (POLLIN | POLLHUP | POLLERR))
        copy_master_output (relay);
      if (relay->master_open && (polls[1].revents & POLLOUT))
        write_input (relay);
      if (polls[2].revents != 0)
        read_input (relay);
    }
  drain_master (relay);
  return status;
}

void
tty_hand_over (int master)
{
  if (master < 0)
    die ("tty: the container sent no terminal");
  send_master_to_console_socket (master);
  close (master);
}

int
tty_supervise (const struct terminal_options *opts, pid_t target, int sigfd, int master)
{
  struct relay relay = {
    .master = master,
    .master_open = true,
    .input_open = opts->interactive,
    .output_open = true,
  };
  int status;

  if (master < 0)
    die ("tty: the container sent no terminal");
  if (console_socket >= 0)
    {
      send_master_to_console_socket (master);
      close (master);
      return supervise (target, sigfd, false);
    }
  if (fcntl (master, F_SETFL, fcntl (master, F_GETFL) | O_NONBLOCK) < 0)
    die_with_errno ("tty: non-blocking master");
  if (opts->interactive)
    tty_enter_host_raw_mode (&relay.to_master);
  copy_host_window_size (master); /* a resize may have come before we held it */
  status = relay_until_exit (&relay, target, sigfd);
  tty_restore_host ();
  close (master);
  return status;
}
