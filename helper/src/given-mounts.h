/* given-mounts.h: --only-given-mounts, a bundle's mounts as its whole list, in order. */
#pragma once

#include "options.h"

/* Before pivot_root: a detached copy of each host device node /dev will get (null, zero,
 * full, random, urandom, tty and each --device), as a mount from the old root is out of
 * reach after it. */
void given_mounts_open_devices (const struct options *opts);

/* After the given mounts, as runc does: each device node and each of /dev's links
 * (ptmx, fd, stdin, stdout, stderr) that the mounts left missing; a default node is
 * skipped where /dev cannot grow one (a read-only rootfs without a /dev mount).
 * make_nodes (root, no user namespace): nodes made with mknod, else binds of the host's. */
void given_mounts_finish_dev (bool make_nodes);
