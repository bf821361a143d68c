/* tty.h: a pseudo-terminal for the command (--tty), from the container's own devpts
 * instance; the helper relays it to its own stdio, or hands its master out over
 * --console-socket. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <termios.h>

#include "options.h"
#include "protocol.h"

/* ---- In the container's init ---- */

/* Opens a new terminal pair on /dev/ptmx (the container's devpts, after pivot_root),
 * and gives it the size of the host terminal on our stdin or stdout, if either is one. */
void tty_open_in_container (void);

/* --console-size: the terminal's size at the start, instead of the host terminal's. */
void tty_set_size (unsigned short rows, unsigned short columns);

/* In the command's process, before exec: a new session with the terminal as its
 * controlling terminal and as fds 0, 1 and 2. Returns 0, or an errno. */
int tty_attach_command (void);

/* Opens a new terminal pair on /dev/ptmx of the mount namespace and root we are in
 * (both close-on-exec), sized as tty_open_in_container() does. For ryouiki-exec. */
void tty_open_pair (int *master, int *slave);

/* As tty_attach_command(), for any slave. */
int tty_make_controlling (int slave);

/* The host terminal's size: whichever of our stdin and stdout is a terminal. */
bool tty_host_window_size (struct winsize *size);

/* Sends the exec report to the helper, with the terminal's master attached when
 * there is one; then closes the init's copies of the pair. Returns 0, or -1. */
int tty_send_exec_ok (int sync_fd);

/* --exec-gate-fd: tells the helper the container is set up, sending the master now
 * (an OCI engine wants the terminal at create); the exec report then comes without it. */
int tty_send_ready (int sync_fd);

/* ---- In the helper ---- */

/* Connects to the --console-socket early, so that a wrong path fails before the
 * container exists. Does nothing without --console-socket. */
void tty_connect_console_socket (const struct terminal_options *opts);

/* The socket tty_connect_console_socket connected, or -1. */
int tty_console_socket_fd (void);

/* --detach: sends the master to the console socket and closes it; nothing is copied. */
void tty_hand_over (int master);

/* Runs the command's terminal until target exits, and returns target's wait status:
 * sends the master over --console-socket, or relays it to fds 0 and 1 (with the host
 * terminal in raw mode under --interactive, and its size following SIGWINCH). */
int tty_supervise (const struct terminal_options *opts, pid_t target, int sigfd, int master);

/* Puts stdin's terminal in raw mode (nothing if it is none), to be restored at exit.
 * What it held typed ahead is added to typed_ahead first (tty_take_typed_ahead()). */
struct relay_buffer;
void tty_enter_host_raw_mode (struct relay_buffer *typed_ahead);

/* Writes all of it, waiting when fd is non-blocking and full; -1 once fd is unusable. */
int write_waiting (int fd, const char *data, size_t len);

/* Puts the host terminal back as it was, if we changed it; safe to call twice. */
void tty_restore_host (void);

/* ---- Pure helpers, unit-tested ---- */

/* A buffer of bytes on their way from one fd to another. */
struct relay_buffer
{
  char data[4096];
  size_t start;
  size_t end;
};

static inline bool
relay_buffer_empty (const struct relay_buffer *buffer)
{
  return buffer->start == buffer->end;
}

/* Drops the first n bytes (which were written); empties it once all are gone. */
void relay_buffer_consume (struct relay_buffer *buffer, size_t n);

/* Whether a read of len bytes from a terminal in canonical mode (cooked) returned a line
 * that an end-of-file mark ended (a Ctrl-D), rather than an end-of-line character. */
bool tty_read_ended_by_eof (const struct termios *cooked, const char *line, size_t len);

/* Reads what the terminal on fd holds in canonical mode (cooked: its settings) before it
 * goes raw: whole lines, and end-of-file marks, a Ctrl-D typed or the one script(1) writes
 * at the end of its stdin. Once raw, the line discipline would hand each mark over as a
 * NUL byte, a key nobody typed; here each comes back as the terminal's VEOF key instead.
 * First it turns VEOF and echo off, so that no mark is made until the caller makes the
 * terminal raw: keys typed meanwhile are read raw, a Ctrl-D as Ctrl-D.
 * Returns the bytes stored in data (at most size); 0 for a terminal not in canonical mode. */
size_t tty_take_typed_ahead (int fd, const struct termios *cooked, char *data, size_t size);
