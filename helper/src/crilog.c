/* crilog.c: formatting and splitting of container log records (see crilog.h). */
#include "crilog.h"

#include <stdio.h>
#include <string.h>

int
cri_format_time (char *buf, size_t size, const struct timespec *t)
{
  struct tm utc;
  char seconds[24];
  int n;

  if (gmtime_r (&t->tv_sec, &utc) == NULL)
    return -1;
  if (strftime (seconds, sizeof seconds, "%Y-%m-%dT%H:%M:%S", &utc) == 0)
    return -1;
  n = snprintf (buf, size, "%s.%09ldZ", seconds, t->tv_nsec);
  return n < 0 || (size_t) n >= size ? -1 : 0;
}

int
cri_format_record (char *buf, size_t size, const char *time, const char *stream, bool partial, const char *content,
                   size_t content_len)
{
  int header = snprintf (buf, size, "%s %s %c ", time, stream, partial ? 'P' : 'F');
  size_t total;

  if (header < 0)
    return -1;
  total = (size_t) header + content_len + 1;
  if (total >= size || total > (size_t) __INT_MAX__)
    return -1;
  memcpy (buf + header, content, content_len);
  buf[total - 1] = '\n';
  buf[total] = '\0';
  return (int) total;
}

size_t
cri_next_record (const char *data, size_t len, bool flush, size_t *content_len, bool *partial)
{
  size_t scan = len < CRI_LINE_MAX ? len : CRI_LINE_MAX;
  const char *newline = memchr (data, '\n', scan);

  if (newline != NULL)
    {
      *content_len = (size_t) (newline - data);
      *partial = false;
      return *content_len + 1;
    }
  if (len >= CRI_LINE_MAX || (flush && len > 0))
    {
      *content_len = scan;
      *partial = true;
      return scan;
    }
  return 0;
}

int
cri_format_exit (char *buf, size_t size, int code, const char *reason, const char *time)
{
  int n = snprintf (buf, size, "{\"exitCode\": %d, \"reason\": \"%s\", \"finishedAt\": \"%s\"}\n", code, reason, time);

  return n < 0 || (size_t) n >= size ? -1 : n;
}

int
cri_format_gap (char *buf, size_t size, const char *time, unsigned long long lost_bytes, const char *since,
                const char *reason)
{
  int n = snprintf (buf, size, "%s stderr F:gap lost %llu bytes from %s: %s\n", time, lost_bytes, since, reason);

  return n < 0 || (size_t) n >= size ? -1 : n;
}
