/* options.c: the command line of ryouiki-init. */
#include "options.h"
#include "mount-options.h"
#include "namespaces.h"
#include "process-limits.h"
#include "sysctl.h"
#include "utils.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mount.h>

enum
{
  OPT_ROOTFS = 256,
  OPT_HOSTNAME,
  OPT_CWD,
  OPT_ENV,
  OPT_SHARE_NET,
  OPT_READ_ONLY,
  OPT_INFO_FD,
  OPT_BLOCK_FD,
  OPT_NO_IDMAP,
  OPT_TTY,
  OPT_INTERACTIVE,
  OPT_CONSOLE_SOCKET,
  OPT_DETACH,
  OPT_EXEC_GATE_FD,
  OPT_ENGINE_ROOTFS,
  OPT_ONLY_GIVEN_MOUNTS,
  OPT_BIND_FILE,
  OPT_BIND,
  OPT_RO_BIND,
  OPT_TMPFS,
  OPT_MAKE_MOUNT_POINTS,
  OPT_OVERLAY,
  OPT_OVERLAY_DRIVER,
  OPT_USER,
  OPT_CAPS,
  OPT_PRIVILEGED,
  OPT_SECCOMP,
  OPT_MOUNT_FS,
  OPT_MOUNT_OPTIONS,
  OPT_RLIMIT,
  OPT_OOM_SCORE_ADJ,
  OPT_SYSCTL,
  OPT_MASKED_PATH,
  OPT_READ_ONLY_PATH,
  OPT_NO_DEFAULT_PATHS,
  OPT_ROOTFS_PROPAGATION,
  OPT_GROUPS,
  OPT_NEW_PRIVILEGES,
  OPT_CAPS_EFFECTIVE,
  OPT_CAPS_PERMITTED,
  OPT_CAPS_INHERITABLE,
  OPT_CAPS_AMBIENT,
  OPT_CONSOLE_SIZE,
  OPT_DEVICE,
  OPT_JOIN_NS,
  OPT_SHARE_UTS,
  OPT_SHARE_IPC,
  OPT_SHARE_PID,
  OPT_SHARE_USER,
  OPT_CGROUPNS,
  OPT_NO_READ_ONLY_TMPFS,
  OPT_START_HOOKS,
  OPT_DOMAINNAME,
  OPT_UMASK,
  OPT_HELP,
  OPT_VERSION,
};

static const struct option long_options[] = {
  { "rootfs", required_argument, NULL, OPT_ROOTFS },
  { "hostname", required_argument, NULL, OPT_HOSTNAME },
  { "cwd", required_argument, NULL, OPT_CWD },
  { "env", required_argument, NULL, OPT_ENV },
  { "share-net", no_argument, NULL, OPT_SHARE_NET },
  { "read-only", no_argument, NULL, OPT_READ_ONLY },
  { "info-fd", required_argument, NULL, OPT_INFO_FD },
  { "block-fd", required_argument, NULL, OPT_BLOCK_FD },
  { "no-idmap", no_argument, NULL, OPT_NO_IDMAP },
  { "tty", no_argument, NULL, OPT_TTY },
  { "interactive", no_argument, NULL, OPT_INTERACTIVE },
  { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
  { "detach", no_argument, NULL, OPT_DETACH },
  { "exec-gate-fd", required_argument, NULL, OPT_EXEC_GATE_FD },
  { "engine-rootfs", no_argument, NULL, OPT_ENGINE_ROOTFS },
  { "only-given-mounts", no_argument, NULL, OPT_ONLY_GIVEN_MOUNTS },
  { "bind-file", required_argument, NULL, OPT_BIND_FILE },
  { "bind", required_argument, NULL, OPT_BIND },
  { "ro-bind", required_argument, NULL, OPT_RO_BIND },
  { "tmpfs", required_argument, NULL, OPT_TMPFS },
  { "make-mount-points", no_argument, NULL, OPT_MAKE_MOUNT_POINTS },
  { "overlay", required_argument, NULL, OPT_OVERLAY },
  { "overlay-driver", required_argument, NULL, OPT_OVERLAY_DRIVER },
  { "user", required_argument, NULL, OPT_USER },
  { "caps", required_argument, NULL, OPT_CAPS },
  { "privileged", no_argument, NULL, OPT_PRIVILEGED },
  { "seccomp", required_argument, NULL, OPT_SECCOMP },
  { "mount-fs", required_argument, NULL, OPT_MOUNT_FS },
  { "mount-options", required_argument, NULL, OPT_MOUNT_OPTIONS },
  { "rlimit", required_argument, NULL, OPT_RLIMIT },
  { "oom-score-adj", required_argument, NULL, OPT_OOM_SCORE_ADJ },
  { "sysctl", required_argument, NULL, OPT_SYSCTL },
  { "masked-path", required_argument, NULL, OPT_MASKED_PATH },
  { "read-only-path", required_argument, NULL, OPT_READ_ONLY_PATH },
  { "no-default-paths", no_argument, NULL, OPT_NO_DEFAULT_PATHS },
  { "rootfs-propagation", required_argument, NULL, OPT_ROOTFS_PROPAGATION },
  { "groups", required_argument, NULL, OPT_GROUPS },
  { "new-privileges", no_argument, NULL, OPT_NEW_PRIVILEGES },
  { "caps-effective", required_argument, NULL, OPT_CAPS_EFFECTIVE },
  { "caps-permitted", required_argument, NULL, OPT_CAPS_PERMITTED },
  { "caps-inheritable", required_argument, NULL, OPT_CAPS_INHERITABLE },
  { "caps-ambient", required_argument, NULL, OPT_CAPS_AMBIENT },
  { "console-size", required_argument, NULL, OPT_CONSOLE_SIZE },
  { "device", required_argument, NULL, OPT_DEVICE },
  { "join-ns", required_argument, NULL, OPT_JOIN_NS },
  { "share-uts", no_argument, NULL, OPT_SHARE_UTS },
  { "share-ipc", no_argument, NULL, OPT_SHARE_IPC },
  { "share-pid", no_argument, NULL, OPT_SHARE_PID },
  { "share-user", no_argument, NULL, OPT_SHARE_USER },
  { "cgroupns", no_argument, NULL, OPT_CGROUPNS },
  { "no-read-only-tmpfs", no_argument, NULL, OPT_NO_READ_ONLY_TMPFS },
  { "start-hooks", required_argument, NULL, OPT_START_HOOKS },
  { "domainname", required_argument, NULL, OPT_DOMAINNAME },
  { "umask", required_argument, NULL, OPT_UMASK },
  { "help", no_argument, NULL, OPT_HELP },
  { "version", no_argument, NULL, OPT_VERSION },
  { NULL, 0, NULL, 0 },
};

void
options_print_help (FILE *out)
{
  fputs ("Usage: " PROGRAM_NAME " [OPTIONS] --rootfs DIR -- PROGRAM [ARGS...]\n"
         "\n"
         "Run PROGRAM in new user, mount, PID, UTS, IPC and network namespaces,\n"
         "with DIR as its root filesystem, under a minimal init (PID 1).\n"
         "\n"
         "  --rootfs DIR      root filesystem (required); must contain proc/ and dev/\n"
         "  --hostname NAME   hostname in the container (default: " DEFAULT_HOSTNAME ")\n"
         "  --cwd DIR         absolute working directory in the container (default: /)\n"
         "  --env KEY=VALUE   environment variable of PROGRAM, added to the helper's own\n"
         "                    environment (which PROGRAM inherits: start the helper with\n"
         "                    exactly the environment PROGRAM should get, as env -i does).\n"
         "                    A PROGRAM without '/' is looked up in the container in that\n"
         "                    PATH, by default " DEFAULT_PATH "\n"
         "  --share-net       keep the host network (default: a new network namespace\n"
         "                    with only lo, up)\n"
         "  --read-only       mount the root filesystem read-only\n"
         "  --info-fd N       write JSON lines to fd N: {\"pid\": HOST_PID} once the\n"
         "                    container exists, {\"exec\": true} once PROGRAM runs,\n"
         "                    {\"exit\": CODE} at the end\n"
         "  --block-fd N      after the pid line, wait for one byte on fd N before\n"
         "                    running PROGRAM; EOF aborts\n"
         "  --no-idmap        do not write uid_map/gid_map, someone else does it before\n"
         "                    sending the byte (requires --block-fd)\n"
         "  --tty             give PROGRAM a terminal of the container's own devpts as\n"
         "                    its controlling terminal and stdio; its output is copied\n"
         "                    to stdout, its size follows our terminal's on SIGWINCH\n"
         "  --interactive     with --tty: copy stdin to the terminal, and put stdin's\n"
         "                    terminal in raw mode until the end\n"
         "  --console-socket PATH  with --tty: send the terminal's master over the unix\n"
         "                    socket PATH (SCM_RIGHTS) instead of copying it\n"
         "  --detach          exit 0 once PROGRAM runs (after sending the terminal with\n"
         "                    --console-socket); the init lives on, reparented to the\n"
         "                    nearest subreaper, and exits with PROGRAM's code\n"
         "  --exec-gate-fd N  once the container is set up (after --block-fd's byte),\n"
         "                    report {\"ready\": true} (with --console-socket, send the\n"
         "                    terminal then) and wait for one byte on N before PROGRAM\n"
         "  --bind-file SRC DEST  bind the host file SRC over DEST in the container;\n"
         "                    repeatable. DEST must exist in the rootfs. SRC is opened\n"
         "                    before the pid line, so it may be removed after it\n"
         "  --bind SRC:DEST   bind the host path SRC (file or folder) on DEST; repeatable\n"
         "  --ro-bind SRC:DEST  the same, read-only\n"
         "  --tmpfs DEST[:OPTS]  a tmpfs on DEST (default mode=1777,nosuid,nodev)\n"
         "  --make-mount-points  create missing mount points (only with --overlay: never\n"
         "                    written into DIR otherwise)\n"
         "  --engine-rootfs   DIR is an OCI engine's container layer (ryouiki-runtime):\n"
         "                    missing mount points are created in it, as runc does\n"
         "  --only-given-mounts  the --bind, --tmpfs and --mount-fs mounts are the whole\n"
         "                    list, in order (a bundle's): no /proc, /dev or /sys of our\n"
         "                    own; /dev's nodes and links are added after them, if missing\n"
         "  --overlay STATE   copy-on-write root: DIR is the lower layer, writes go to\n"
         "                    STATE/upper (STATE holds empty upper/, work/ and merged/)\n"
         "  --overlay-driver D  auto (default: the kernel's overlayfs, else fuse-overlayfs)\n"
         "                    or fuse-overlayfs\n"
         "  --user UID:GID    run PROGRAM as this user, without supplementary groups\n"
         "  --caps LIST       capabilities PROGRAM keeps: numbers N,N,... or all (default:\n"
         "                    podman's CHOWN DAC_OVERRIDE FOWNER FSETID KILL\n"
         "                    NET_BIND_SERVICE SETFCAP SETGID SETPCAP SETUID SYS_CHROOT)\n"
         "  --privileged      all capabilities, no masked paths, no no_new_privs\n"
         "  --seccomp FILE    a seccomp filter: FILE holds its rules, one a line (see\n"
         "                    README.md); read before the container starts\n"
         "\n"
         "For OCI bundles:\n"
         "  --mount-fs TYPE:DEST  mount a proc, sysfs, mqueue, devpts or tmpfs on DEST\n"
         "                    (missing mount points are created only under /dev)\n"
         "  --mount-options OPTS  options of the mount given just before: flags (ro,\n"
         "                    nosuid, nodev, noexec, atime options), bind (not the mounts\n"
         "                    below the source) and the filesystem's data (size=1m)\n"
         "  --rlimit RLIMIT_NAME=SOFT:HARD  a resource limit (a number or unlimited)\n"
         "  --oom-score-adj N  the OOM score adjustment, from -1000 to 1000\n"
         "  --sysctl KEY=VALUE  a namespaced kernel parameter (net.ipv4.ip_forward=1)\n"
         "  --masked-path P   hide P; with --read-only-path P, replace the default lists\n"
         "  --read-only-path P  make P read-only\n"
         "  --no-default-paths  neither mask nor protect the default paths\n"
         "  --rootfs-propagation MODE  private (default), rprivate, slave, rslave,\n"
         "                    shared, rshared, unbindable or runbindable\n"
         "  --groups G,G,...  supplementary groups of the command (\"\" for none)\n"
         "  --new-privileges  do not set no_new_privs\n"
         "  --caps-effective LIST, --caps-permitted LIST, --caps-inheritable LIST,\n"
         "  --caps-ambient LIST  set each capability set as given (--caps: the\n"
         "                    bounding set), also for a user other than 0\n"
         "  --console-size ROWSxCOLUMNS  the terminal's size at the start, with --tty\n"
         "  --device PATH     bind the host device node PATH (under /dev) at PATH\n"
         "  --join-ns TYPE:PATH  join the namespace at PATH instead of making one (user,\n"
         "                    pid, uts, ipc, network, cgroup)\n"
         "  --share-uts, --share-ipc  keep the host's UTS or IPC namespace\n"
         "  --share-pid       keep the host's PID namespace: the init reaps the orphans\n"
         "                    and kills what is left when the command ends\n"
         "  --share-user      no user namespace of its own: the host's ids (only as root,\n"
         "                    as runc runs a config without one)\n"
         "  --cgroupns        a new cgroup namespace\n"
         "  --no-read-only-tmpfs  with --read-only: no writable tmpfs on /tmp and /run\n"
         "  --start-hooks FILE  OCI startContainer hooks to run in the container before\n"
         "                    PROGRAM (FILE: see start-hooks.h), read after the start byte\n"
         "  --domainname NAME  the NIS domain name of the container's UTS namespace\n"
         "  --umask MODE      the command's umask, octal (default: the helper's)\n"
         "  --help            show this help and exit\n"
         "  --version         show the version and exit\n"
         "\n"
         "Exit status: PROGRAM's, or 128+N if signal N killed it; 125 if the container\n"
         "could not be set up, 126 if PROGRAM cannot be executed, 127 if not found.\n",
         out);
}

static __attribute__ ((format (printf, 3, 4))) enum options_result
error_result (char *error, size_t error_size, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  vsnprintf (error, error_size, format, args);
  va_end (args);
  return OPTIONS_ERROR;
}

int
parse_fd_number (const char *text, int *fd)
{
  char *end;
  long number;

  if (!isdigit ((unsigned char) text[0]))
    return -1;
  errno = 0;
  number = strtol (text, &end, 10);
  if (errno != 0 || *end != '\0' || number > INT_MAX)
    return -1;
  *fd = (int) number;
  return 0;
}

int
parse_capability_list (const char *text, uint64_t *caps)
{
  uint64_t set = 0;

  if (strcmp (text, "all") == 0)
    {
      *caps = UINT64_MAX;
      return 0;
    }
  while (*text != '\0')
    {
      char *end;
      long number;

      if (!isdigit ((unsigned char) *text))
        return -1;
      number = strtol (text, &end, 10);
      if (number > 63 || (*end != ',' && *end != '\0'))
        return -1;
      set |= UINT64_C (1) << number;
      text = *end == ',' ? end + 1 : end;
    }
  *caps = set;
  return 0;
}

uint64_t
default_capabilities (void)
{
  static const int names[] = {
    CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_NET_BIND_SERVICE,
    CAP_SETFCAP, CAP_SETGID, CAP_SETPCAP, CAP_SETUID, CAP_SYS_CHROOT,
  };
  uint64_t set = 0;

  for (size_t i = 0; i < N_ELEMENTS (names); i++)
    set |= UINT64_C (1) << names[i];
  return set;
}

static int
parse_id (const char *text, const char **end, unsigned *id)
{
  char *stop;
  unsigned long number;

  if (!isdigit ((unsigned char) text[0]))
    return -1;
  errno = 0;
  number = strtoul (text, &stop, 10);
  if (errno != 0 || number >= UINT32_MAX)
    return -1;
  *id = (unsigned) number;
  *end = stop;
  return 0;
}

int
parse_user (const char *text, uid_t *uid, gid_t *gid)
{
  unsigned u, g;
  const char *end;

  if (parse_id (text, &end, &u) < 0 || *end != ':')
    return -1;
  if (parse_id (end + 1, &end, &g) < 0 || *end != '\0')
    return -1;
  *uid = u;
  *gid = g;
  return 0;
}

int
parse_bind (char *text, struct volume *volume)
{
  char *colon = strchr (text, ':');

  if (colon == NULL || colon == text || colon[1] != '/')
    return -1;
  *colon = '\0';
  *volume = (struct volume) { .kind = VOLUME_BIND, .source = text, .destination = colon + 1 };
  return 0;
}

int
parse_tmpfs (char *text, struct volume *volume)
{
  char *colon = strchr (text, ':');

  if (text[0] != '/')
    return -1;
  if (colon != NULL)
    *colon = '\0';
  *volume = (struct volume) { .kind = VOLUME_TMPFS, .destination = text,
                              .data = colon != NULL && colon[1] != '\0' ? colon + 1 : NULL };
  return 0;
}

static enum options_result
add_volume (struct options *opts, int option, char *arg, char *error, size_t error_size)
{
  struct volume *volume = &opts->volumes[opts->n_volumes];

  if (option == OPT_TMPFS)
    {
      if (parse_tmpfs (arg, volume) < 0)
        return error_result (error, error_size, "--tmpfs: %s: not DEST[:OPTIONS] with an absolute DEST", arg);
    }
  else
    {
      if (parse_bind (arg, volume) < 0)
        return error_result (error, error_size, "--%s: %s: not SOURCE:DEST with an absolute DEST",
                             option == OPT_BIND ? "bind" : "ro-bind", arg);
      volume->read_only = option == OPT_RO_BIND;
    }
  opts->n_volumes++;
  return OPTIONS_RUN;
}

static void
add_env (struct options *opts, char *assignment)
{
  size_t key_length = (size_t) (strchr (assignment, '=') - assignment) + 1;

  for (size_t i = 0; i < opts->n_env; i++)
    if (strncmp (opts->env[i], assignment, key_length) == 0)
      {
        opts->env[i] = assignment;
        return;
      }
  opts->env[opts->n_env++] = assignment;
}

const char *
options_search_path (const struct options *opts)
{
  for (size_t i = 0; i < opts->n_env; i++)
    if (strncmp (opts->env[i], "PATH=", 5) == 0)
      return opts->env[i] + 5;
  return DEFAULT_PATH;
}

static enum options_result
parse_fd_option (const char *name, const char *arg, int *fd, char *error, size_t error_size)
{
  if (parse_fd_number (arg, fd) < 0)
    return error_result (error, error_size, "--%s: %s: not a file descriptor number", name, arg);
  /* They become close-on-exec, so they must not be the command's stdio. */
  if (*fd <= 2)
    return error_result (error, error_size, "--%s: %s: 0, 1 and 2 are the command's stdio, use 3 or more",
                         name, arg);
  return OPTIONS_RUN;
}

/* The option's second argument is the next word of argv. */
static enum options_result
add_bind_file (struct options *opts, char *source, int argc, char **argv, char *error, size_t error_size)
{
  char *destination;

  if (optind >= argc)
    return error_result (error, error_size, "--bind-file: %s: needs a destination: --bind-file SRC DEST", source);
  destination = argv[optind++];
  if (destination[0] != '/')
    return error_result (error, error_size, "--bind-file: %s: not an absolute path", destination);
  opts->bind_files[opts->n_bind_files++] = (struct bind_file) { .source = source, .destination = destination, .fd = -1 };
  return OPTIONS_RUN;
}

int
parse_group_list (const char *text, gid_t *groups, size_t *n_groups)
{
  size_t n = 0;

  while (*text != '\0')
    {
      unsigned id;
      const char *end;

      if (parse_id (text, &end, &id) < 0 || (*end != ',' && *end != '\0'))
        return -1;
      groups[n++] = id;
      text = *end == ',' ? end + 1 : end;
    }
  *n_groups = n;
  return 0;
}

int
parse_console_size (const char *text, unsigned short *rows, unsigned short *columns)
{
  unsigned r, c;
  const char *end;

  if (parse_id (text, &end, &r) < 0 || *end != 'x' || r > 65535)
    return -1;
  if (parse_id (end + 1, &end, &c) < 0 || *end != '\0' || c > 65535)
    return -1;
  *rows = (unsigned short) r;
  *columns = (unsigned short) c;
  return 0;
}

static enum options_result
add_mount_fs (struct options *opts, char *arg, char *error, size_t error_size)
{
  static const char *const types[] = { "proc", "sysfs", "mqueue", "devpts", "tmpfs" };
  char *colon = strchr (arg, ':');
  bool known = false;

  if (colon != NULL)
    *colon = '\0';
  for (size_t i = 0; i < N_ELEMENTS (types); i++)
    known = known || strcmp (arg, types[i]) == 0;
  if (!known || colon == NULL || colon[1] != '/')
    return error_result (error, error_size, "--mount-fs: %s: not TYPE:DEST with TYPE proc, sysfs, mqueue, devpts or tmpfs and an absolute DEST", arg);
  opts->volumes[opts->n_volumes++] = (struct volume) { .kind = VOLUME_FS, .fstype = arg, .destination = colon + 1, .source = arg };
  return OPTIONS_RUN;
}

/* The options apply to the mount given just before; the data is written back over arg. */
static enum options_result
set_mount_options (struct options *opts, char *arg, char *error, size_t error_size)
{
  struct volume *volume = opts->n_volumes > 0 ? &opts->volumes[opts->n_volumes - 1] : NULL;
  char data[1024];

  if (volume == NULL)
    return error_result (error, error_size, "--mount-options: %s: give it after the mount it is for", arg);
  if (parse_mount_options (arg, &volume->flags, &volume->non_recursive, data, sizeof data) < 0)
    return error_result (error, error_size, "--mount-options: %s: too long", arg);
  if (volume->kind == VOLUME_BIND && data[0] != '\0')
    return error_result (error, error_size, "--mount-options: %s: not an option of a bind mount", data);
  strcpy (arg, data);
  volume->data = arg[0] != '\0' ? arg : NULL;
  volume->read_only = volume->read_only || (volume->flags & MS_RDONLY) != 0;
  return OPTIONS_RUN;
}

static enum options_result
set_capability_set (struct options *opts, int option, const char *arg, char *error, size_t error_size)
{
  uint64_t *sets[] = { &opts->caps_effective, &opts->caps_permitted, &opts->caps_inheritable, &opts->caps_ambient };

  if (parse_capability_list (arg, sets[option - OPT_CAPS_EFFECTIVE]) < 0)
    return error_result (error, error_size, "%s: not all, or numbers from 0 to 63 separated by commas", arg);
  opts->exact_caps = true;
  return OPTIONS_RUN;
}

/* The options of OCI bundles (see the help, "For OCI bundles"). */
static enum options_result
apply_bundle_option (struct options *opts, int option, char *arg, char *error, size_t error_size)
{
  switch (option)
    {
    case OPT_MOUNT_FS:
      return add_mount_fs (opts, arg, error, error_size);
    case OPT_MOUNT_OPTIONS:
      return set_mount_options (opts, arg, error, error_size);
    case OPT_RLIMIT:
      if (parse_rlimit (arg, &opts->rlimits[opts->n_rlimits]) < 0)
        return error_result (error, error_size, "--rlimit: %s: not RLIMIT_NAME=SOFT:HARD with SOFT at most HARD", arg);
      opts->n_rlimits++;
      return OPTIONS_RUN;
    case OPT_OOM_SCORE_ADJ:
      if (parse_oom_score_adj (arg, &opts->oom_score_adj) < 0)
        return error_result (error, error_size, "--oom-score-adj: %s: not a number from -1000 to 1000", arg);
      opts->has_oom_score_adj = true;
      return OPTIONS_RUN;
    case OPT_SYSCTL:
      {
        char path[512];

        if (strchr (arg, '=') == NULL || sysctl_path (arg, path, sizeof path) < 0)
          return error_result (error, error_size, "--sysctl: %s: not KEY=VALUE with a KEY such as net.ipv4.ip_forward", arg);
        opts->sysctls[opts->n_sysctls++] = arg;
        return OPTIONS_RUN;
      }
    case OPT_MASKED_PATH:
    case OPT_READ_ONLY_PATH:
      if (arg[0] != '/')
        return error_result (error, error_size, "%s: not an absolute path", arg);
      if (option == OPT_MASKED_PATH)
        opts->masked_paths[opts->n_masked_paths++] = arg;
      else
        opts->read_only_paths[opts->n_read_only_paths++] = arg;
      opts->no_default_paths = true;
      return OPTIONS_RUN;
    case OPT_NO_DEFAULT_PATHS:
      opts->no_default_paths = true;
      return OPTIONS_RUN;
    case OPT_ROOTFS_PROPAGATION:
      if (parse_propagation (arg, &opts->rootfs_propagation) < 0)
        return error_result (error, error_size, "--rootfs-propagation: %s: use private, rprivate, slave, rslave, shared, rshared, unbindable or runbindable", arg);
      return OPTIONS_RUN;
    case OPT_GROUPS:
      free (opts->groups);
      opts->groups = calloc (strlen (arg) / 2 + 1, sizeof *opts->groups);
      if (opts->groups == NULL)
        return error_result (error, error_size, "out of memory");
      if (parse_group_list (arg, opts->groups, &opts->n_groups) < 0)
        return error_result (error, error_size, "--groups: %s: not group ids separated by commas", arg);
      opts->has_groups = true;
      return OPTIONS_RUN;
    case OPT_NEW_PRIVILEGES:
      opts->new_privileges = true;
      return OPTIONS_RUN;
    case OPT_CAPS_EFFECTIVE:
    case OPT_CAPS_PERMITTED:
    case OPT_CAPS_INHERITABLE:
    case OPT_CAPS_AMBIENT:
      return set_capability_set (opts, option, arg, error, error_size);
    case OPT_CONSOLE_SIZE:
      if (parse_console_size (arg, &opts->console_rows, &opts->console_columns) < 0)
        return error_result (error, error_size, "--console-size: %s: not ROWSxCOLUMNS", arg);
      return OPTIONS_RUN;
    case OPT_DEVICE:
      if (strncmp (arg, "/dev/", 5) != 0)
        return error_result (error, error_size, "--device: %s: not a path under /dev", arg);
      opts->devices[opts->n_devices++] = arg;
      return OPTIONS_RUN;
    case OPT_JOIN_NS:
      if (parse_namespace_join (arg, &opts->joins[opts->n_joins]) < 0)
        return error_result (error, error_size, "--join-ns: %s: not TYPE:PATH with TYPE user, mount, pid, uts, ipc, network or cgroup", arg);
      opts->n_joins++;
      return OPTIONS_RUN;
    case OPT_SHARE_UTS:
      opts->share_uts = true;
      return OPTIONS_RUN;
    case OPT_SHARE_IPC:
      opts->share_ipc = true;
      return OPTIONS_RUN;
    case OPT_SHARE_PID:
      opts->share_pid = true;
      return OPTIONS_RUN;
    case OPT_SHARE_USER:
      opts->share_user = true;
      return OPTIONS_RUN;
    case OPT_CGROUPNS:
      opts->new_cgroupns = true;
      return OPTIONS_RUN;
    case OPT_NO_READ_ONLY_TMPFS:
      opts->no_read_only_tmpfs = true;
      return OPTIONS_RUN;
    case OPT_START_HOOKS:
      opts->start_hooks_file = arg;
      return OPTIONS_RUN;
    case OPT_DOMAINNAME:
      if (strlen (arg) > 64)
        return error_result (error, error_size, "--domainname: %s: longer than 64 bytes", arg);
      opts->domainname = arg;
      return OPTIONS_RUN;
    case OPT_UMASK:
      {
        char *end;
        long mode = strtol (arg, &end, 8);

        if (arg[0] == '\0' || *end != '\0' || mode < 0 || mode > 0777)
          return error_result (error, error_size, "--umask: %s: not an octal mode from 0 to 0777", arg);
        opts->umask = (int) mode;
        return OPTIONS_RUN;
      }
    default:
      return error_result (error, error_size, "unexpected option %d", option);
    }
}

static enum options_result
apply_option (struct options *opts, int option, char *arg, char *error, size_t error_size)
{
  switch (option)
    {
    case OPT_ROOTFS:
      opts->rootfs = arg;
      return OPTIONS_RUN;
    case OPT_HOSTNAME:
      if (strlen (arg) > HOST_NAME_MAX)
        return error_result (error, error_size, "--hostname: %s: longer than %d bytes", arg, HOST_NAME_MAX);
      opts->hostname = arg;
      return OPTIONS_RUN;
    case OPT_CWD:
      if (arg[0] != '/')
        return error_result (error, error_size, "--cwd: %s: not an absolute path", arg);
      opts->cwd = arg;
      return OPTIONS_RUN;
    case OPT_ENV:
      if (arg[0] == '=' || strchr (arg, '=') == NULL)
        return error_result (error, error_size, "--env: %s: not KEY=VALUE", arg);
      add_env (opts, arg);
      return OPTIONS_RUN;
    case OPT_SHARE_NET:
      opts->share_net = true;
      return OPTIONS_RUN;
    case OPT_READ_ONLY:
      opts->read_only = true;
      return OPTIONS_RUN;
    case OPT_INFO_FD:
      return parse_fd_option ("info-fd", arg, &opts->info_fd, error, error_size);
    case OPT_BLOCK_FD:
      return parse_fd_option ("block-fd", arg, &opts->block_fd, error, error_size);
    case OPT_NO_IDMAP:
      opts->no_idmap = true;
      return OPTIONS_RUN;
    case OPT_TTY:
      opts->tty = true;
      return OPTIONS_RUN;
    case OPT_INTERACTIVE:
      opts->interactive = true;
      return OPTIONS_RUN;
    case OPT_CONSOLE_SOCKET:
      opts->console_socket = arg;
      return OPTIONS_RUN;
    case OPT_DETACH:
      opts->detach = true;
      return OPTIONS_RUN;
    case OPT_EXEC_GATE_FD:
      return parse_fd_option ("exec-gate-fd", arg, &opts->exec_gate_fd, error, error_size);
    case OPT_ENGINE_ROOTFS:
      opts->engine_rootfs = true;
      opts->make_mount_points = true;
      return OPTIONS_RUN;
    case OPT_ONLY_GIVEN_MOUNTS:
      opts->only_given_mounts = true;
      return OPTIONS_RUN;
    case OPT_BIND:
    case OPT_RO_BIND:
    case OPT_TMPFS:
      return add_volume (opts, option, arg, error, error_size);
    case OPT_MAKE_MOUNT_POINTS:
      opts->make_mount_points = true;
      return OPTIONS_RUN;
    case OPT_OVERLAY:
      if (arg[0] != '/')
        return error_result (error, error_size, "--overlay: %s: not an absolute path", arg);
      opts->overlay_dir = arg;
      return OPTIONS_RUN;
    case OPT_OVERLAY_DRIVER:
      if (strcmp (arg, "auto") != 0 && strcmp (arg, "fuse-overlayfs") != 0)
        return error_result (error, error_size, "--overlay-driver: %s: use auto or fuse-overlayfs", arg);
      opts->overlay_fuse_only = strcmp (arg, "fuse-overlayfs") == 0;
      return OPTIONS_RUN;
    case OPT_USER:
      if (parse_user (arg, &opts->uid, &opts->gid) < 0)
        return error_result (error, error_size, "--user: %s: not UID:GID", arg);
      opts->has_user = true;
      return OPTIONS_RUN;
    case OPT_CAPS:
      if (parse_capability_list (arg, &opts->caps) < 0)
        return error_result (error, error_size, "--caps: %s: not all, or numbers from 0 to 63 separated by commas", arg);
      return OPTIONS_RUN;
    case OPT_PRIVILEGED:
      opts->privileged = true;
      opts->caps = UINT64_MAX;
      return OPTIONS_RUN;
    case OPT_SECCOMP:
      opts->seccomp_file = arg;
      return OPTIONS_RUN;
    case OPT_HELP:
      return OPTIONS_HELP;
    case OPT_VERSION:
      return OPTIONS_VERSION;
    default:
      return apply_bundle_option (opts, option, arg, error, error_size);
    }
}

static enum options_result
check_complete (struct options *opts, int argc, char **argv, char *error, size_t error_size)
{
  if (opts->rootfs == NULL)
    return error_result (error, error_size, "--rootfs is required (see --help)");
  if (optind >= argc)
    return error_result (error, error_size,
                         "no command given: usage: " PROGRAM_NAME
                         " [OPTIONS] --rootfs DIR -- PROGRAM [ARGS...]");
  if (opts->no_idmap && opts->block_fd < 0)
    return error_result (error, error_size,
                         "--no-idmap requires --block-fd (the id maps must be written before the start byte)");
  if (opts->console_socket != NULL && !opts->tty)
    return error_result (error, error_size, "--console-socket requires --tty (it hands out the terminal's master)");
  if (opts->detach && opts->overlay_dir != NULL)
    return error_result (error, error_size, "--detach with --overlay: nobody would empty the overlay's layers (the helper does, after the init)");
  if (opts->detach && opts->tty && opts->console_socket == NULL)
    return error_result (error, error_size, "--detach with --tty requires --console-socket (nobody would copy the terminal)");
  if (opts->share_user && geteuid () != 0)
    return error_result (error, error_size,
                         "--share-user: only root may run a container in the host's user namespace");
  if (opts->make_mount_points && opts->overlay_dir == NULL && !opts->engine_rootfs)
    return error_result (error, error_size,
                         "--make-mount-points requires --overlay (the rootfs itself is never written)");
  opts->command = argv + optind;
  return OPTIONS_RUN;
}

static size_t
count_strings (char **strings)
{
  size_t n = 0;

  while (strings != NULL && strings[n] != NULL)
    n++;
  return n;
}

enum options_result
options_parse (struct options *opts, int argc, char **argv, char **envp, char *error,
               size_t error_size)
{
  size_t n_inherited = count_strings (envp);
  int option;

  *opts = (struct options) {
    .hostname = DEFAULT_HOSTNAME,
    .cwd = "/",
    .info_fd = -1,
    .block_fd = -1,
    .exec_gate_fd = -1,
    .caps = default_capabilities (),
    .umask = -1,
  };
  opts->env = calloc (n_inherited + (size_t) argc + 1, sizeof *opts->env);
  opts->bind_files = calloc ((size_t) argc + 1, sizeof *opts->bind_files);
  opts->volumes = calloc ((size_t) argc + 1, sizeof *opts->volumes);
  opts->rlimits = calloc ((size_t) argc + 1, sizeof *opts->rlimits);
  opts->sysctls = calloc ((size_t) argc + 1, sizeof *opts->sysctls);
  opts->masked_paths = calloc ((size_t) argc + 1, sizeof *opts->masked_paths);
  opts->read_only_paths = calloc ((size_t) argc + 1, sizeof *opts->read_only_paths);
  opts->devices = calloc ((size_t) argc + 1, sizeof *opts->devices);
  opts->joins = calloc ((size_t) argc + 1, sizeof *opts->joins);
  if (opts->env == NULL || opts->bind_files == NULL || opts->volumes == NULL || opts->rlimits == NULL
      || opts->sysctls == NULL || opts->masked_paths == NULL || opts->read_only_paths == NULL
      || opts->devices == NULL || opts->joins == NULL)
    return error_result (error, error_size, "out of memory");
  for (size_t i = 0; i < n_inherited; i++)
    if (strchr (envp[i], '=') != NULL)
      add_env (opts, envp[i]);

  optind = 0;                   /* 0, not 1: makes glibc reset its state, for repeated calls */
  opterr = 0;
  /* '+' stops at PROGRAM, whose own options are not ours; ':' tells a missing argument apart. */
  while ((option = getopt_long (argc, argv, "+:", long_options, NULL)) != -1)
    {
      enum options_result result;

      if (option == '?' && optopt > 0 && optopt < 256)
        return error_result (error, error_size, "-%c: unknown option (see --help)", optopt);
      if (option == '?')
        return error_result (error, error_size, "%s: unknown option (see --help)", argv[optind - 1]);
      if (option == ':')
        return error_result (error, error_size, "%s: needs an argument", argv[optind - 1]);
      if (option == OPT_BIND_FILE)
        result = add_bind_file (opts, optarg, argc, argv, error, error_size);
      else
        result = apply_option (opts, option, optarg, error, error_size);
      if (result != OPTIONS_RUN)
        return result;
    }
  return check_complete (opts, argc, argv, error, error_size);
}

void
options_free (struct options *opts)
{
  free (opts->env);
  opts->env = NULL;
  free (opts->bind_files);
  opts->bind_files = NULL;
  free (opts->volumes);
  opts->volumes = NULL;
  free (opts->seccomp_rules);
  opts->seccomp_rules = NULL;
  free (opts->rlimits);
  free (opts->sysctls);
  free (opts->masked_paths);
  free (opts->read_only_paths);
  free (opts->groups);
  free (opts->devices);
  free (opts->joins);
  opts->rlimits = NULL;
  opts->sysctls = NULL;
  opts->masked_paths = opts->read_only_paths = opts->devices = NULL;
  opts->groups = NULL;
  opts->joins = NULL;
}
