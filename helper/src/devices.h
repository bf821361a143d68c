/* devices.h: host device nodes given to the container (linux.devices of a bundle). */
#pragma once

#include "options.h"

/* Before pivot_root, in the new root's /dev (the container's own tmpfs, dev_fd): binds each
 * --device, a host device node, at the same path, as rootless runc and crun do (a user
 * namespace cannot mknod). Missing folders under /dev are created; none is followed if it
 * is a symlink (/dev/fd is one). */
void devices_bind (const struct options *opts, int dev_fd);

/* Whether path is /dev/NAME[/NAME...], without ".", ".." or empty parts (for the unit tests too). */
bool is_plain_path_below_dev (const char *path);
