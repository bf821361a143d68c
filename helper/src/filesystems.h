/* filesystems.h: /sys, and the paths of /proc and /sys a container must not read or write. */
#pragma once

#include "options.h"

#include <stdbool.h>
#include <sys/stat.h>

/* Before pivot_root, in the new root root_fd is open on: a read-only /sys (a new sysfs
 * of our network namespace, or the host's bound recursively when we share its network).
 * Skipped when the rootfs has no sys/ folder, or a symlink there (never followed). */
void mount_sys (int root_fd, bool share_net);

/* After pivot_root, before the volumes: opens our /dev/null (the host's, bound on our
 * /dev tmpfs), which protect_kernel_paths binds over the masked files; dies unless it
 * is the null device. */
void hold_null_device (void);
void hold_null_device_copies (size_t count);
size_t masked_path_count (const struct options *opts);

/* True for the null device (character device 1:3). */
bool is_null_device (const struct stat *st);

/* After pivot_root: masks podman's masked paths (an empty read-only tmpfs on a
 * folder, /dev/null on a file) and makes its read-only paths read-only; first those
 * of --masked-path and --read-only-path, and only those with --no-default-paths. */
void protect_kernel_paths (const struct options *opts);
