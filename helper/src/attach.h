/* attach.h: the attach socket of a detached container with a terminal. ryouiki-monitor
 * serves it in the container's runtime folder; `ryouiki attach` (ryouiki-exec --attach)
 * connects to it. A SOCK_SEQPACKET socket: each message is one type byte, then data. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* client to monitor: keys for the container's terminal (dropped unless it was started with -i) */
#define ATTACH_INPUT 'i'
/* client to monitor: the window size, two uint16_t: rows, columns */
#define ATTACH_WINDOW 'w'
/* monitor to client: what the container's terminal shows */
#define ATTACH_OUTPUT 'o'
/* monitor to client: the container's exit code, an int32_t; the last message */
#define ATTACH_EXIT 'x'

#define ATTACH_MESSAGE_MAX 8192

/* Binds a listening unix socket of mode 0600 at dir/name, through /proc/self/fd so
 * that a path longer than sun_path still works. Returns the fd, or -1 with errno. */
int unix_listen_in (int dirfd, const char *name, int type);

/* Connects a socket of type to the unix socket at path (any length). Returns the fd, or -1. */
int unix_connect_path (const char *path, int type);

/* Sends one message: type, then len bytes of data. Returns 0, or -1. */
int attach_send (int sock, char type, const void *data, size_t len);

/* ---- Pure helpers, unit-tested ---- */

/* The detach key sequence (podman's ctrl-p,ctrl-q), matched across reads. */
struct detach_keys
{
  unsigned char keys[16];
  size_t n_keys;  /* 0: detaching by keys is off */
  size_t matched; /* how many of them were typed last */
};

/* Parses "16,17" (the bytes, as numbers) into keys; "" turns detaching off. Returns 0, or -1. */
int detach_keys_parse (struct detach_keys *keys, const char *text);

/* Passes n typed bytes through the matcher: out gets those for the container (room for
 * n + keys->n_keys bytes), *out_len their number. Returns true once the whole sequence
 * was typed; the bytes after it are dropped. A partial sequence is held until the next
 * key shows whether it is one. */
bool detach_keys_filter (struct detach_keys *keys, const char *in, size_t n, char *out, size_t *out_len);
