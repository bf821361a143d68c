/* protocol.c: JSON lines on --info-fd, and messages between the helper and the init. */
#include "protocol.h"
#include "utils.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

static int
checked_length (int length, size_t size)
{
  return length < 0 || (size_t) length >= size ? -1 : length;
}

int
info_format_pid (char *buf, size_t size, pid_t pid)
{
  return checked_length (snprintf (buf, size, "{\"pid\": %d}\n", (int) pid), size);
}

int
info_format_exec (char *buf, size_t size)
{
  return checked_length (snprintf (buf, size, "{\"exec\": true}\n"), size);
}

int
info_format_ready (char *buf, size_t size)
{
  return checked_length (snprintf (buf, size, "{\"ready\": true}\n"), size);
}

int
info_format_exit (char *buf, size_t size, int code)
{
  return checked_length (snprintf (buf, size, "{\"exit\": %d}\n", code), size);
}

/* A line built piece by piece into a fixed buffer; too long a line is refused whole. */
struct line_builder
{
  char *buf;
  size_t size;
  size_t used;
  bool overflow;
};

static void
append_raw (struct line_builder *line, const char *text, size_t length)
{
  if (line->overflow || line->used + length >= line->size)
    {
      line->overflow = true;
      return;
    }
  memcpy (line->buf + line->used, text, length);
  line->used += length;
  line->buf[line->used] = '\0';
}

static void
append_json_string (struct line_builder *line, const char *text, size_t length)
{
  append_raw (line, "\"", 1);
  for (size_t i = 0; i < length; i++)
    {
      unsigned char c = (unsigned char) text[i];
      char escaped[8];

      if (c == '"' || c == '\\')
        snprintf (escaped, sizeof escaped, "\\%c", c);
      else if (c < 0x20)
        snprintf (escaped, sizeof escaped, "\\u%04x", c);
      else
        snprintf (escaped, sizeof escaped, "%c", c);
      append_raw (line, escaped, strlen (escaped));
    }
  append_raw (line, "\"", 1);
}

int
info_format_error (char *buf, size_t size, const char *text, int err, int code)
{
  struct line_builder line = { .buf = buf, .size = size };
  const char *step_end = strstr (text, ": ");
  char number[64];

  append_raw (&line, "{\"error\": ", 10);
  append_json_string (&line, text, strlen (text));
  if (step_end != NULL)
    {
      append_raw (&line, ", \"step\": ", 10);
      append_json_string (&line, text, (size_t) (step_end - text));
    }
  if (err != 0)
    {
      snprintf (number, sizeof number, ", \"errno\": %d", err);
      append_raw (&line, number, strlen (number));
    }
  snprintf (number, sizeof number, ", \"code\": %d}\n", code);
  append_raw (&line, number, strlen (number));
  return line.overflow ? -1 : (int) line.used;
}

int
info_format_warning (char *buf, size_t size, const char *text)
{
  struct line_builder line = { .buf = buf, .size = size };

  append_raw (&line, "{\"warning\": ", 12);
  append_json_string (&line, text, strlen (text));
  append_raw (&line, "}\n", 2);
  return line.overflow ? -1 : (int) line.used;
}

static void
info_send (int fd, const char *line, int length)
{
  /* One write() each, so that a reader never sees half a line. */
  if (fd >= 0 && length > 0)
    (void) write_all (fd, line, (size_t) length);
}

void
info_send_pid (int fd, pid_t pid)
{
  char line[64];

  info_send (fd, line, info_format_pid (line, sizeof line, pid));
}

void
info_send_exec (int fd)
{
  char line[64];

  info_send (fd, line, info_format_exec (line, sizeof line));
}

void
info_send_ready (int fd)
{
  char line[64];

  info_send (fd, line, info_format_ready (line, sizeof line));
}

void
info_send_exit (int fd, int code)
{
  char line[64];

  info_send (fd, line, info_format_exit (line, sizeof line, code));
}

void
info_send_error (int fd, const char *text, int err, int code)
{
  char line[8 * SYNC_TEXT_MAX];

  info_send (fd, line, info_format_error (line, sizeof line, text, err, code));
}

void
info_send_warning (int fd, const char *text)
{
  char line[8 * SYNC_TEXT_MAX];

  info_send (fd, line, info_format_warning (line, sizeof line, text));
}

size_t
sync_encode (struct sync_message *message, enum sync_kind kind, int err, const char *text)
{
  memset (message, 0, sizeof *message);
  message->kind = kind;
  message->err = err;
  snprintf (message->text, sizeof message->text, "%s", text);
  return offsetof (struct sync_message, text) + strlen (message->text) + 1;
}

int
sync_decode (const void *data, size_t len, struct sync_message *message)
{
  if (len <= offsetof (struct sync_message, text) || len > sizeof *message)
    return -1;
  memset (message, 0, sizeof *message);
  memcpy (message, data, len);
  message->text[SYNC_TEXT_MAX - 1] = '\0';
  if (message->kind < SYNC_GO || message->kind > SYNC_FUSE_OVERLAY)
    return -1;
  return 0;
}

int
sync_send_with_fd (int sock, enum sync_kind kind, int err, int attached)
{
  struct sync_message message;
  size_t len;

  if (attached < 0)
    return sync_send (sock, kind, err, "");
  len = sync_encode (&message, kind, err, "");
  return send_with_fd (sock, &message, len, attached);
}

int
sync_send (int fd, enum sync_kind kind, int err, const char *text)
{
  struct sync_message message;
  size_t len = sync_encode (&message, kind, err, text);

  return RETRY_EINTR (send (fd, &message, len, MSG_NOSIGNAL)) == (ssize_t) len ? 0 : -1;
}

int
sync_received (const struct sync_message *raw, ssize_t len, struct sync_message *message)
{
  /* ECONNRESET: the peer died without reading what we had sent, which is also an end. */
  if (len == 0 || (len < 0 && errno == ECONNRESET))
    return 0;
  if (len < 0)
    return -1;
  if (sync_decode (raw, (size_t) len, message) < 0)
    {
      errno = EPROTO;
      return -1;
    }
  return 1;
}

int
sync_receive (int fd, struct sync_message *message)
{
  struct sync_message raw;
  ssize_t len = RETRY_EINTR (recv (fd, &raw, sizeof raw, 0));

  return sync_received (&raw, len, message);
}

/* ---- An fd beside a message (SCM_RIGHTS) ---- */

/* One message of data with room for one fd (SCM_RIGHTS) beside it. */
struct fd_message
{
  struct iovec iov;
  struct msghdr msg;
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
};

static void
fd_message_init (struct fd_message *message, void *data, size_t len)
{
  memset (message, 0, sizeof *message);
  message->iov = (struct iovec) { .iov_base = data, .iov_len = len };
  message->msg = (struct msghdr) {
    .msg_iov = &message->iov,
    .msg_iovlen = 1,
    .msg_control = message->control.buf,
    .msg_controllen = sizeof message->control.buf,
  };
}

int
send_with_fd (int sock, const void *data, size_t len, int fd)
{
  struct fd_message message;
  struct msghdr *msg = &message.msg;
  struct cmsghdr *cmsg;

  fd_message_init (&message, (void *) data, len);
  cmsg = CMSG_FIRSTHDR (msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cmsg), &fd, sizeof fd);
  return RETRY_EINTR (sendmsg (sock, msg, MSG_NOSIGNAL)) == (ssize_t) len ? 0 : -1;
}

ssize_t
receive_with_fd (int sock, void *data, size_t size, int *fd)
{
  struct fd_message received;
  struct cmsghdr *cmsg;
  ssize_t len;

  *fd = -1;
  fd_message_init (&received, data, size);
  len = RETRY_EINTR (recvmsg (sock, &received.msg, MSG_CMSG_CLOEXEC));
  if (len < 0)
    return -1;
  cmsg = CMSG_FIRSTHDR (&received.msg);
  if (cmsg != NULL && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
    memcpy (fd, CMSG_DATA (cmsg), sizeof *fd);
  return len;
}

int
sync_receive_with_fd (int sock, struct sync_message *message, int *fd)
{
  struct sync_message raw;
  ssize_t len = receive_with_fd (sock, &raw, sizeof raw, fd);

  return sync_received (&raw, len, message);
}
