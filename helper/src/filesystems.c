/* filesystems.c: /sys, and the paths of /proc and /sys a container must not read or write. */
#include "filesystems.h"
#include "mounts.h"
#include "utils.h"

#include <sys/mount.h>
#include <sys/stat.h>

/* podman's lists (containers/common pkg/config). */
static const char *const masked_paths[] = {
  "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
  "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/fs/selinux",
  "/sys/dev/block",
};

static const char *const read_only_paths[] = {
  "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

#define SYSFS_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

void
mount_sys (bool share_net)
{
  struct stat st;

  if (stat ("sys", &st) < 0 || !S_ISDIR (st.st_mode))
    return;
  /* Only the owner of the network namespace may mount a sysfs. */
  if (!share_net && mount ("sysfs", "sys", "sysfs", SYSFS_FLAGS, NULL) == 0)
    return;
  if (mount ("/sys", "sys", NULL, MS_BIND | MS_REC, NULL) < 0)
    die_with_errno ("mount /sys");
  remount_tree_read_only ("sys");
}

static void
mask_path (const char *path)
{
  struct stat st;

  if (stat (path, &st) < 0)
    return;                     /* nothing there to hide */
  if (S_ISDIR (st.st_mode))
    {
      if (mount ("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,mode=0555") < 0)
        die_with_errno ("mask %s", path);
    }
  else if (mount ("/dev/null", path, NULL, MS_BIND, NULL) < 0)
    die_with_errno ("mask %s", path);
}

static void
make_path_read_only (const char *path)
{
  struct stat st;

  if (stat (path, &st) < 0)
    return;
  if (mount (path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
    die_with_errno ("mount %s", path);
  remount_tree_read_only (path);
}

void
protect_kernel_paths (const struct options *opts)
{
  for (size_t i = 0; i < opts->n_masked_paths; i++)
    mask_path (opts->masked_paths[i]);
  for (size_t i = 0; i < opts->n_read_only_paths; i++)
    make_path_read_only (opts->read_only_paths[i]);
  if (opts->no_default_paths)
    return;
  for (size_t i = 0; i < N_ELEMENTS (masked_paths); i++)
    mask_path (masked_paths[i]);
  for (size_t i = 0; i < N_ELEMENTS (read_only_paths); i++)
    make_path_read_only (read_only_paths[i]);
}
