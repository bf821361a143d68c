/* overlay.h: the copy-on-write root of --overlay. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Mounts an overlay with rootfs as its only, untouched, lower layer and state/upper
 * for the writes on state/merged, and returns that path. Kernel overlayfs first
 * (in a user namespace since Linux 5.11), else (or only, with fuse_only) fuse-overlayfs,
 * refused when the command may trace (see fuse_server_reachable). */
const char *mount_overlay_root (const char *rootfs, const char *const *lowers, size_t n_lowers, const char *state,
                                bool fuse_only, bool command_may_trace);

/* Whether a command with capabilities caps (bit N: capability N; privileged: all) could
 * reach fuse-overlayfs's server: it runs in the container's namespaces, with the host's
 * root and fds on the host's folders, and CAP_SYS_PTRACE opens its /proc/PID/root, fd and mem. */
bool fuse_server_reachable (uint64_t caps, bool privileged);

/* The mount options of both: lowerdir=...,upperdir=...,workdir=...; returns its
 * length, or -1 if it does not fit, or a path holds a ',' or ':' they cannot escape. */
int format_overlay_options (char *buf, size_t size, const char *rootfs, const char *const *lowers, size_t n_lowers,
                            const char *state);

/* In the helper, once the init exists: holds the container's user namespace and the
 * state folder, so that the init keeps no fd of the host's for the removal; keep_upper:
 * state/upper outlives the container (--overlay-keep-upper). */
void overlay_keep_layers_for_removal (pid_t init, const char *state, bool keep_upper);

/* In the helper, once the init is gone: empties state/work, and state/upper unless it is kept, whose
 * files may belong to ids only the container's user namespace maps (a child joins it for that). */
void overlay_remove_layers (void);
