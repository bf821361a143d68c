/* crilog.h: the container log in the Kubernetes CRI format, as podman's k8s-file
 * driver writes it: "<RFC 3339 time> <stdout|stderr> <P|F> <content>\n" per record. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* The longest content of one record; a longer line is cut into P records. */
#define CRI_LINE_MAX 16384
/* "2026-11-28T17:10:23.123456789Z" and its NUL. */
#define CRI_TIME_SIZE 31

/* Formats t as UTC with nanoseconds; returns 0, or -1 if size is too small. */
int cri_format_time (char *buf, size_t size, const struct timespec *t);

/* Formats one record, "\n" included; returns its length, or -1 if size is too small. */
int cri_format_record (char *buf, size_t size, const char *time, const char *stream, bool partial, const char *content,
                       size_t content_len);

/* The next record in the len bytes of a stream's buffer: returns how many bytes it
 * consumes (0: none yet), with *content_len of them its content, *partial when it is
 * not a whole line. A line ends at "\n" (not part of the content); without one, the
 * bytes make a partial record once there are CRI_LINE_MAX of them, or when flush. */
size_t cri_next_record (const char *data, size_t len, bool flush, size_t *content_len, bool *partial);

/* The record that marks a gap in the log, where the supervisor could not write it:
 * "<time> stderr F:gap lost <bytes> bytes from <since>: <reason>\n". The tag field
 * is CRI's tag list, ":"-separated (kubelet reads the first tag, P or F, and skips
 * the rest), so a CRI reader that does not know the gap tag still reads a whole
 * stderr line. Returns its length, or -1 if size is too small. */
int cri_format_gap (char *buf, size_t size, const char *time, unsigned long long lost_bytes, const char *since,
                    const char *reason);
/* Room enough for any gap record. */
#define CRI_GAP_MAX 256

/* {"exitCode": N, "reason": "REASON", "finishedAt": "TIME"} and "\n"; returns its
 * length, or -1 if size is too small. reason is a fixed word of ours, not escaped. */
int cri_format_exit (char *buf, size_t size, int code, const char *reason, const char *time);
