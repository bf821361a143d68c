/* unpack.c: ryouiki-unpack, the writer of image layers inside a user namespace.
 *
 *   ryouiki-unpack [MAPS] [--rootless-xattr] DEST     write the entries read on stdin under DEST
 *   ryouiki-unpack [MAPS] --remove DIR                remove DIR and everything in it
 *   ryouiki-unpack [MAPS] --tar DIR FILE              write DIR as a tar to FILE (tar, as the ids' owner)
 *
 * MAPS: --uid-map C:H:S and --gid-map C:H:S (repeated, together), --newuidmap PATH,
 * --newgidmap PATH and --id-map-fallback, as ryouiki-init takes them. It enters a new
 * user namespace whose full maps a child of its own, left outside, writes with newuidmap
 * and newgidmap (without MAPS: its own ids as 0), so the entries' owners are the
 * container's ids; then it says "ready" on stdout and waits for its input on stdin
 * (the entries, or one byte for --remove and --tar). The tar parsing is the caller's;
 * each entry arrives as a fixed header (struct entry_header), its path, its link
 * target and its data. Every path is resolved beneath DEST through fds
 * (openat2 RESOLVE_BENEATH): an entry that climbs out is refused, and a refused
 * or broken stream leaves no DEST behind. */
#include "ids.h"
#include "options.h"
#include "utils.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>

/* little-endian, packed: what packages/core/src/images/unpack.ts writes */
struct __attribute__ ((packed)) entry_header
{
  uint8_t type; /* d f l h w o p: dir, file, symlink, hard link, whiteout, opaque dir, fifo */
  uint8_t pad[3];
  uint32_t mode;
  uint32_t uid;
  uint32_t gid;
  int64_t mtime;
  uint64_t size;
  uint32_t path_length;
  uint32_t link_length;
};

static int dest_parent = -1;
static const char *dest_name;
static int root_fd = -1;
static bool rootless_xattr;
static char current_path[PATH_MAX];

static __attribute__ ((noreturn)) void
fail_and_clean (int err, const char *message)
{
  if (err != 0)
    fprintf (stderr, "ryouiki-unpack: %s: %s\n", message, strerror (err));
  else
    fprintf (stderr, "ryouiki-unpack: %s\n", message);
  if (dest_parent >= 0 && dest_name != NULL)
    remove_tree_at (dest_parent, dest_name);
  exit (1);
}

static int
open_beneath (const char *path, int flags)
{
  struct open_how how = { .flags = (uint64_t) (flags | O_CLOEXEC), .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };

  return (int) syscall (SYS_openat2, root_fd, path, &how, sizeof how);
}

static void
die_entry (const char *reason)
{
  if (errno == EXDEV || errno == ELOOP)
    die ("%s: refused: it leads out of the layer (%s)", current_path, reason);
  die_with_errno ("%s: %s", current_path, reason);
}

/* stdin, read in large blocks: a layer is many small entries */
static char input[1 << 20];
static size_t input_start, input_end;

/* Refills the buffer when it is empty; false at the end of the stream. */
static bool
fill_input (void)
{
  ssize_t n;

  if (input_start < input_end)
    return true;
  n = read_retry (0, input, sizeof input);
  if (n < 0)
    die_with_errno ("read the entries");
  input_start = 0;
  input_end = (size_t) n;
  return n > 0;
}

/* The next up to size bytes of the stream, without copying them. */
static const char *
next_input (size_t size, size_t *got)
{
  const char *start;

  if (!fill_input ())
    die ("the entry stream ended inside an entry");
  *got = input_end - input_start < size ? input_end - input_start : size;
  start = input + input_start;
  input_start += *got;
  return start;
}

static void
read_exact (void *buf, size_t size)
{
  size_t done = 0;

  while (done < size)
    {
      size_t got;
      const char *chunk = next_input (size - done, &got);

      memcpy ((char *) buf + done, chunk, got);
      done += got;
    }
}

static int
mkdir_beneath (char *path)
{
  char *slash = strrchr (path, '/');
  autoclose_fd int parent = -1;
  int result;

  if (slash == NULL)
    return mkdirat (root_fd, path, 0755);
  *slash = '\0';
  parent = open_beneath (path, O_PATH | O_DIRECTORY);
  *slash = '/';
  if (parent < 0)
    return -1;
  result = mkdirat (parent, slash + 1, 0755);
  return result;
}

/* The folder an entry goes in, each missing folder made (0755, as tar does) from the top down. */
static int
open_parent (const char *parent)
{
  char prefix[PATH_MAX];
  size_t length = strlen (parent);
  int fd = open_beneath (parent, O_PATH | O_DIRECTORY);

  if (fd >= 0 || errno != ENOENT)
    return fd;
  for (size_t i = 0; i <= length; i++)
    {
      if (parent[i] != '/' && parent[i] != '\0')
        continue;
      memcpy (prefix, parent, i);
      prefix[i] = '\0';
      if (mkdir_beneath (prefix) < 0 && errno != EEXIST)
        return -1;
    }
  return open_beneath (parent, O_PATH | O_DIRECTORY);
}

/* The folder of the entry before, kept open: a layer's entries come folder by folder. An entry only
 * makes or removes names in its own folder, so the fd kept is never of a folder an entry replaced. */
static char kept_parent_path[PATH_MAX];
static int kept_parent = -1;

static int
entry_parent (const char *parent_path)
{
  if (kept_parent >= 0 && strcmp (parent_path, kept_parent_path) == 0)
    return kept_parent;
  if (kept_parent >= 0)
    close (kept_parent);
  kept_parent = open_parent (parent_path);
  if (kept_parent >= 0)
    strcpy (kept_parent_path, parent_path);
  return kept_parent;
}

/* What a later entry of the same name replaces; a folder stays when the new entry is a folder too. */
static void
remove_existing (int parent, const char *name, bool keep_dir)
{
  struct stat st;

  if (fstatat (parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      if (!keep_dir)
        remove_tree_at (parent, name);
      return;
    }
  if (unlinkat (parent, name, 0) < 0)
    die_entry ("remove the entry it replaces");
}

/* umoci's rootless mode: the owner a file would have, as a user.rootlesscontainers protobuf. */
static size_t
put_varint (uint8_t *buf, uint32_t value)
{
  size_t n = 0;

  while (value >= 0x80)
    {
      buf[n++] = (uint8_t) (value | 0x80);
      value >>= 7;
    }
  buf[n++] = (uint8_t) value;
  return n;
}

static void
set_owner (int parent, const char *name, uint32_t uid, uint32_t gid)
{
  if (rootless_xattr)
    {
      uint8_t value[16];
      size_t length = 0;
      char proc[64];

      if (uid == 0 && gid == 0)
        return;
      if (uid != 0)
        {
          value[length++] = 0x08;
          length += put_varint (value + length, uid);
        }
      if (gid != 0)
        {
          value[length++] = 0x10;
          length += put_varint (value + length, gid);
        }
      /* symlinks cannot carry user.* attributes; their owner is not kept */
      {
        autoclose_fd int fd = openat (parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;

        if (fd < 0 || fstat (fd, &st) < 0)
          die_entry ("open it to record its owner");
        if (S_ISLNK (st.st_mode))
          return;
        snprintf (proc, sizeof proc, "/proc/self/fd/%d", fd);
        if (setxattr (proc, "user.rootlesscontainers", value, length, 0) < 0)
          die_entry ("record its owner in user.rootlesscontainers");
      }
      return;
    }
  if (fchownat (parent, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno == EINVAL)
        die ("%s: owner %u:%u is outside the user's subordinate id range (see /etc/subuid and /etc/subgid)",
             current_path, uid, gid);
      die_entry ("set its owner");
    }
}

static void
set_times (int parent, const char *name, int64_t mtime)
{
  struct timespec times[2] = { { .tv_sec = mtime }, { .tv_sec = mtime } };

  if (utimensat (parent, name, times, AT_SYMLINK_NOFOLLOW) < 0)
    die_entry ("set its time");
}

/* True when making the entry failed only because its name is taken: what has it is removed, for a
 * second try (most names are new, so they cost no look-up first). */
static bool
name_taken (int result, int parent, const char *name, bool keep_dir, const char *what)
{
  if (result >= 0)
    return false;
  if (errno != EEXIST)
    die_entry (what);
  remove_existing (parent, name, keep_dir);
  return true;
}

static void
copy_data (int fd, uint64_t size)
{
  while (size > 0)
    {
      size_t got;
      const char *chunk = next_input (size < sizeof input ? (size_t) size : sizeof input, &got);

      if (write_all (fd, chunk, got) < 0)
        die_entry ("write its data");
      size -= got;
    }
}

static void
write_hard_link (int parent, const char *name, const char *target)
{
  autoclose_fd int target_fd = open_beneath (target, O_PATH | O_NOFOLLOW);
  char proc[64];
  struct stat st;

  if (target_fd < 0)
    die_entry ("open its link target");
  if (fstat (target_fd, &st) < 0 || S_ISDIR (st.st_mode))
    die ("%s: refused: a hard link to a folder", current_path);
  remove_existing (parent, name, false);
  snprintf (proc, sizeof proc, "/proc/self/fd/%d", target_fd);
  if (linkat (AT_FDCWD, proc, parent, name, AT_SYMLINK_FOLLOW) < 0)
    die_entry ("make the hard link");
}

static void
write_opaque (int parent, const char *name)
{
  autoclose_fd int fd = -1;

  if (mkdirat (parent, name, 0755) < 0 && errno != EEXIST)
    die_entry ("make the opaque folder");
  fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    die_entry ("open the opaque folder");
  /* overlayfs mounted with userxattr reads user.overlay.*; fuse-overlayfs reads it too */
  if (fsetxattr (fd, "user.overlay.opaque", "y", 1, 0) < 0)
    die_entry ("mark the folder opaque");
}

static void
write_entry (const struct entry_header *header, const char *path, const char *link)
{
  char parent_path[PATH_MAX];
  const char *slash = strrchr (path, '/');
  const char *name = slash == NULL ? path : slash + 1;
  int parent;
  mode_t mode = header->mode & 07777;

  if (slash == NULL)
    strcpy (parent_path, ".");
  else
    {
      memcpy (parent_path, path, (size_t) (slash - path));
      parent_path[slash - path] = '\0';
    }
  parent = entry_parent (parent_path);
  if (parent < 0)
    die_entry ("open its folder");
  switch (header->type)
    {
    case 'd':
      if (name_taken (mkdirat (parent, name, 0700), parent, name, true, "make the folder")
          && mkdirat (parent, name, 0700) < 0 && errno != EEXIST)
        die_entry ("make the folder");
      set_owner (parent, name, header->uid, header->gid);
      if (fchmodat (parent, name, mode, 0) < 0)
        die_entry ("set its mode");
      return;
    case 'f':
      {
        autoclose_fd int fd = -1;

        fd = openat (parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (name_taken (fd, parent, name, false, "create the file"))
          fd = openat (parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
          die_entry ("create the file");
        copy_data (fd, header->size);
        set_owner (parent, name, header->uid, header->gid);
        /* after the owner: chown clears the setuid and setgid bits */
        if (fchmod (fd, mode) < 0)
          die_entry ("set its mode");
        set_times (parent, name, header->mtime);
        return;
      }
    case 'l':
      if (name_taken (symlinkat (link, parent, name), parent, name, false, "make the symlink")
          && symlinkat (link, parent, name) < 0)
        die_entry ("make the symlink");
      set_owner (parent, name, header->uid, header->gid);
      set_times (parent, name, header->mtime);
      return;
    case 'h':
      write_hard_link (parent, name, link);
      return;
    case 'w':
      /* overlayfs's whiteout: a character device 0:0, which needs no CAP_MKNOD */
      if (name_taken (mknodat (parent, name, S_IFCHR, makedev (0, 0)), parent, name, false, "make the whiteout")
          && mknodat (parent, name, S_IFCHR, makedev (0, 0)) < 0)
        die_entry ("make the whiteout");
      return;
    case 'o':
      write_opaque (parent, name);
      return;
    case 'p':
      if (name_taken (mkfifoat (parent, name, 0600), parent, name, false, "make the fifo")
          && mkfifoat (parent, name, 0600) < 0)
        die_entry ("make the fifo");
      set_owner (parent, name, header->uid, header->gid);
      if (fchmodat (parent, name, mode, 0) < 0)
        die_entry ("set its mode");
      return;
    default:
      die ("%s: unknown entry type %u", path, header->type);
    }
}

static char *
read_string (uint32_t length)
{
  char *text;

  if (length >= PATH_MAX)
    die ("an entry's path or link of %u bytes is too long", length);
  text = malloc ((size_t) length + 1);
  if (text == NULL)
    die ("out of memory");
  read_exact (text, length);
  text[length] = '\0';
  if (strlen (text) != length)
    die ("an entry's path holds a NUL byte");
  return text;
}

static void
read_entries (void)
{
  struct entry_header header;

  for (;;)
    {
      char *path;
      char *link;

      if (!fill_input ())
        return;
      read_exact (&header, sizeof header);
      path = read_string (header.path_length);
      link = read_string (header.link_length);
      snprintf (current_path, sizeof current_path, "%s", path);
      if (path[0] == '/' || path[0] == '\0')
        die ("%s: refused: not a relative path", path);
      write_entry (&header, path, link);
      free (path);
      free (link);
    }
}

/* A layer's owners need no word of the fallback: the caller chose the maps, the layer is as usable. */
static void
ignore_warning (const char *message)
{
  (void) message;
}

/* The child that stays outside the new user namespace to write its full maps, in *mapper;
 * returns the fd whose byte (once the namespace exists) lets it. */
static int
start_mapper (const struct full_id_maps *maps, pid_t target, pid_t *mapper_pid)
{
  sigset_t mask;
  int go[2];
  pid_t mapper;

  if (pipe2 (go, O_CLOEXEC) < 0)
    die_with_errno ("id map: pipe");
  sigprocmask (SIG_SETMASK, NULL, &mask);
  mapper = fork ();
  if (mapper < 0)
    die_with_errno ("id map: fork");
  if (mapper == 0)
    {
      char byte;

      close (go[1]);
      if (read_retry (go[0], &byte, 1) != 1)
        _exit (EXIT_RUNTIME);
      write_full_id_maps (target, maps, &mask, ignore_warning);
      _exit (0);
    }
  close (go[0]);
  *mapper_pid = mapper;
  return go[1];
}

/* Enters a new user namespace with its id maps written, and says ready. */
static void
enter_user_namespace (const struct full_id_maps *maps)
{
  uid_t uid = geteuid ();
  gid_t gid = getegid ();
  pid_t mapper = -1;
  int go = maps->n_uid > 0 ? start_mapper (maps, getpid (), &mapper) : -1;
  int status;

  if (unshare (CLONE_NEWUSER) < 0)
    die_with_errno ("unshare a user namespace");
  if (go < 0)
    write_id_maps (getpid (), uid, gid);
  else
    {
      if (write_all (go, "m", 1) < 0)
        die_with_errno ("id map: start the mapper");
      close (go);
      if (waitpid_retry (mapper, &status, 0) < 0)
        die_with_errno ("id map: wait for the mapper");
      if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
        die ("id map: the maps were not written (above)");
    }
  if (write_all (1, "ready\n", 6) < 0)
    die_with_errno ("say ready");
}

/* Takes MAPS, the flags before the mode; returns how many words they were. */
static int
take_id_maps (int argc, char **argv, struct full_id_maps *maps)
{
  int i = 1;

  *maps = (struct full_id_maps) { .newuidmap = DEFAULT_NEWUIDMAP, .newgidmap = DEFAULT_NEWGIDMAP };
  maps->uid = calloc ((size_t) argc, sizeof *maps->uid);
  maps->gid = calloc ((size_t) argc, sizeof *maps->gid);
  if (maps->uid == NULL || maps->gid == NULL)
    die ("out of memory");
  for (; i < argc; i += 2)
    {
      const char *flag = argv[i];
      const char *value = i + 1 < argc ? argv[i + 1] : "";

      if (strcmp (flag, "--id-map-fallback") == 0)
        {
          maps->fallback = true;
          i--;
        }
      else if (strcmp (flag, "--uid-map") == 0 && parse_id_mapping (value, &maps->uid[maps->n_uid]) == 0)
        maps->n_uid++;
      else if (strcmp (flag, "--gid-map") == 0 && parse_id_mapping (value, &maps->gid[maps->n_gid]) == 0)
        maps->n_gid++;
      else if (strcmp (flag, "--newuidmap") == 0)
        maps->newuidmap = value;
      else if (strcmp (flag, "--newgidmap") == 0)
        maps->newgidmap = value;
      else if (strcmp (flag, "--uid-map") == 0 || strcmp (flag, "--gid-map") == 0)
        die ("%s: %s: not CONTAINER:HOST:SIZE", flag, value);
      else
        break;
    }
  if ((maps->n_uid > 0) != (maps->n_gid > 0))
    die ("--uid-map and --gid-map go together");
  return i - 1;
}

static void
open_destination (const char *dest)
{
  static char copy[PATH_MAX];
  char *slash;

  if (dest[0] != '/' || strlen (dest) >= sizeof copy)
    die ("%s: give an absolute path", dest);
  strcpy (copy, dest);
  slash = strrchr (copy, '/');
  *slash = '\0';
  dest_parent = open (slash == copy ? "/" : copy, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dest_parent < 0)
    die_with_errno ("%s", slash == copy ? "/" : copy);
  dest_name = slash + 1;
}

/* ext4 puts a new folder in its parent's block group, and, without a journal, each new inode there first
 * passes over every inode of the group freed in the last minutes: a layer unpacked where the one before it
 * was removed (rmi, then pull) spent most of its time so. DEST's parent marked as a top of folder
 * hierarchies (chattr +T) has each new DEST start in a block group of its own. A hint: other file systems
 * refuse it, and nothing depends on it. */
static void
spread_new_destinations (void)
{
  autoclose_fd int fd = openat (dest_parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int flags = 0;

  if (fd < 0 || ioctl (fd, FS_IOC_GETFLAGS, &flags) < 0 || (flags & FS_TOPDIR_FL) != 0)
    return;
  flags |= FS_TOPDIR_FL;
  (void) ioctl (fd, FS_IOC_SETFLAGS, &flags);
}

/* A container's upper layer as a tar: GNU tar reads it as the root of the namespace, whose ids
 * own its files, keeping numeric owners and the overlay's user.overlay.* xattrs (opaque folders). */
static int
tar_folder (const char *dir, const char *file, const struct full_id_maps *maps)
{
  if (dir[0] != '/' || file[0] != '/')
    die ("--tar %s %s: give absolute paths", dir, file);
  enter_user_namespace (maps);
  if (!fill_input ())
    die ("stdin ended before the start byte");
  execlp ("tar", "tar", "--numeric-owner", "--xattrs", "--xattrs-include=user.overlay.*", "-C", dir, "-cf", file, ".",
          (char *) NULL);
  die_with_errno ("exec tar");
  return 1;
}

int
main (int argc, char **argv)
{
  struct full_id_maps maps;
  int taken = take_id_maps (argc, argv, &maps);
  bool remove;
  const char *dest;

  argv += taken;
  argc -= taken;
  remove = argc == 3 && strcmp (argv[1], "--remove") == 0;
  dest = argv[argc - 1];
  if (argc == 4 && strcmp (argv[1], "--tar") == 0)
    return tar_folder (argv[2], argv[3], &maps);
  rootless_xattr = argc == 3 && strcmp (argv[1], "--rootless-xattr") == 0;
  if (argc != 2 && !remove && !rootless_xattr)
    {
      fprintf (stderr, "usage: ryouiki-unpack [MAPS] [--rootless-xattr] DEST | --remove DIR | --tar DIR FILE\n");
      return 2;
    }
  open_destination (dest);
  if (!remove)
    spread_new_destinations ();
  enter_user_namespace (&maps);
  if (remove)
    {
      if (!fill_input ())
        die ("stdin ended before the start byte");
      remove_tree_at (dest_parent, dest_name);
      return 0;
    }
  set_die_handler (fail_and_clean);
  /* a pipe of the input buffer's size: fewer wake-ups than its 64 KiB default (refused for a file: no matter) */
  (void) fcntl (0, F_SETPIPE_SZ, (int) sizeof input);
  /* DEST is made once this process has started (spread_new_destinations): open it at the first byte, or at EOF */
  (void) fill_input ();
  root_fd = openat (dest_parent, dest_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (root_fd < 0)
    die_with_errno ("%s", dest);
  read_entries ();
  return 0;
}
