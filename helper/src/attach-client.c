/* attach-client.c: `ryouiki-exec --attach SOCKET`, the client of a detached container's
 * attach socket (attach.h) for `ryouiki attach`. It shows the container's terminal on
 * stdout; with --stdin it puts stdin's terminal in raw mode and sends the keys, except
 * the detach sequence, which ends it (exit 0, after a {"detached":true} line on the
 * info fd); it sends the window size at once and on SIGWINCH. When the container ends
 * it exits with the container's exit code. */
#include "attach-client.h"
#include "attach.h"
#include "protocol.h"
#include "tty.h"
#include "utils.h"

#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

/* Small enough for the supervisor's input buffer. */
#define INPUT_CHUNK 1024

struct attach_options
{
  const char *socket_path;
  bool send_input;
  struct detach_keys detach;
  int info_fd;
};

static int info_fd = -1;

static __attribute__ ((noreturn)) void
attach_die (int err, const char *message)
{
  tty_restore_host ();
  if (info_fd >= 0)
    info_send_error (info_fd, message, err, EXIT_RUNTIME);
  else
    fprintf (stderr, "ryouiki-exec: %s\n", message);
  exit (EXIT_RUNTIME);
}

static void
parse_attach_options (struct attach_options *opts, int argc, char **argv)
{
  static const struct option long_options[] = {
    { "attach", required_argument, NULL, 'a' },
    { "stdin", no_argument, NULL, 'i' },
    { "detach-keys", required_argument, NULL, 'd' },
    { "info-fd", required_argument, NULL, 'f' },
    { NULL, 0, NULL, 0 },
  };
  int option;

  *opts = (struct attach_options) { .info_fd = -1 };
  detach_keys_parse (&opts->detach, "16,17"); /* ctrl-p,ctrl-q, as podman */
  while ((option = getopt_long (argc, argv, "+", long_options, NULL)) != -1)
    switch (option)
      {
      case 'a':
        opts->socket_path = optarg;
        break;
      case 'i':
        opts->send_input = true;
        break;
      case 'd':
        if (detach_keys_parse (&opts->detach, optarg) < 0)
          die ("--detach-keys: not up to 16 byte values separated by commas: %s", optarg);
        break;
      case 'f':
        if (parse_fd_number (optarg, &opts->info_fd) < 0 || opts->info_fd < 3)
          die ("--info-fd: not an fd of 3 or more: %s", optarg);
        break;
      default:
        die ("unknown option: see the Ryouiki helper README");
      }
  if (opts->socket_path == NULL)
    die ("--attach SOCKET is required");
}

static void
send_window_size (int sock)
{
  struct winsize window;
  uint16_t size[2];

  if (!tty_host_window_size (&window))
    return;
  size[0] = window.ws_row;
  size[1] = window.ws_col;
  (void) attach_send (sock, ATTACH_WINDOW, size, sizeof size);
}

static int
open_signal_fd (void)
{
  sigset_t set;
  int fd;

  sigemptyset (&set);
  sigaddset (&set, SIGWINCH);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGHUP);
  if (sigprocmask (SIG_BLOCK, &set, NULL) < 0)
    die_with_errno ("sigprocmask");
  fd = signalfd (-1, &set, SFD_CLOEXEC);
  if (fd < 0)
    die_with_errno ("signalfd");
  signal (SIGPIPE, SIG_IGN);
  return fd;
}

static __attribute__ ((noreturn)) void
detach (const struct attach_options *opts)
{
  static const char line[] = "{\"detached\":true}\n";

  tty_restore_host ();
  if (opts->info_fd >= 0)
    (void) write_all (opts->info_fd, line, sizeof line - 1);
  exit (0);
}

/* Returns the container's exit code once the supervisor sends it. */
static bool
show_output (int sock, int *exit_code)
{
  char message[ATTACH_MESSAGE_MAX + 1];
  ssize_t n = RETRY_EINTR (recv (sock, message, sizeof message, 0));
  int32_t code;

  if (n <= 0)
    die ("attach: the container's supervisor ended without its exit code (see ryouiki ps -a)");
  if (message[0] == ATTACH_OUTPUT)
    {
      (void) write_waiting (STDOUT_FILENO, message + 1, (size_t) n - 1);
      return false;
    }
  if (message[0] == ATTACH_EXIT && (size_t) n == 1 + sizeof code)
    {
      memcpy (&code, message + 1, sizeof code);
      *exit_code = code;
      return true;
    }
  return false;
}

/* Sends up to INPUT_CHUNK keys, except a detach sequence, which ends this process. */
static void
send_keys (struct attach_options *opts, int sock, const char *keys, size_t len)
{
  char out[INPUT_CHUNK + sizeof opts->detach.keys];
  size_t out_len;

  if (detach_keys_filter (&opts->detach, keys, len, out, &out_len))
    {
      if (out_len > 0)
        (void) attach_send (sock, ATTACH_INPUT, out, out_len);
      detach (opts);
    }
  if (out_len > 0 && attach_send (sock, ATTACH_INPUT, out, out_len) < 0)
    die_with_errno ("attach: send the keys");
}

/* Returns false at the end of stdin: it is not passed on, the container's terminal stays open. */
static bool
send_input (struct attach_options *opts, int sock)
{
  char keys[INPUT_CHUNK];
  ssize_t n = read (STDIN_FILENO, keys, sizeof keys);

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    return false;
  send_keys (opts, sock, keys, (size_t) n);
  return true;
}

/* Raw mode for stdin's terminal; the keys it held typed ahead are sent at once. */
static void
enter_raw_mode (struct attach_options *opts, int sock)
{
  struct relay_buffer typed_ahead = { .start = 0, .end = 0 };

  tty_enter_host_raw_mode (&typed_ahead);
  for (size_t sent = 0; sent < typed_ahead.end; sent += INPUT_CHUNK)
    send_keys (opts, sock, typed_ahead.data + sent,
               typed_ahead.end - sent < INPUT_CHUNK ? typed_ahead.end - sent : INPUT_CHUNK);
}

static void
handle_signal (const struct attach_options *opts, int sigfd, int sock)
{
  struct signalfd_siginfo info;

  if (read_retry (sigfd, &info, sizeof info) != (ssize_t) sizeof info)
    die_with_errno ("signalfd: read");
  if (info.ssi_signo == SIGWINCH)
    send_window_size (sock);
  else
    detach (opts); /* Ctrl-C where the keys are not ours, a kill, a hangup: the container runs on */
}

int
attach_main (int argc, char **argv)
{
  struct attach_options opts;
  autoclose_fd int sock = -1;
  autoclose_fd int sigfd = -1;
  bool input_open;
  int exit_code = 0;

  set_die_handler (attach_die);
  parse_attach_options (&opts, argc, argv);
  info_fd = opts.info_fd;
  mark_fds_cloexec_from (3);
  sigfd = open_signal_fd ();
  sock = unix_connect_path (opts.socket_path, SOCK_SEQPACKET);
  if (sock < 0)
    die_with_errno ("attach: %s", opts.socket_path);
  input_open = opts.send_input;
  if (input_open)
    enter_raw_mode (&opts, sock);
  send_window_size (sock);
  for (;;)
    {
      struct pollfd polls[3] = {
        { .fd = sigfd, .events = POLLIN },
        { .fd = sock, .events = POLLIN },
        { .fd = input_open ? STDIN_FILENO : -1, .events = POLLIN },
      };

      if (RETRY_EINTR (poll (polls, N_ELEMENTS (polls), -1)) < 0)
        die_with_errno ("poll");
      if (polls[0].revents != 0)
        handle_signal (&opts, sigfd, sock);
      if (polls[1].revents != 0 && show_output (sock, &exit_code))
        break;
      if (polls[2].revents != 0)
        input_open = send_input (&opts, sock);
    }
  tty_restore_host ();
  return exit_code;
}
