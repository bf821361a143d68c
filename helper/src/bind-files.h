/* bind-files.h: host files bound over paths inside the container (/etc/resolv.conf, /etc/hosts). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct bind_file
{
  const char *source;      /* host path, as given */
  const char *destination; /* absolute path inside the container */
  int fd;                  /* the source, opened before the container exists; -1 until then */
};

/* On the host, before clone: opens every source, so the caller may remove the files as soon
 * as the container's PID is reported. A source that is not a readable regular file dies. */
void bind_files_open (struct bind_file *files, size_t n_files);

/* In the container, after pivot_root: binds each opened source over its destination, then
 * closes the fds. A missing destination is made where that writes nothing into the rootfs:
 * may_create (an overlay's upper layer), or a folder mount-room.c covered. */
void bind_files_mount (struct bind_file *files, size_t n_files, bool may_create);
