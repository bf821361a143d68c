/* mount-room.h: room for mount points the rootfs lacks, made without writing into it. */
#pragma once

#include <stdbool.h>

#include "options.h"

/* Before pivot_root, root being the mounted rootfs: covers the nearest existing folder of
 * each missing volume and bind-file destination with a tmpfs that shows its entries. */
void mount_room_prepare (const char *root, const struct options *opts);

/* After pivot_root: whether a missing path lies in such a tmpfs, where it may be created. */
bool mount_room_made_for (const char *path);

/* Once every mount is made: the tmpfs read-only too when the rootfs is. */
void mount_room_seal (bool read_only);
