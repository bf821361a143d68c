/* options.h: the command line of ryouiki-init. */
#pragma once

#include "bind-files.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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
  int info_fd;          /* -1 when not given */
  int block_fd;         /* -1 when not given */
  char **command;       /* NULL-terminated, points into argv */
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

/* Accepts a plain decimal number from 0 to INT_MAX; returns 0, or -1 if text is not one. */
int parse_fd_number (const char *text, int *fd);
