/* volumes.h: bind mounts and tmpfs the caller asks for, and --read-only's tmpfs. */
#pragma once

#include "options.h"

/* Before pivot_root, while host paths are reachable: opens every bind source. */
void volumes_open_sources (const struct options *opts);

/* After pivot_root: mounts every volume on its destination, resolved inside the
 * container (a symlink in the rootfs cannot lead a mount out of it). */
void volumes_mount (const struct options *opts);

/* Creates a missing mount point and its missing folders (see volumes.c for where it may). */
void make_mount_point (const char *path, bool is_directory);

/* A writable tmpfs on /tmp and /run of a read-only rootfs, where they exist. */
void mount_writable_tmpfs (void);
