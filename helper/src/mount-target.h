/* mount-target.h: mount points resolved inside the container's root (CVE-2021-30465),
 * mounted onto through their fd, and checked once mounted. */
#pragma once

#include <stdbool.h>

/* An O_PATH fd on path, resolved inside the root root_fd is open on: neither a symlink
 * (absolute or relative) nor .. leads out of it, and magic links (/proc/PID/fd/N,
 * /proc/PID/root) are refused. -1 with errno on failure. */
int open_in_root (int root_fd, const char *path);

/* An O_PATH fd on name, a single entry of root_fd's folder, itself never followed
 * if it is a symlink; -1 with errno (ENOTDIR for a symlink or anything else but a folder). */
int open_entry_folder (int root_fd, const char *name);

/* mount(2) onto the folder or file target_fd is open on, not onto a path looked up again.
 * Needs a procfs at /proc (before pivot_root, the host's). */
int mount_on_fd (const char *source, int target_fd, const char *type, unsigned long flags, const void *data);

/* Attaches the detached mount mount_fd (open_tree, fsmount) onto target_fd. */
int move_mount_on_fd (int mount_fd, int target_fd);

/* Dies unless path, resolved inside root_fd's root again, now leads to the root of a
 * mount other than the one target_fd was on: what was mounted onto target_fd landed
 * there, not somewhere a rename or a swapped symlink led it while mounting. */
void check_mount_landed (int root_fd, const char *path, int target_fd, const char *what);

/* The same, returning an O_PATH fd on the root of the mount that landed there, so that what
 * is made in it afterwards is never looked up through path again. */
int open_landed_mount (int root_fd, const char *path, int target_fd, const char *what);

/* Whether two statx results name the root of a mount other than before's (for the unit tests). */
bool is_new_mount_root (unsigned long long before_mount_id, unsigned long long after_mount_id,
                        bool after_is_mount_root);
