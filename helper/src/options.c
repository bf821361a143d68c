/* options.c: the command line of ryouiki-init, read through one table of flags. */
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
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mount.h>

/* What a flag's setter may need beyond its argument: the words after it, and where to
 * write the one-line error. */
struct parse_context
{
  int argc;
  char **argv;
  char *error;
  size_t error_size;
};

static __attribute__ ((format (printf, 2, 3))) enum options_result
error_result (struct parse_context *ctx, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  vsnprintf (ctx->error, ctx->error_size, format, args);
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
    CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FOWNER,  CAP_FSETID, CAP_KILL,       CAP_NET_BIND_SERVICE,
    CAP_SETFCAP, CAP_SETGID,       CAP_SETPCAP, CAP_SETUID, CAP_SYS_CHROOT,
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
parse_id_mapping (const char *text, struct id_mapping *mapping)
{
  unsigned inside, outside, count;
  const char *end;

  if (parse_id (text, &end, &inside) < 0 || *end != ':')
    return -1;
  if (parse_id (end + 1, &end, &outside) < 0 || *end != ':')
    return -1;
  if (parse_id (end + 1, &end, &count) < 0 || *end != '\0' || count == 0)
    return -1;
  *mapping = (struct id_mapping) { .inside = inside, .outside = outside, .count = count };
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
  *volume = (struct volume) { .kind = VOLUME_TMPFS,
                              .destination = text,
                              .data = colon != NULL && colon[1] != '\0' ? colon + 1 : NULL };
  return 0;
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

/* The setters of the flags that check or convert their argument (see flags[] below). */

static enum options_result
set_hostname (struct options *opts, char *arg, struct parse_context *ctx)
{
  if (strlen (arg) > HOST_NAME_MAX)
    return error_result (ctx, "--hostname: %s: longer than %d bytes", arg, HOST_NAME_MAX);
  opts->hostname = arg;
  return OPTIONS_RUN;
}

static enum options_result
set_cwd (struct options *opts, char *arg, struct parse_context *ctx)
{
  if (arg[0] != '/')
    return error_result (ctx, "--cwd: %s: not an absolute path", arg);
  opts->cwd = arg;
  return OPTIONS_RUN;
}

static enum options_result
set_env (struct options *opts, char *arg, struct parse_context *ctx)
{
  if (arg[0] == '=' || strchr (arg, '=') == NULL)
    return error_result (ctx, "--env: %s: not KEY=VALUE", arg);
  add_env (opts, arg);
  return OPTIONS_RUN;
}

static enum options_result
set_engine_rootfs (struct options *opts, char *arg, struct parse_context *ctx)
{
  (void) arg, (void) ctx;
  opts->engine_rootfs = true;
  opts->make_mount_points = true;
  return OPTIONS_RUN;
}

/* The option's second argument is the next word of argv. */
static enum options_result
add_bind_file (struct options *opts, char *source, struct parse_context *ctx)
{
  char *destination;

  if (optind >= ctx->argc)
    return error_result (ctx, "--bind-file: %s: needs a destination: --bind-file SRC DEST", source);
  destination = ctx->argv[optind++];
  if (destination[0] != '/')
    return error_result (ctx, "--bind-file: %s: not an absolute path", destination);
  opts->bind_files[opts->n_bind_files++]
      = (struct bind_file) { .source = source, .destination = destination, .fd = -1 };
  return OPTIONS_RUN;
}

static enum options_result
add_id_mapping (struct id_mapping *maps, size_t *n_maps, const char *flag, char *arg, struct parse_context *ctx)
{
  if (parse_id_mapping (arg, &maps[*n_maps]) < 0)
    return error_result (ctx, "%s: %s: not CONTAINER:HOST:SIZE (decimal ids, SIZE at least 1)", flag, arg);
  (*n_maps)++;
  return OPTIONS_RUN;
}

static enum options_result
add_uid_map (struct options *opts, char *arg, struct parse_context *ctx)
{
  return add_id_mapping (opts->id_maps.uid, &opts->id_maps.n_uid, "--uid-map", arg, ctx);
}

static enum options_result
add_gid_map (struct options *opts, char *arg, struct parse_context *ctx)
{
  return add_id_mapping (opts->id_maps.gid, &opts->id_maps.n_gid, "--gid-map", arg, ctx);
}

static enum options_result
add_bind (struct options *opts, char *arg, struct parse_context *ctx)
{
  if (parse_bind (arg, &opts->volumes[opts->n_volumes]) < 0)
    return error_result (ctx, "--bind: %s: not SOURCE:DEST with an absolute DEST", arg);
  opts->n_volumes++;
  return OPTIONS_RUN;
}

static enum options_result
add_read_only_bind (struct options *opts, char *arg, struct parse_context *ctx)
{
  if (parse_bind (arg, &opts->volumes[opts->n_volumes]) < 0)
    return error_result (ctx, "--ro-bind: %s: not SOURCE:DEST with an absolute DEST", arg);
  opts->volumes[opts->n_volumes++].read_only = true;
  return OPTIONS_RUN;
}

static enum options_result
add_tmpfs (struct options *opts, char *arg, struct parse_context *ctx)
{
  if (parse_tmpfs (arg, &opts->volumes[opts->n_volumes]) < 0)
    return error_result (ctx, "--tmpfs: %s: not DEST[:OPTIONS] with an absolute DEST", arg);
  opts->n_volumes++;
  return OPTIONS_RUN;
}

static enum options_result
set_overlay (struct options *opts, char *arg, struct parse_context *ctx)
{
  if (arg[0] != '/')
    return error_result (ctx, "--overlay: %s: not an absolute path", arg);
  opts->overlay_dir = arg;
  return OPTIONS_RUN;
}

static enum options_result
add_overlay_lower (struct options *opts, char *arg, struct parse_context *ctx)
{
  if (arg[0] != '/')
    return error_result (ctx, "--overlay-lower: %s: not an absolute path", arg);
  if (opts->n_overlay_lowers >= MAX_OVERLAY_LOWERS)
    return error_result (ctx, "--overlay-lower: more than %d layers", MAX_OVERLAY_LOWERS);
  opts->overlay_lowers[opts->n_overlay_lowers++] = arg;
  return OPTIONS_RUN;
}

static enum options_result
set_overlay_driver (struct options *opts, char *arg, struct parse_context *ctx)
{
  if (strcmp (arg, "auto") != 0 && strcmp (arg, "fuse-overlayfs") != 0)
    return error_result (ctx, "--overlay-driver: %s: use auto or fuse-overlayfs", arg);
  opts->overlay_fuse_only = strcmp (arg, "fuse-overlayfs") == 0;
  return OPTIONS_RUN;
}

static enum options_result
set_user (struct options *opts, char *arg, struct parse_context *ctx)
{
  if (parse_user (arg, &opts->security.uid, &opts->security.gid) < 0)
    return error_result (ctx, "--user: %s: not UID:GID", arg);
  opts->security.has_user = true;
  return OPTIONS_RUN;
}

static enum options_result
set_caps (struct options *opts, char *arg, struct parse_context *ctx)
{
  if (parse_capability_list (arg, &opts->security.caps) < 0)
    return error_result (ctx, "--caps: %s: not all, or numbers from 0 to 63 separated by commas", arg);
  return OPTIONS_RUN;
}

static enum options_result
set_privileged (struct options *opts, char *arg, struct parse_context *ctx)
{
  (void) arg, (void) ctx;
  opts->security.privileged = true;
  opts->security.caps = UINT64_MAX;
  return OPTIONS_RUN;
}

static enum options_result
add_mount_fs (struct options *opts, char *arg, struct parse_context *ctx)
{
  static const char *const types[] = { "proc", "sysfs", "mqueue", "devpts", "tmpfs" };
  char *colon = strchr (arg, ':');
  bool known = false;

  if (colon != NULL)
    *colon = '\0';
  for (size_t i = 0; i < N_ELEMENTS (types); i++)
    known = known || strcmp (arg, types[i]) == 0;
  if (!known || colon == NULL || colon[1] != '/')
    return error_result (
        ctx, "--mount-fs: %s: not TYPE:DEST with TYPE proc, sysfs, mqueue, devpts or tmpfs and an absolute DEST", arg);
  opts->volumes[opts->n_volumes++]
      = (struct volume) { .kind = VOLUME_FS, .fstype = arg, .destination = colon + 1, .source = arg };
  return OPTIONS_RUN;
}

/* The options apply to the mount given just before; the data is written back over arg. */
static enum options_result
set_mount_options (struct options *opts, char *arg, struct parse_context *ctx)
{
  struct volume *volume = opts->n_volumes > 0 ? &opts->volumes[opts->n_volumes - 1] : NULL;
  char data[1024];

  if (volume == NULL)
    return error_result (ctx, "--mount-options: %s: give it after the mount it is for", arg);
  if (parse_mount_options (arg, &volume->flags, &volume->non_recursive, data, sizeof data) < 0)
    return error_result (ctx, "--mount-options: %s: too long", arg);
  if (volume->kind == VOLUME_BIND && data[0] != '\0')
    return error_result (ctx, "--mount-options: %s: not an option of a bind mount", data);
  strcpy (arg, data);
  volume->data = arg[0] != '\0' ? arg : NULL;
  volume->read_only = volume->read_only || (volume->flags & MS_RDONLY) != 0;
  return OPTIONS_RUN;
}

static enum options_result
add_rlimit (struct options *opts, char *arg, struct parse_context *ctx)
{
  if (parse_rlimit (arg, &opts->rlimits[opts->n_rlimits]) < 0)
    return error_result (ctx, "--rlimit: %s: not RLIMIT_NAME=SOFT:HARD with SOFT at most HARD", arg);
  opts->n_rlimits++;
  return OPTIONS_RUN;
}

static enum options_result
set_oom_score_adj (struct options *opts, char *arg, struct parse_context *ctx)
{
  if (parse_oom_score_adj (arg, &opts->oom_score_adj) < 0)
    return error_result (ctx, "--oom-score-adj: %s: not a number from -1000 to 1000", arg);
  opts->has_oom_score_adj = true;
  return OPTIONS_RUN;
}

static enum options_result
add_sysctl (struct options *opts, char *arg, struct parse_context *ctx)
{
  char path[512];

  if (strchr (arg, '=') == NULL || sysctl_path (arg, path, sizeof path) < 0)
    return error_result (ctx, "--sysctl: %s: not KEY=VALUE with a KEY such as net.ipv4.ip_forward", arg);
  opts->sysctls[opts->n_sysctls++] = arg;
  return OPTIONS_RUN;
}

/* A path given replaces the default lists of masked and read-only paths. */
static enum options_result
add_kernel_path (const char **paths, size_t *n_paths, struct options *opts, char *arg, struct parse_context *ctx)
{
  if (arg[0] != '/')
    return error_result (ctx, "%s: not an absolute path", arg);
  paths[(*n_paths)++] = arg;
  opts->no_default_paths = true;
  return OPTIONS_RUN;
}

static enum options_result
add_masked_path (struct options *opts, char *arg, struct parse_context *ctx)
{
  return add_kernel_path (opts->masked_paths, &opts->n_masked_paths, opts, arg, ctx);
}

static enum options_result
add_read_only_path (struct options *opts, char *arg, struct parse_context *ctx)
{
  return add_kernel_path (opts->read_only_paths, &opts->n_read_only_paths, opts, arg, ctx);
}

static enum options_result
set_rootfs_propagation (struct options *opts, char *arg, struct parse_context *ctx)
{
  if (parse_propagation (arg, &opts->rootfs_propagation) < 0)
    return error_result (
        ctx,
        "--rootfs-propagation: %s: use private, rprivate, slave, rslave, shared, rshared, unbindable or runbindable",
        arg);
  return OPTIONS_RUN;
}

static enum options_result
set_groups (struct options *opts, char *arg, struct parse_context *ctx)
{
  free (opts->security.groups);
  opts->security.groups = calloc (strlen (arg) / 2 + 1, sizeof *opts->security.groups);
  if (opts->security.groups == NULL)
    return error_result (ctx, "out of memory");
  if (parse_group_list (arg, opts->security.groups, &opts->security.n_groups) < 0)
    return error_result (ctx, "--groups: %s: not group ids separated by commas", arg);
  opts->security.has_groups = true;
  return OPTIONS_RUN;
}

static enum options_result
set_capability_set (uint64_t *set, struct options *opts, const char *arg, struct parse_context *ctx)
{
  if (parse_capability_list (arg, set) < 0)
    return error_result (ctx, "%s: not all, or numbers from 0 to 63 separated by commas", arg);
  opts->security.exact_caps = true;
  return OPTIONS_RUN;
}

static enum options_result
set_caps_effective (struct options *opts, char *arg, struct parse_context *ctx)
{
  return set_capability_set (&opts->security.caps_effective, opts, arg, ctx);
}

static enum options_result
set_caps_permitted (struct options *opts, char *arg, struct parse_context *ctx)
{
  return set_capability_set (&opts->security.caps_permitted, opts, arg, ctx);
}

static enum options_result
set_caps_inheritable (struct options *opts, char *arg, struct parse_context *ctx)
{
  return set_capability_set (&opts->security.caps_inheritable, opts, arg, ctx);
}

static enum options_result
set_caps_ambient (struct options *opts, char *arg, struct parse_context *ctx)
{
  return set_capability_set (&opts->security.caps_ambient, opts, arg, ctx);
}

static enum options_result
set_console_size (struct options *opts, char *arg, struct parse_context *ctx)
{
  if (parse_console_size (arg, &opts->terminal.console_rows, &opts->terminal.console_columns) < 0)
    return error_result (ctx, "--console-size: %s: not ROWSxCOLUMNS", arg);
  return OPTIONS_RUN;
}

static enum options_result
add_device (struct options *opts, char *arg, struct parse_context *ctx)
{
  if (strncmp (arg, "/dev/", 5) != 0)
    return error_result (ctx, "--device: %s: not a path under /dev", arg);
  opts->devices[opts->n_devices++] = arg;
  return OPTIONS_RUN;
}

static enum options_result
add_join_ns (struct options *opts, char *arg, struct parse_context *ctx)
{
  if (parse_namespace_join (arg, &opts->joins[opts->n_joins]) < 0)
    return error_result (ctx, "--join-ns: %s: not TYPE:PATH with TYPE user, mount, pid, uts, ipc, network or cgroup",
                         arg);
  opts->n_joins++;
  return OPTIONS_RUN;
}

static enum options_result
set_domainname (struct options *opts, char *arg, struct parse_context *ctx)
{
  if (strlen (arg) > 64)
    return error_result (ctx, "--domainname: %s: longer than 64 bytes", arg);
  opts->domainname = arg;
  return OPTIONS_RUN;
}

static enum options_result
set_umask (struct options *opts, char *arg, struct parse_context *ctx)
{
  char *end;
  long mode = strtol (arg, &end, 8);

  if (arg[0] == '\0' || *end != '\0' || mode < 0 || mode > 0777)
    return error_result (ctx, "--umask: %s: not an octal mode from 0 to 0777", arg);
  opts->umask = (int) mode;
  return OPTIONS_RUN;
}

static enum options_result
ask_for_help (struct options *opts, char *arg, struct parse_context *ctx)
{
  (void) opts, (void) arg, (void) ctx;
  return OPTIONS_HELP;
}

static enum options_result
ask_for_version (struct options *opts, char *arg, struct parse_context *ctx)
{
  (void) opts, (void) arg, (void) ctx;
  return OPTIONS_VERSION;
}

typedef enum options_result flag_setter (struct options *opts, char *arg, struct parse_context *ctx);

enum flag_kind
{
  FLAG_HEADING, /* no flag: a heading of the help */
  FLAG_SWITCH,  /* sets the bool at field to true */
  FLAG_TEXT,    /* sets the const char * at field to its argument */
  FLAG_FD,      /* sets the int at field to its argument, a fd of 3 or more */
  FLAG_PARSED,  /* its setter checks its argument and sets what it stands for */
};

struct flag
{
  const char *name;     /* without the leading -- */
  const char *argument; /* as the help shows it; NULL: the flag takes none */
  enum flag_kind kind;
  size_t field;     /* FLAG_SWITCH, FLAG_TEXT, FLAG_FD: offsetof in struct options */
  flag_setter *set; /* FLAG_PARSED */
  const char *help; /* lines after the first are indented under it */
};

#define SWITCH(FIELD) FLAG_SWITCH, offsetof (struct options, FIELD), NULL
#define TEXT(FIELD) FLAG_TEXT, offsetof (struct options, FIELD), NULL
#define FD(FIELD) FLAG_FD, offsetof (struct options, FIELD), NULL
#define PARSED(SETTER) FLAG_PARSED, 0, SETTER
#define HEADING(TEXT)                                                                                                  \
  {                                                                                                                    \
    NULL, NULL, FLAG_HEADING, 0, NULL, TEXT                                                                            \
  }

static const struct flag flags[] = {
  { "rootfs", "DIR", TEXT (rootfs), "root filesystem (required); must contain proc/ and dev/" },
  { "hostname", "NAME", PARSED (set_hostname), "hostname in the container (default: " DEFAULT_HOSTNAME ")" },
  { "cwd", "DIR", PARSED (set_cwd), "absolute working directory in the container (default: /)" },
  { "env", "KEY=VALUE", PARSED (set_env),
    "environment variable of PROGRAM, added to the helper's own\n"
    "environment (which PROGRAM inherits: start the helper with\n"
    "exactly the environment PROGRAM should get, as env -i does).\n"
    "A PROGRAM without '/' is looked up in the container in that\n"
    "PATH, by default " DEFAULT_PATH },
  { "share-net", NULL, SWITCH (share_net),
    "keep the host network (default: a new network namespace\nwith only lo, up)" },
  { "read-only", NULL, SWITCH (read_only), "mount the root filesystem read-only" },
  { "info-fd", "N", FD (info_fd),
    "write JSON lines to fd N: {\"pid\": HOST_PID} once the\n"
    "container exists, {\"exec\": true} once PROGRAM runs,\n"
    "{\"exit\": CODE} at the end" },
  { "block-fd", "N", FD (block_fd),
    "after the pid line, wait for one byte on fd N before\nrunning PROGRAM; EOF aborts" },
  { "no-idmap", NULL, SWITCH (no_idmap),
    "do not write uid_map/gid_map, someone else does it before\nsending the byte (requires --block-fd)" },
  { "uid-map", "C:H:S", PARSED (add_uid_map),
    "map S uids from C in the container onto the host's from H;\n"
    "repeatable, with --gid-map. Written before the pid line\n"
    "with newuidmap (as root: directly) instead of uid 0 alone" },
  { "gid-map", "C:H:S", PARSED (add_gid_map), "the same for gids, with newgidmap" },
  { "newuidmap", "PATH", TEXT (id_maps.newuidmap), "the newuidmap to run (default: " DEFAULT_NEWUIDMAP ")" },
  { "newgidmap", "PATH", TEXT (id_maps.newgidmap), "the newgidmap to run (default: " DEFAULT_NEWGIDMAP ")" },
  { "id-map-fallback", NULL, SWITCH (id_maps.fallback),
    "if newuidmap fails, map uid 0 alone and report\n"
    "{\"warning\": TEXT} instead of failing (a gid map newgidmap\nwrote stays)" },
  { "tty", NULL, SWITCH (terminal.tty),
    "give PROGRAM a terminal of the container's own devpts as\n"
    "its controlling terminal and stdio; its output is copied\n"
    "to stdout, its size follows our terminal's on SIGWINCH" },
  { "interactive", NULL, SWITCH (terminal.interactive),
    "with --tty: copy stdin to the terminal, and put stdin's\nterminal in raw mode until the end" },
  { "console-socket", "PATH", TEXT (terminal.console_socket),
    "with --tty: send the terminal's master over the unix\nsocket PATH (SCM_RIGHTS) instead of copying it" },
  { "detach", NULL, SWITCH (detach),
    "exit 0 once PROGRAM runs (after sending the terminal with\n"
    "--console-socket); the init lives on, reparented to the\n"
    "nearest subreaper, and exits with PROGRAM's code" },
  { "exec-gate-fd", "N", FD (exec_gate_fd),
    "once the container is set up (after --block-fd's byte),\n"
    "report {\"ready\": true} (with --console-socket, send the\n"
    "terminal then) and wait for one byte on N before PROGRAM" },
  { "bind-file", "SRC DEST", PARSED (add_bind_file),
    "bind the host file SRC over DEST in the container;\n"
    "repeatable. DEST must exist in the rootfs. SRC is opened\n"
    "before the pid line, so it may be removed after it" },
  { "bind", "SRC:DEST", PARSED (add_bind), "bind the host path SRC (file or folder) on DEST; repeatable" },
  { "ro-bind", "SRC:DEST", PARSED (add_read_only_bind), "the same, read-only" },
  { "tmpfs", "DEST[:OPTS]", PARSED (add_tmpfs), "a tmpfs on DEST (default mode=1777,nosuid,nodev)" },
  { "make-mount-points", NULL, SWITCH (make_mount_points),
    "create missing mount points (only with --overlay: never\nwritten into DIR otherwise)" },
  { "engine-rootfs", NULL, PARSED (set_engine_rootfs),
    "DIR is an OCI engine's container layer (ryouiki-runtime):\nmissing mount points are created in it, as runc does" },
  { "only-given-mounts", NULL, SWITCH (only_given_mounts),
    "the --bind, --tmpfs and --mount-fs mounts are the whole\n"
    "list, in order (a bundle's): no /proc, /dev or /sys of our\n"
    "own; /dev's nodes and links are added after them, if missing" },
  { "overlay", "STATE", PARSED (set_overlay),
    "copy-on-write root: DIR is the lower layer, writes go to\nSTATE/upper (STATE holds empty upper/, work/ and "
    "merged/)" },
  { "overlay-lower", "DIR", PARSED (add_overlay_lower),
    "a further lower layer under the rootfs (repeatable, top\nfirst: an image's layers); only with --overlay" },
  { "overlay-keep-upper", NULL, SWITCH (overlay_keep_upper),
    "keep STATE/upper (the container's writes) once it has\nended; only work/ is emptied then" },
  { "overlay-driver", "D", PARSED (set_overlay_driver),
    "auto (default: the kernel's overlayfs, else fuse-overlayfs)\nor fuse-overlayfs" },
  { "user", "UID:GID", PARSED (set_user), "run PROGRAM as this user, without supplementary groups" },
  { "caps", "LIST", PARSED (set_caps),
    "capabilities PROGRAM keeps: numbers N,N,... or all (default:\n"
    "podman's CHOWN DAC_OVERRIDE FOWNER FSETID KILL\n"
    "NET_BIND_SERVICE SETFCAP SETGID SETPCAP SETUID SYS_CHROOT)" },
  { "privileged", NULL, PARSED (set_privileged), "all capabilities, no masked paths, no no_new_privs" },
  { "seccomp", "FILE", TEXT (seccomp_file),
    "a seccomp filter: FILE holds its rules, one a line (see\nREADME.md); read before the container starts" },
  { "seccomp-cache", "FILE", TEXT (seccomp_cache),
    "keep the filter of --seccomp compiled in FILE, and take it\nfrom there when FILE holds these rules' filter" },
  HEADING ("For OCI bundles:"),
  { "mount-fs", "TYPE:DEST", PARSED (add_mount_fs),
    "mount a proc, sysfs, mqueue, devpts or tmpfs on DEST\n(missing mount points are created only under /dev)" },
  { "mount-options", "OPTS", PARSED (set_mount_options),
    "options of the mount given just before: flags (ro,\n"
    "nosuid, nodev, noexec, atime options), bind (not the mounts\n"
    "below the source) and the filesystem's data (size=1m)" },
  { "rlimit", "RLIMIT_NAME=SOFT:HARD", PARSED (add_rlimit), "a resource limit (a number or unlimited)" },
  { "oom-score-adj", "N", PARSED (set_oom_score_adj), "the OOM score adjustment, from -1000 to 1000" },
  { "sysctl", "KEY=VALUE", PARSED (add_sysctl), "a namespaced kernel parameter (net.ipv4.ip_forward=1)" },
  { "masked-path", "P", PARSED (add_masked_path), "hide P; with --read-only-path P, replace the default lists" },
  { "read-only-path", "P", PARSED (add_read_only_path), "make P read-only" },
  { "no-default-paths", NULL, SWITCH (no_default_paths), "neither mask nor protect the default paths" },
  { "rootfs-propagation", "MODE", PARSED (set_rootfs_propagation),
    "private (default), rprivate, slave, rslave,\nshared, rshared, unbindable or runbindable" },
  { "groups", "G,G,...", PARSED (set_groups), "supplementary groups of the command (\"\" for none)" },
  { "new-privileges", NULL, SWITCH (security.new_privileges), "do not set no_new_privs" },
  { "caps-effective", "LIST", PARSED (set_caps_effective),
    "the effective set as given (--caps: the bounding set),\n"
    "also for a user other than 0; with any of the four --caps-*\n"
    "the others not given are empty" },
  { "caps-permitted", "LIST", PARSED (set_caps_permitted), "the permitted set, as --caps-effective" },
  { "caps-inheritable", "LIST", PARSED (set_caps_inheritable), "the inheritable set, as --caps-effective" },
  { "caps-ambient", "LIST", PARSED (set_caps_ambient), "the ambient set, as --caps-effective" },
  { "console-size", "ROWSxCOLUMNS", PARSED (set_console_size), "the terminal's size at the start, with --tty" },
  { "device", "PATH", PARSED (add_device), "bind the host device node PATH (under /dev) at PATH" },
  { "join-ns", "TYPE:PATH", PARSED (add_join_ns),
    "join the namespace at PATH instead of making one (user,\npid, uts, ipc, network, cgroup)" },
  { "share-uts", NULL, SWITCH (share_uts), "keep the host's UTS namespace" },
  { "share-ipc", NULL, SWITCH (share_ipc), "keep the host's IPC namespace" },
  { "share-pid", NULL, SWITCH (share_pid),
    "keep the host's PID namespace: the init reaps the orphans\nand kills what is left when the command ends" },
  { "share-user", NULL, SWITCH (share_user),
    "no user namespace of its own: the host's ids (only as root,\nas runc runs a config without one)" },
  { "cgroupns", NULL, SWITCH (new_cgroupns), "a new cgroup namespace" },
  { "no-read-only-tmpfs", NULL, SWITCH (no_read_only_tmpfs), "with --read-only: no writable tmpfs on /tmp and /run" },
  { "start-hooks", "FILE", TEXT (start_hooks_file),
    "OCI startContainer hooks to run in the container before\nPROGRAM (FILE: see start-hooks.h), read after the start "
    "byte" },
  { "domainname", "NAME", PARSED (set_domainname), "the NIS domain name of the container's UTS namespace" },
  { "umask", "MODE", PARSED (set_umask), "the command's umask, octal (default: the helper's)" },
  { "help", NULL, PARSED (ask_for_help), "show this help and exit" },
  { "version", NULL, PARSED (ask_for_version), "show the version and exit" },
};

#define HELP_COLUMN 20

static void
print_flag_help (FILE *out, const struct flag *flag)
{
  int width = fprintf (out, "  --%s%s%s", flag->name, flag->argument != NULL ? " " : "",
                       flag->argument != NULL ? flag->argument : "");

  fprintf (out, "%*s", width + 2 > HELP_COLUMN ? 2 : HELP_COLUMN - width, "");
  for (const char *line = flag->help; *line != '\0';)
    {
      size_t length = strcspn (line, "\n");

      fprintf (out, "%.*s\n", (int) length, line);
      line += length;
      if (*line == '\n' && *++line != '\0')
        fprintf (out, "%*s", HELP_COLUMN, "");
    }
}

void
options_print_help (FILE *out)
{
  fputs ("Usage: " PROGRAM_NAME " [OPTIONS] --rootfs DIR -- PROGRAM [ARGS...]\n"
         "\n"
         "Run PROGRAM in new user, mount, PID, UTS, IPC and network namespaces,\n"
         "with DIR as its root filesystem, under a minimal init (PID 1).\n"
         "\n",
         out);
  for (size_t i = 0; i < N_ELEMENTS (flags); i++)
    if (flags[i].kind == FLAG_HEADING)
      fprintf (out, "\n%s\n", flags[i].help);
    else
      print_flag_help (out, &flags[i]);
  fputs ("\n"
         "Exit status: PROGRAM's, or 128+N if signal N killed it; 125 if the container\n"
         "could not be set up, 126 if PROGRAM cannot be executed, 127 if not found.\n",
         out);
}

static enum options_result
parse_fd_option (const char *name, const char *arg, int *fd, struct parse_context *ctx)
{
  if (parse_fd_number (arg, fd) < 0)
    return error_result (ctx, "--%s: %s: not a file descriptor number", name, arg);
  /* They become close-on-exec, so they must not be the command's stdio. */
  if (*fd <= 2)
    return error_result (ctx, "--%s: %s: 0, 1 and 2 are the command's stdio, use 3 or more", name, arg);
  return OPTIONS_RUN;
}

static enum options_result
apply_flag (struct options *opts, const struct flag *flag, char *arg, struct parse_context *ctx)
{
  char *field = (char *) opts + flag->field;

  switch (flag->kind)
    {
    case FLAG_SWITCH:
      *(bool *) field = true;
      return OPTIONS_RUN;
    case FLAG_TEXT:
      *(const char **) field = arg;
      return OPTIONS_RUN;
    case FLAG_FD:
      return parse_fd_option (flag->name, arg, (int *) field, ctx);
    case FLAG_PARSED:
      return flag->set (opts, arg, ctx);
    case FLAG_HEADING:
    default:
      return error_result (ctx, "unexpected option %s", flag->name);
    }
}

/* getopt_long's table, made from flags[]: each option's value is FIRST_FLAG_VALUE plus its
 * row's index, above the '?' and ':' getopt_long returns for an error. */
#define FIRST_FLAG_VALUE 256

static void
fill_long_options (struct option *long_options)
{
  size_t n = 0;

  for (size_t i = 0; i < N_ELEMENTS (flags); i++)
    if (flags[i].kind != FLAG_HEADING)
      long_options[n++] = (struct option) {
        .name = flags[i].name,
        .has_arg = flags[i].argument != NULL ? required_argument : no_argument,
        .val = FIRST_FLAG_VALUE + (int) i,
      };
  long_options[n] = (struct option) { 0 };
}

static enum options_result
check_complete (struct options *opts, struct parse_context *ctx)
{
  if (opts->rootfs == NULL)
    return error_result (ctx, "--rootfs is required (see --help)");
  if (optind >= ctx->argc)
    return error_result (ctx, "no command given: usage: " PROGRAM_NAME " [OPTIONS] --rootfs DIR -- PROGRAM [ARGS...]");
  if (opts->no_idmap && opts->block_fd < 0)
    return error_result (ctx, "--no-idmap requires --block-fd (the id maps must be written before the start byte)");
  if ((opts->id_maps.n_uid > 0) != (opts->id_maps.n_gid > 0))
    return error_result (ctx, "--uid-map and --gid-map go together (the kernel takes each map once)");
  if (opts->id_maps.n_uid > 0 && (opts->no_idmap || opts->share_user || namespaces_joined_user (opts)))
    return error_result (ctx, "--uid-map: with --no-idmap, --share-user or --join-ns user there is no map to write");
  if (opts->id_maps.fallback && opts->id_maps.n_uid == 0)
    return error_result (ctx, "--id-map-fallback requires --uid-map");
  if (opts->terminal.console_socket != NULL && !opts->terminal.tty)
    return error_result (ctx, "--console-socket requires --tty (it hands out the terminal's master)");
  if (opts->detach && opts->overlay_dir != NULL)
    return error_result (
        ctx, "--detach with --overlay: nobody would empty the overlay's layers (the helper does, after the init)");
  if (opts->detach && opts->terminal.tty && opts->terminal.console_socket == NULL)
    return error_result (ctx, "--detach with --tty requires --console-socket (nobody would copy the terminal)");
  if (opts->share_user && geteuid () != 0)
    return error_result (ctx, "--share-user: only root may run a container in the host's user namespace");
  if (opts->n_overlay_lowers > 0 && opts->overlay_dir == NULL)
    return error_result (ctx, "--overlay-lower requires --overlay");
  if (opts->overlay_keep_upper && opts->overlay_dir == NULL)
    return error_result (ctx, "--overlay-keep-upper requires --overlay");
  if (opts->make_mount_points && opts->overlay_dir == NULL && !opts->engine_rootfs)
    return error_result (ctx, "--make-mount-points requires --overlay (the rootfs itself is never written)");
  opts->command = ctx->argv + optind;
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
options_parse (struct options *opts, int argc, char **argv, char **envp, char *error, size_t error_size)
{
  struct parse_context ctx = { .argc = argc, .argv = argv, .error = error, .error_size = error_size };
  struct option long_options[N_ELEMENTS (flags) + 1];
  size_t n_inherited = count_strings (envp);
  int option;

  *opts = (struct options) {
    .hostname = DEFAULT_HOSTNAME,
    .cwd = "/",
    .info_fd = -1,
    .block_fd = -1,
    .exec_gate_fd = -1,
    .security.caps = default_capabilities (),
    .umask = -1,
    .id_maps = { .newuidmap = DEFAULT_NEWUIDMAP, .newgidmap = DEFAULT_NEWGIDMAP },
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
  opts->id_maps.uid = calloc ((size_t) argc + 1, sizeof *opts->id_maps.uid);
  opts->id_maps.gid = calloc ((size_t) argc + 1, sizeof *opts->id_maps.gid);
  if (opts->id_maps.uid == NULL || opts->id_maps.gid == NULL || opts->env == NULL || opts->bind_files == NULL
      || opts->volumes == NULL || opts->rlimits == NULL || opts->sysctls == NULL || opts->masked_paths == NULL
      || opts->read_only_paths == NULL || opts->devices == NULL || opts->joins == NULL)
    return error_result (&ctx, "out of memory");
  for (size_t i = 0; i < n_inherited; i++)
    if (strchr (envp[i], '=') != NULL)
      add_env (opts, envp[i]);

  fill_long_options (long_options);
  optind = 0; /* 0, not 1: makes glibc reset its state, for repeated calls */
  opterr = 0;
  /* '+' stops at PROGRAM, whose own options are not ours; ':' tells a missing argument apart. */
  while ((option = getopt_long (argc, argv, "+:", long_options, NULL)) != -1)
    {
      enum options_result result;

      if (option == '?' && optopt > 0 && optopt < 256)
        return error_result (&ctx, "-%c: unknown option (see --help)", optopt);
      if (option == '?')
        return error_result (&ctx, "%s: unknown option (see --help)", argv[optind - 1]);
      if (option == ':')
        return error_result (&ctx, "%s: needs an argument", argv[optind - 1]);
      result = apply_flag (opts, &flags[option - FIRST_FLAG_VALUE], optarg, &ctx);
      if (result != OPTIONS_RUN)
        return result;
    }
  return check_complete (opts, &ctx);
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
  free (opts->security.seccomp.instructions);
  opts->security.seccomp.instructions = NULL;
  free (opts->rlimits);
  free (opts->sysctls);
  free (opts->masked_paths);
  free (opts->read_only_paths);
  free (opts->security.groups);
  free (opts->devices);
  free (opts->joins);
  free (opts->id_maps.uid);
  free (opts->id_maps.gid);
  opts->id_maps.uid = opts->id_maps.gid = NULL;
  opts->rlimits = NULL;
  opts->sysctls = NULL;
  opts->masked_paths = opts->read_only_paths = opts->devices = NULL;
  opts->security.groups = NULL;
  opts->joins = NULL;
}
