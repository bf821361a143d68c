/* mount-room.c: room for mount points the rootfs lacks, made without writing into it.
 *
 * A volume or bind file whose destination does not exist gets its nearest existing
 * folder covered by a tmpfs that shows what the folder held: each entry bound back
 * from the rootfs (symlinks copied). The missing mount point is then made on that
 * tmpfs, and the user's folder stays as it was. Writes to the folder's existing
 * entries still reach them; new entries beside them go to the tmpfs. */
#include "mount-room.h"
#include "mount-target.h"
#include "mounts.h"
#include "utils.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/mount.h>

#define MAX_ROOMS 16
#define MAX_ENTRIES 1024

/* The covered folders, as paths inside the container. */
static char *rooms[MAX_ROOMS];
static size_t n_rooms;

/* The nearest existing folder of a missing path, as an O_PATH fd resolved inside the root. */
static int
nearest_existing_parent (int root_fd, const char *path)
{
  char parent[PATH_MAX];

  if (strlen (path) >= sizeof parent)
    die_with_err (ENAMETOOLONG, "mount point %s", path);
  strcpy (parent, path);
  for (;;)
    {
      char *slash = strrchr (parent, '/');
      int fd;

      if (slash == parent)
        parent[1] = '\0';
      else
        *slash = '\0';
      fd = open_in_root (root_fd, parent);
      if (fd >= 0)
        return fd;
      if (errno != ENOENT || strcmp (parent, "/") == 0)
        die_with_errno ("mount point %s: %s", path, parent);
    }
}

struct entry
{
  char name[NAME_MAX + 1];
  mode_t mode;
  int tree;   /* a detached copy of a folder or file; -1 for a symlink */
  char *link; /* a symlink's target */
};

/* Everything in a folder, taken before the tmpfs hides it. */
static size_t
read_entries (const char *dir, struct entry *entries)
{
  DIR *stream = opendir (dir);
  struct dirent *dirent;
  size_t n = 0;

  if (stream == NULL)
    die_with_errno ("mount point: read %s", dir);
  while ((dirent = readdir (stream)) != NULL)
    {
      struct entry *entry = &entries[n];
      struct stat st;

      if (strcmp (dirent->d_name, ".") == 0 || strcmp (dirent->d_name, "..") == 0)
        continue;
      if (n == MAX_ENTRIES)
        die ("mount point: %s holds more than %d entries to show beside it: create the mount point, or use --overlay",
             dir, MAX_ENTRIES);
      if (fstatat (dirfd (stream), dirent->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        die_with_errno ("mount point: %s/%s", dir, dirent->d_name);
      snprintf (entry->name, sizeof entry->name, "%s", dirent->d_name);
      entry->mode = st.st_mode;
      entry->tree = -1;
      entry->link = NULL;
      if (S_ISLNK (st.st_mode))
        {
          char target[PATH_MAX];
          ssize_t length = readlinkat (dirfd (stream), dirent->d_name, target, sizeof target - 1);

          if (length < 0)
            die_with_errno ("mount point: %s/%s", dir, dirent->d_name);
          target[length] = '\0';
          entry->link = strdup (target);
          if (entry->link == NULL)
            die ("mount point: out of memory");
        }
      else
        {
          entry->tree = (int) syscall (SYS_open_tree, dirfd (stream), dirent->d_name,
                                       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW);
          if (entry->tree < 0)
            die_with_errno ("mount point: %s/%s", dir, dirent->d_name);
        }
      n++;
    }
  closedir (stream);
  return n;
}

static void
show_entry (const char *dir, struct entry *entry)
{
  char path[PATH_MAX];

  if (snprintf (path, sizeof path, "%s/%s", strcmp (dir, "/") == 0 ? "" : dir, entry->name) >= (int) sizeof path)
    die_with_err (ENAMETOOLONG, "mount point: %s/%s", dir, entry->name);
  if (entry->link != NULL)
    {
      if (symlink (entry->link, path) < 0)
        die_with_errno ("mount point: symlink %s", path);
      free (entry->link);
      return;
    }
  if (S_ISDIR (entry->mode) ? mkdir (path, entry->mode & 07777) < 0 : mknod (path, S_IFREG | 0600, 0) < 0)
    die_with_errno ("mount point: create %s", path);
  if (syscall (SYS_move_mount, entry->tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    die_with_errno ("mount point: bind %s", path);
  close (entry->tree);
}

/* Covers dir (a host path) with a tmpfs showing its entries. */
static void
cover_folder (const char *dir)
{
  static struct entry entries[MAX_ENTRIES];
  struct stat st;
  char data[32];
  size_t n;

  if (stat (dir, &st) < 0)
    die_with_errno ("mount point: %s", dir);
  if (!S_ISDIR (st.st_mode))
    die_with_err (ENOTDIR, "mount point: %s", dir);
  n = read_entries (dir, entries);
  snprintf (data, sizeof data, "mode=%o", st.st_mode & 07777);
  if (mount ("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, data) < 0)
    die_with_errno ("mount point: tmpfs on %s", dir);
  for (size_t i = 0; i < n; i++)
    show_entry (dir, &entries[i]);
}

static void
make_room (const char *root, int root_fd, const char *destination)
{
  autoclose_fd int existing = open_in_root (root_fd, destination);
  char link[64], host[PATH_MAX];
  ssize_t length;
  size_t root_length = strlen (root);
  const char *inside;

  if (existing >= 0 || errno != ENOENT)
    return; /* there, or the mount itself reports what is wrong */
  {
    autoclose_fd int parent = nearest_existing_parent (root_fd, destination);

    snprintf (link, sizeof link, "/proc/self/fd/%d", parent);
    length = readlink (link, host, sizeof host - 1);
    if (length < 0)
      die_with_errno ("mount point %s", destination);
    host[length] = '\0';
  }
  if (strncmp (host, root, root_length) != 0 || (host[root_length] != '/' && host[root_length] != '\0'))
    die ("mount point %s: its folder %s is outside the rootfs", destination, host);
  inside = host[root_length] == '\0' ? "/" : host + root_length;
  for (size_t i = 0; i < n_rooms; i++)
    if (strcmp (rooms[i], inside) == 0)
      return;
  if (n_rooms == MAX_ROOMS)
    die ("mount point %s: more than %d folders need room for mount points: create them, or use --overlay", destination,
         MAX_ROOMS);
  cover_folder (host);
  rooms[n_rooms] = strdup (inside);
  if (rooms[n_rooms] == NULL)
    die ("mount point: out of memory");
  n_rooms++;
}

void
mount_room_prepare (const char *root, const struct options *opts)
{
  char canonical[PATH_MAX];
  autoclose_fd int root_fd = -1;

  if (opts->make_mount_points)
    return; /* an overlay's upper layer takes them */
  if (realpath (root, canonical) == NULL)
    die_with_errno ("rootfs: %s", root);
  root_fd = open (canonical, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    die_with_errno ("rootfs: %s", canonical);
  for (size_t i = 0; i < opts->n_volumes; i++)
    if (strncmp (opts->volumes[i].destination, "/dev/", 5) != 0)
      make_room (canonical, root_fd, opts->volumes[i].destination);
  for (size_t i = 0; i < opts->n_bind_files; i++)
    make_room (canonical, root_fd, opts->bind_files[i].destination);
}

bool
mount_room_made_for (const char *path)
{
  for (size_t i = 0; i < n_rooms; i++)
    {
      size_t length = strlen (rooms[i]);

      if (strcmp (rooms[i], "/") == 0 || (strncmp (path, rooms[i], length) == 0 && path[length] == '/'))
        return true;
    }
  return false;
}

void
mount_room_seal (bool read_only)
{
  for (size_t i = 0; i < n_rooms; i++)
    {
      if (read_only)
        remount_read_only (rooms[i]);
      free (rooms[i]);
    }
  n_rooms = 0;
}
