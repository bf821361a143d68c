/* mounts.h: the container's root filesystem, /proc, /dev and pivot_root. */
#pragma once

#include "options.h"

#include <stdbool.h>

/* Checks, without writing anything, that rootfs is a directory with proc/ and dev/ in it (with an
 * overlay, which can make them, only that it is a directory). */
void validate_rootfs (const char *rootfs, bool overlay);

/* In the new mount namespace: makes the absolute path rootfs (or an overlay on it), with
 * /proc, a fresh /dev and /sys mounted in it, the root, and / the working directory. Never writes into rootfs.
 * sync_fd: the init's socket to the helper, which mounts a fuse overlay for it. */
void setup_rootfs (const char *rootfs, const struct options *opts, int sync_fd);

/* Remounts the bind mount at path read-only, keeping the flags a user namespace may not clear. */
void remount_read_only (const char *path);

/* The same for the mount at path and every mount below it (Linux 5.12; before, the top one). */
void remount_tree_read_only (const char *path);
