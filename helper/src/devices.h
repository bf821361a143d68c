/* devices.h: host device nodes given to the container (linux.devices of a bundle). */
#pragma once

#include "options.h"

/* Before pivot_root, in the new root's /dev (the container's own tmpfs): binds each
 * --device, a host device node, at the same path, as rootless runc and crun do (a user
 * namespace cannot mknod). Missing folders under /dev are created. */
void devices_bind (const struct options *opts);
