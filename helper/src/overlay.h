/* overlay.h: the copy-on-write root of --overlay. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Mounts an overlay with rootfs as its only, untouched, lower layer and state/upper
 * for the writes on state/merged, and returns that path. Kernel overlayfs first
 * (in a user namespace since Linux 5.11), else (or only, with fuse_only) fuse-overlayfs,
 * which the init asks the helper for over sync_fd (overlay_serve_fuse_request). */
const char *mount_overlay_root (const char *rootfs, const char *const *lowers, size_t n_lowers, const char *state,
                                bool fuse_only, int sync_fd);

/* In the helper, on the init's SYNC_FUSE_OVERLAY: runs fuse-overlayfs in the init's user
 * namespace but in the host's PID namespace (and a mount namespace of its own), so that its
 * server, which has the host's root and fds on the host's folders, is no process of the
 * container's: none of them sees it in /proc, so even CAP_SYS_PTRACE cannot reach its
 * /proc/PID/root, fd or mem. Returns fuse-overlayfs's exit code (127: not installed), and
 * on success a detached copy of the mount in *tree_fd, for the init to attach. The server,
 * once it goes to the background, is the helper's child (a subreaper): overlay_end_fuse_server. */
int overlay_serve_fuse_request (pid_t init, const char *rootfs, const char *const *lowers, size_t n_lowers,
                                const char *state, int *tree_fd);

/* In the helper, once the init is gone: ends and reaps the fuse-overlayfs server, if any. */
void overlay_end_fuse_server (void);

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
