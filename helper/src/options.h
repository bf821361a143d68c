/* options.h: the command line of ryouiki-init. */
#pragma once

#include "bind-files.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define DEFAULT_HOSTNAME "ryouiki"
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct options
{
  const char *rootfs;
  const char *hostname;
  const char *cwd;
  char **env;           /* KEY=VALUE strings, NULL-terminated; a later KEY replaces an earlier one */
  size_t n_env;
  struct bind_file *bind_files; /* --bind-file SOURCE DESTINATION, in order */
  size_t n_bind_files;
  bool share_net;
  bool read_only;
  bool no_idmap;
  bool tty;                     /* the command gets a terminal of the container's devpts */
  bool interactive;             /* with tty: copy stdin to it, the host terminal in raw mode */
  const char *console_socket;   /* with tty: send its master there instead, NULL when not given */
  bool detach;                  /* exit once the command runs, leaving the init to whoever reaps orphans */
  int exec_gate_fd;             /* -1, or: once set up, report ready and wait for a byte here before the command */
  int info_fd;          /* -1 when not given */
  int block_fd;         /* -1 when not given */
  char **command;       /* NULL-terminated, points into argv */
  /* Isolation (see volumes.h, security.h): */
  struct volume *volumes;       /* --bind, --ro-bind, --tmpfs, in order */
  size_t n_volumes;
  bool make_mount_points;       /* create missing volume mount points (only on an overlay) */
  const char *overlay_dir;      /* holds upper/, work/, merged/: a copy-on-write root */
  bool overlay_fuse_only;       /* --overlay-driver fuse-overlayfs: skip the kernel's overlayfs */
  bool has_user;
  uid_t uid;
  gid_t gid;
  uint64_t caps;                /* the capabilities the command keeps (bit N: capability N) */
  bool privileged;              /* all capabilities, no masked paths, new privileges allowed */
  const char *seccomp_file;     /* --seccomp FILE: its rules (see seccomp-filter.h) */
  char *seccomp_rules;          /* NULL: no filter; read from seccomp_file before clone */
};

enum volume_kind
{
  VOLUME_BIND,
  VOLUME_TMPFS,
};

struct volume
{
  enum volume_kind kind;
  const char *source;           /* bind: the host path */
  const char *destination;      /* absolute, in the container */
  const char *data;             /* tmpfs: mount options, or NULL */
  bool read_only;
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
enum options_result options_parse (struct options *opts, int argc, char **argv, char **envp,
                                   char *error, size_t error_size);
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

/* Podman's default capabilities: CHOWN DAC_OVERRIDE FOWNER FSETID KILL NET_BIND_SERVICE
 * SETFCAP SETGID SETPCAP SETUID SYS_CHROOT. */
uint64_t default_capabilities (void);

/* Accepts a plain decimal number from 0 to INT_MAX; returns 0, or -1 if text is not one. */
int parse_fd_number (const char *text, int *fd);
