/* options.h: the command line of ryouiki-init. */
#pragma once

#include "bind-files.h"
#include "ids.h"
#include "seccomp-filter.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define DEFAULT_HOSTNAME "ryouiki"
#define DEFAULT_NEWUIDMAP "/usr/bin/newuidmap"
#define DEFAULT_NEWGIDMAP "/usr/bin/newgidmap"
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

#define MAX_OVERLAY_LOWERS 128

/* The command's terminal: --tty and the flags that go with it (tty.h). */
struct terminal_options
{
  bool tty;                                     /* the command gets a terminal of the container's devpts */
  bool interactive;                             /* with tty: copy stdin to it, the host terminal in raw mode */
  const char *console_socket;                   /* with tty: send its master there instead, NULL when not given */
  unsigned short console_rows, console_columns; /* --console-size, 0: the host terminal's */
};

/* What the command runs as and with: user, groups, capabilities, no_new_privs, seccomp (security.h). */
struct security_options
{
  bool has_user;
  uid_t uid;
  gid_t gid;
  uint64_t caps;                  /* the capabilities the command keeps (bit N: capability N) */
  bool privileged;                /* all capabilities, no masked paths, new privileges allowed */
  struct seccomp_program seccomp; /* no instructions: no filter; compiled from the --seccomp file before clone */
  bool has_groups;
  gid_t *groups; /* --groups: the supplementary groups */
  size_t n_groups;
  bool new_privileges; /* --new-privileges: no no_new_privs */
  bool exact_caps;     /* --caps-effective and co: each set as given */
  uint64_t caps_effective, caps_permitted, caps_inheritable, caps_ambient;
};

struct options
{
  const char *rootfs;
  const char *hostname;
  const char *cwd;
  char **env; /* KEY=VALUE strings, NULL-terminated; a later KEY replaces an earlier one */
  size_t n_env;
  struct bind_file *bind_files; /* --bind-file SOURCE DESTINATION, in order */
  size_t n_bind_files;
  bool share_net;
  bool read_only;
  bool no_read_only_tmpfs; /* with read_only: no writable tmpfs on /tmp and /run */
  bool no_idmap;
  struct full_id_maps id_maps;      /* --uid-map, --gid-map: written with newuidmap and newgidmap */
  struct terminal_options terminal; /* --tty, --interactive, --console-socket, --console-size */
  struct security_options security; /* --user, --caps, --privileged, --groups, --caps-*, ... */
  bool detach;                      /* exit once the command runs, leaving the init to whoever reaps orphans */
  int exec_gate_fd;                 /* -1, or: once set up, report ready and wait for a byte here before the command */
  bool engine_rootfs;               /* the rootfs is an OCI engine's container layer: mount points may be made in it */
  int info_fd;                      /* -1 when not given */
  int block_fd;                     /* -1 when not given */
  char **command;                   /* NULL-terminated, points into argv */
  /* Isolation (see volumes.h, security.h): */
  struct volume *volumes; /* --bind, --ro-bind, --tmpfs, in order */
  size_t n_volumes;
  bool make_mount_points;                         /* create missing volume mount points (only on an overlay) */
  bool only_given_mounts;                         /* the volumes are the whole list: no /proc, /dev, /sys of our own */
  const char *overlay_dir;                        /* holds upper/, work/, merged/: a copy-on-write root */
  bool overlay_fuse_only;                         /* --overlay-driver fuse-overlayfs: skip the kernel's overlayfs */
  bool overlay_keep_upper;                        /* upper/ stays once the container has ended (it stays too) */
  const char *overlay_lowers[MAX_OVERLAY_LOWERS]; /* --overlay-lower: layers under the rootfs, top first */
  size_t n_overlay_lowers;
  const char *seccomp_file;  /* --seccomp FILE: its rules (see seccomp-filter.h) */
  const char *seccomp_cache; /* --seccomp-cache FILE: where their compiled program is kept */
  /* OCI bundles (see process-limits.h, sysctl.h, mount-options.h, devices.h, namespaces.h): */
  struct rlimit_setting *rlimits; /* --rlimit, in order */
  size_t n_rlimits;
  bool has_oom_score_adj;
  int oom_score_adj;
  char **sysctls; /* --sysctl KEY=VALUE */
  size_t n_sysctls;
  bool no_default_paths; /* only the --masked-path and --read-only-path given */
  const char **masked_paths;
  size_t n_masked_paths;
  const char **read_only_paths;
  size_t n_read_only_paths;
  unsigned long rootfs_propagation; /* MS_SHARED, MS_SLAVE...: 0 keeps it private */
  const char **devices;             /* --device PATH: host device nodes bound at the same path */
  size_t n_devices;
  struct namespace_join *joins; /* --join-ns TYPE:PATH */
  size_t n_joins;
  bool share_uts, share_ipc, new_cgroupns;
  bool share_user;              /* --share-user: no user namespace of its own (root only) */
  bool share_pid;               /* --share-pid: the host's PID namespace (the init subreaps) */
  const char *start_hooks_file; /* --start-hooks: see start-hooks.h */
  const char *domainname;       /* --domainname, NULL: left as it is */
  int umask;                    /* --umask, -1: left as it is */
};

struct rlimit_setting
{
  int resource;
  uint64_t soft, hard; /* RLIM_INFINITY for unlimited */
};

struct namespace_join
{
  int clone_flag; /* CLONE_NEWNET, ... */
  const char *path;
};

enum volume_kind
{
  VOLUME_BIND,
  VOLUME_TMPFS,
  VOLUME_FS, /* --mount-fs: a kernel filesystem, exactly with its options */
};

struct volume
{
  enum volume_kind kind;
  const char *source;      /* bind: the host path */
  const char *destination; /* absolute, in the container */
  const char *data;        /* tmpfs: mount options, or NULL */
  bool read_only;
  const char *fstype;  /* VOLUME_FS: proc, sysfs, mqueue, devpts, tmpfs */
  unsigned long flags; /* --mount-options: MS_RDONLY, MS_NOSUID... and propagation (MS_SHARED...) */
  bool non_recursive;  /* --mount-options bind: not the mounts below the source */
};

enum options_result
{
  OPTIONS_RUN,
  OPTIONS_HELP,
  OPTIONS_VERSION,
  OPTIONS_ERROR,
};

/* envp is the environment the command starts from (the helper's own); --env adds to it
 * and overrides it. On OPTIONS_ERROR, error holds a one-line message. Call
 * options_free() in every case. */
enum options_result options_parse (struct options *opts, int argc, char **argv, char **envp, char *error,
                                   size_t error_size);
void options_free (struct options *opts);
void options_print_help (FILE *out);

/* The PATH the command is looked up in: the one given with --env, else DEFAULT_PATH. */
const char *options_search_path (const struct options *opts);

/* Parses "N,N,..." (capability numbers, 0 to 63), "all" or "" into a bit set; returns 0, or -1. */
int parse_capability_list (const char *text, uint64_t *caps);

/* Parses "UID:GID" (decimal); returns 0, or -1. */
int parse_user (const char *text, uid_t *uid, gid_t *gid);

/* Parses "SOURCE:DESTINATION" of a bind (split at the first ':', in place); returns 0, or -1
 * when either part is missing or DESTINATION is not absolute. */
int parse_bind (char *text, struct volume *volume);

/* Parses "DESTINATION[:OPTIONS]" of a tmpfs (in place); returns 0, or -1. */
int parse_tmpfs (char *text, struct volume *volume);

/* Parses "CONTAINER:HOST:SIZE" (decimal, SIZE at least 1); returns 0, or -1. */
int parse_id_mapping (const char *text, struct id_mapping *mapping);

/* Parses "G,G,..." (decimal group ids; "" for none) into groups, which has room for them. */
int parse_group_list (const char *text, gid_t *groups, size_t *n_groups);

/* Parses "ROWSxCOLUMNS"; returns 0, or -1. */
int parse_console_size (const char *text, unsigned short *rows, unsigned short *columns);

/* Podman's default capabilities: CHOWN DAC_OVERRIDE FOWNER FSETID KILL NET_BIND_SERVICE
 * SETFCAP SETGID SETPCAP SETUID SYS_CHROOT. */
uint64_t default_capabilities (void);

/* Accepts a plain decimal number from 0 to INT_MAX; returns 0, or -1 if text is not one. */
int parse_fd_number (const char *text, int *fd);
