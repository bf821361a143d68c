/* mounts.h: the container's root filesystem, /proc, /dev and pivot_root. */
#pragma once

#include <stdbool.h>

/* Checks, without writing anything, that rootfs is a directory with proc/ and dev/ in it. */
void validate_rootfs (const char *rootfs);

/* In the new mount namespace: makes the absolute path rootfs, with /proc and a fresh
 * /dev mounted in it, the root, and / the working directory. Never writes into rootfs. */
void setup_rootfs (const char *rootfs, bool read_only);
