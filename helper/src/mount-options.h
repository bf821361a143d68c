/* mount-options.h: mount options as config.json gives them (ro,nosuid,size=1m) and the
 * mount flags and propagation they ask for. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/mount.h>

/* Splits the comma-separated options into mount flags (ro, nosuid, nodev, noexec and
 * the atime options; rw, suid, dev, exec clear them; the last propagation option, as
 * PROPAGATION_FLAGS), bind or rbind (*non_recursive for
 * bind), and the filesystem's data (the rest: size=1m, mode=755, newinstance), written
 * to data. Returns 0, or -1 when data would not fit in data_size bytes. */
int parse_mount_options (const char *options, unsigned long *flags, bool *non_recursive, char *data, size_t data_size);

/* The flags of a propagation option: a mount(2) with any of them changes only that. */
#define PROPAGATION_FLAGS (MS_PRIVATE | MS_SLAVE | MS_SHARED | MS_UNBINDABLE | MS_REC)

/* private, rprivate, slave, rslave, shared, rshared, unbindable, runbindable as mount
 * flags (MS_REC for the r forms); returns 0, or -1. */
int parse_propagation (const char *text, unsigned long *flags);

/* After pivot_root and the mounts: the propagation of / (and below it, with MS_REC). */
void apply_rootfs_propagation (unsigned long flags);
