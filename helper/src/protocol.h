/* protocol.h: what the helper says to others: JSON lines on --info-fd, and the
 * messages between the helper and the container's init on their socketpair. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Each formats one JSON line, "\n" included; returns its length, or -1 if size is too small. */
int info_format_pid (char *buf, size_t size, pid_t pid);
int info_format_exec (char *buf, size_t size);
int info_format_ready (char *buf, size_t size);
int info_format_exit (char *buf, size_t size, int code);
/* {"error": TEXT, "step": STEP, "errno": ERR, "code": CODE}: STEP is TEXT up to its
 * first ": " (left out if there is none), errno is left out when err is 0. */
int info_format_error (char *buf, size_t size, const char *text, int err, int code);
/* {"warning": TEXT}: what the caller should tell, the container starting anyway. */
int info_format_warning (char *buf, size_t size, const char *text);

/* Each writes its line to fd, if fd >= 0. A reader that went away is not an error of ours. */
void info_send_pid (int fd, pid_t pid);
void info_send_exec (int fd);
void info_send_ready (int fd);
void info_send_exit (int fd, int code);
void info_send_error (int fd, const char *text, int err, int code);
void info_send_warning (int fd, const char *text);

enum sync_kind
{
  SYNC_GO = 1,       /* helper -> init: the id maps are written, set up and run the command */
  SYNC_EXEC_OK,      /* init -> helper: the command has been executed */
  SYNC_ERROR,        /* init -> helper: setup failed; err and "step: reason" text */
  SYNC_READY,        /* init -> helper: set up, waiting on the exec gate (with the terminal's master) */
  SYNC_FUSE_OVERLAY, /* init -> helper: mount the fuse overlay (overlay.h); helper -> init: done, err its status */
};

#define SYNC_TEXT_MAX 512

struct sync_message
{
  uint32_t kind;
  int32_t err;
  char text[SYNC_TEXT_MAX];
};

/* Fills message and returns how many of its bytes to send (the text is cut to fit). */
size_t sync_encode (struct sync_message *message, enum sync_kind kind, int err, const char *text);

/* Checks len bytes received from the socket; returns 0, or -1 if they are no message. */
int sync_decode (const void *data, size_t len, struct sync_message *message);

/* The socket must be SOCK_SEQPACKET: one message per packet. */
int sync_send (int fd, enum sync_kind kind, int err, const char *text);

/* sync_send without text, with the fd attached (none when attached < 0). */
int sync_send_with_fd (int sock, enum sync_kind kind, int err, int attached);

/* Returns 1 with a message, 0 at end of file (the peer is gone), -1 on error. */
int sync_receive (int fd, struct sync_message *message);

/* What sync_receive returns for len bytes received into raw (len as recv returned it). */
int sync_received (const struct sync_message *raw, ssize_t len, struct sync_message *message);

/* ---- An fd beside a message (SCM_RIGHTS) ---- */

/* sendmsg() of len bytes with fd attached; returns 0 once all are sent, else -1. */
int send_with_fd (int sock, const void *data, size_t len, int fd);

/* recvmsg() of up to size bytes, and an fd attached to them in *fd (else -1). */
ssize_t receive_with_fd (int sock, void *data, size_t size, int *fd);

/* Like sync_receive(), and stores an fd attached to the message in *fd (else -1). */
int sync_receive_with_fd (int sock, struct sync_message *message, int *fd);
