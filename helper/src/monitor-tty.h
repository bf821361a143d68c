/* monitor-tty.h: the terminal of a detached container, held by its supervisor
 * (ryouiki-monitor) for as long as the container runs. The helper sends the master
 * over a console socket (its --console-socket); what the terminal shows goes to an
 * output function (the container log) and to every client of the attach socket
 * (attach.h); their keys (with accept_input) and window sizes go to the terminal. */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "tty.h"

#define MONITOR_TTY_MAX_CLIENTS 8
/* The pollfd slots monitor_tty_polls() fills. */
#define MONITOR_TTY_POLLS (4 + MONITOR_TTY_MAX_CLIENTS)

typedef void (*monitor_tty_output_fn) (const char *data, size_t len, void *context);

struct monitor_tty
{
  int dirfd;          /* the folder of both sockets */
  int console_listen; /* until the master arrives */
  int console_connection;
  int master; /* -1 before it arrives and after its end */
  bool accept_input;
  int attach_listen;
  int clients[MONITOR_TTY_MAX_CLIENTS];
  struct relay_buffer to_master;
  monitor_tty_output_fn output;
  void *context;
};

/* Listens on dir/console and dir/attach (both mode 0600). Dies on failure. */
void monitor_tty_open (struct monitor_tty *tty, const char *dir, bool accept_input, monitor_tty_output_fn output,
                       void *context);

/* The console socket's path for our child, the helper: short whatever dir's length. */
void monitor_tty_console_path (const struct monitor_tty *tty, char *path, size_t size);

/* Fills MONITOR_TTY_POLLS slots (fd -1 where there is nothing to wait for). */
void monitor_tty_polls (const struct monitor_tty *tty, struct pollfd *polls);

/* Acts on what poll() reported in those slots. */
void monitor_tty_handle (struct monitor_tty *tty, const struct pollfd *polls);

/* Once the container has ended: passes on what its terminal still holds, and closes
 * and removes both sockets; the clients stay connected. */
void monitor_tty_finish (struct monitor_tty *tty);

/* Then: sends the exit code to the clients, and closes them. */
void monitor_tty_send_exit (struct monitor_tty *tty, int exit_code);
