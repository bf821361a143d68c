/* test-units.c: TAP tests of the pure functions of ryouiki-init. */
#include "attach.h"
#include "crilog.h"
#include "devices.h"
#include "fds.h"
#include "filesystems.h"
#include "ids.h"
#include "init.h"
#include "init-exec.h"
#include "mount-options.h"
#include "mount-target.h"
#include "namespaces.h"
#include "process-limits.h"
#include "sysctl.h"
#include "options.h"
#include "overlay.h"
#include "proc-title.h"
#include "protocol.h"
#include "tty.h"
#include "sealed-exec.h"
#include "seccomp-filter.h"
#include "start-hooks.h"
#include "utils.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int test_count;
static int failure_count;
static FILE *tap; /* results are collected here, to print the plan first */

static void check (bool passed, const char *format, ...) __attribute__ ((format (printf, 2, 3)));

static void
check (bool passed, const char *format, ...)
{
  va_list args;

  fprintf (tap, "%sok %d - ", passed ? "" : "not ", ++test_count);
  va_start (args, format);
  vfprintf (tap, format, args);
  va_end (args);
  fprintf (tap, "\n");
  if (!passed)
    failure_count++;
}

static void
check_string (const char *actual, const char *expected, const char *what)
{
  bool passed = actual != NULL && strcmp (actual, expected) == 0;

  check (passed, "%s", what);
  if (!passed)
    fprintf (tap, "#   expected: \"%s\"\n#   actual:   \"%s\"\n", expected, actual ? actual : "(null)");
}

static void
check_int (long actual, long expected, const char *what)
{
  check (actual == expected, "%s", what);
  if (actual != expected)
    fprintf (tap, "#   expected: %ld\n#   actual:   %ld\n", expected, actual);
}

/* ---- options ---- */

#define PARSE(opts, error, ...) parse ((opts), (error), (char *[]) { "ryouiki-init", __VA_ARGS__, NULL })

static char parse_error[512];

static enum options_result
parse (struct options *opts, char *error, char **argv)
{
  int argc = 0;

  while (argv[argc] != NULL)
    argc++;
  error[0] = '\0';
  return options_parse (opts, argc, argv, NULL, error, sizeof parse_error);
}

static void
test_options_defaults (void)
{
  struct options opts;

  check_int (PARSE (&opts, parse_error, "--rootfs", "/r", "--", "sh", "-c", "x"), OPTIONS_RUN,
             "options: minimal command line parses");
  check_string (opts.rootfs, "/r", "options: --rootfs");
  check_string (opts.hostname, "ryouiki", "options: default hostname");
  check_string (opts.cwd, "/", "options: default cwd");
  check (opts.info_fd == -1 && opts.block_fd == -1, "options: no info or block fd by default");
  check (!opts.share_net && !opts.read_only && !opts.no_idmap, "options: flags off by default");
  check (opts.n_env == 0 && opts.env[0] == NULL, "options: empty environment by default");
  check (opts.command != NULL && strcmp (opts.command[0], "sh") == 0 && strcmp (opts.command[1], "-c") == 0
             && strcmp (opts.command[2], "x") == 0 && opts.command[3] == NULL,
         "options: command after --");
  check_string (options_search_path (&opts), DEFAULT_PATH, "options: default search PATH");
  options_free (&opts);
}

static void
test_options_all (void)
{
  struct options opts;

  check_int (PARSE (&opts, parse_error, "--rootfs", "/r", "--hostname", "box", "--cwd", "/tmp", "--env", "A=1", "--env",
                    "PATH=/bin", "--env", "A=2", "--env", "B=", "--share-net", "--read-only", "--info-fd", "3",
                    "--block-fd", "4", "--no-idmap", "--", "cat"),
             OPTIONS_RUN, "options: every option parses");
  check_string (opts.hostname, "box", "options: --hostname");
  check_string (opts.cwd, "/tmp", "options: --cwd");
  check (opts.n_env == 3 && strcmp (opts.env[0], "A=2") == 0 && strcmp (opts.env[1], "PATH=/bin") == 0
             && strcmp (opts.env[2], "B=") == 0 && opts.env[3] == NULL,
         "options: --env keeps order, a later KEY replaces an earlier one");
  check_string (options_search_path (&opts), "/bin", "options: search PATH from --env");
  check (opts.share_net && opts.read_only && opts.no_idmap, "options: flags");
  check (opts.info_fd == 3 && opts.block_fd == 4, "options: --info-fd and --block-fd");
  options_free (&opts);

  {
    char *inherited[] = { "A=0", "KEEP=yes", "PATH=/sbin", NULL };
    char *argv[] = { "ryouiki-init", "--rootfs", "/r", "--env", "A=1", "--", "cat", NULL };

    check_int (options_parse (&opts, 7, argv, inherited, parse_error, sizeof parse_error), OPTIONS_RUN,
               "options: parses with an inherited environment");
    check (opts.n_env == 3 && strcmp (opts.env[0], "A=1") == 0 && strcmp (opts.env[1], "KEEP=yes") == 0
               && strcmp (opts.env[2], "PATH=/sbin") == 0,
           "options: the command inherits the helper's environment, --env overrides it");
  }
  options_free (&opts);

  check_int (PARSE (&opts, parse_error, "--rootfs=/r", "true"), OPTIONS_RUN,
             "options: --opt=value form, and no -- before PROGRAM");
  check (strcmp (opts.rootfs, "/r") == 0 && strcmp (opts.command[0], "true") == 0, "options: --opt=value values");
  options_free (&opts);

  check_int (PARSE (&opts, parse_error, "--rootfs", "/r", "--", "ls", "--cwd", "x"), OPTIONS_RUN,
             "options: PROGRAM's own options are left alone");
  check (strcmp (opts.cwd, "/") == 0 && strcmp (opts.command[1], "--cwd") == 0,
         "options: PROGRAM's own options values");
  options_free (&opts);

  check_int (PARSE (&opts, parse_error, "--help"), OPTIONS_HELP, "options: --help");
  options_free (&opts);
  check_int (PARSE (&opts, parse_error, "--version"), OPTIONS_VERSION, "options: --version");
  options_free (&opts);
}

static void
test_options_bind_files (void)
{
  struct options opts;

  check_int (PARSE (&opts, parse_error, "--rootfs", "/r", "--bind-file", "/tmp/a", "/etc/resolv.conf",
                    "--bind-file=/tmp/b", "/etc/hosts", "--", "true"),
             OPTIONS_RUN, "options: --bind-file SRC DEST, repeated, in both forms");
  check (opts.n_bind_files == 2, "options: two bind files");
  check_string (opts.bind_files[0].source, "/tmp/a", "options: first bind source");
  check_string (opts.bind_files[0].destination, "/etc/resolv.conf", "options: first bind destination");
  check_string (opts.bind_files[1].source, "/tmp/b", "options: second bind source");
  check_string (opts.bind_files[1].destination, "/etc/hosts", "options: second bind destination");
  check (opts.bind_files[0].fd == -1, "options: bind sources are opened later");
  check_string (opts.command[0], "true", "options: the command follows the bind files");
  options_free (&opts);
}

static void
check_parse_error (char **argv, const char *expected)
{
  struct options opts;
  enum options_result result = parse (&opts, parse_error, argv);

  check (result == OPTIONS_ERROR, "options: error: %s", expected);
  if (result == OPTIONS_ERROR)
    check_string (parse_error, expected, "options: error text");
  else
    check (false, "options: error text");
  options_free (&opts);
}

#define CHECK_PARSE_ERROR(expected, ...)                                                                               \
  check_parse_error ((char *[]) { "ryouiki-init", __VA_ARGS__, NULL }, (expected))

static void
test_options_errors (void)
{
  CHECK_PARSE_ERROR ("--rootfs is required (see --help)", "--", "sh");
  CHECK_PARSE_ERROR ("no command given: usage: ryouiki-init [OPTIONS] --rootfs DIR -- PROGRAM [ARGS...]", "--rootfs",
                     "/r");
  CHECK_PARSE_ERROR ("no command given: usage: ryouiki-init [OPTIONS] --rootfs DIR -- PROGRAM [ARGS...]", "--rootfs",
                     "/r", "--");
  CHECK_PARSE_ERROR ("--bogus: unknown option (see --help)", "--bogus", "--rootfs", "/r", "--", "sh");
  CHECK_PARSE_ERROR ("-x: unknown option (see --help)", "-x", "--rootfs", "/r", "--", "sh");
  CHECK_PARSE_ERROR ("--rootfs: needs an argument", "--rootfs");
  CHECK_PARSE_ERROR ("--cwd: tmp: not an absolute path", "--rootfs", "/r", "--cwd", "tmp", "--", "sh");
  CHECK_PARSE_ERROR ("--env: FOO: not KEY=VALUE", "--rootfs", "/r", "--env", "FOO", "--", "sh");
  CHECK_PARSE_ERROR ("--env: =x: not KEY=VALUE", "--rootfs", "/r", "--env", "=x", "--", "sh");
  CHECK_PARSE_ERROR ("--info-fd: x3: not a file descriptor number", "--rootfs", "/r", "--info-fd", "x3", "--", "sh");
  CHECK_PARSE_ERROR ("--block-fd: 1: 0, 1 and 2 are the command's stdio, use 3 or more", "--rootfs", "/r", "--block-fd",
                     "1", "--", "sh");
  CHECK_PARSE_ERROR ("--no-idmap requires --block-fd (the id maps must be written before the start byte)", "--rootfs",
                     "/r", "--no-idmap", "--", "sh");
  CHECK_PARSE_ERROR ("--uid-map: 0:1000: not CONTAINER:HOST:SIZE (decimal ids, SIZE at least 1)", "--rootfs", "/r",
                     "--uid-map", "0:1000", "--", "sh");
  CHECK_PARSE_ERROR ("--gid-map: 0:1000:0: not CONTAINER:HOST:SIZE (decimal ids, SIZE at least 1)", "--rootfs", "/r",
                     "--gid-map", "0:1000:0", "--", "sh");
  CHECK_PARSE_ERROR ("--uid-map and --gid-map go together (the kernel takes each map once)", "--rootfs", "/r",
                     "--uid-map", "0:1000:1", "--", "sh");
  CHECK_PARSE_ERROR ("--uid-map: with --no-idmap, --share-user or --join-ns user there is no map to write", "--rootfs",
                     "/r", "--block-fd", "4", "--no-idmap", "--uid-map", "0:1000:1", "--gid-map", "0:1000:1", "--",
                     "sh");
  CHECK_PARSE_ERROR ("--uid-map: with --no-idmap, --share-user or --join-ns user there is no map to write", "--rootfs",
                     "/r", "--join-ns", "user:/proc/1/ns/user", "--uid-map", "0:1000:1", "--gid-map", "0:1000:1", "--",
                     "sh");
  CHECK_PARSE_ERROR ("--id-map-fallback requires --uid-map", "--rootfs", "/r", "--id-map-fallback", "--", "sh");
  CHECK_PARSE_ERROR ("--hostname: 12345678901234567890123456789012345678901234567890123456789012345: "
                     "longer than 64 bytes",
                     "--rootfs", "/r", "--hostname",
                     "12345678901234567890123456789012345678901234567890123456789012345", "--", "sh");
  CHECK_PARSE_ERROR ("--bind-file: /tmp/a: needs a destination: --bind-file SRC DEST", "--rootfs", "/r", "--bind-file",
                     "/tmp/a");
  CHECK_PARSE_ERROR ("--bind-file: etc/hosts: not an absolute path", "--rootfs", "/r", "--bind-file", "/tmp/a",
                     "etc/hosts", "--", "sh");
}

static void
test_parse_fd_number (void)
{
  static const struct
  {
    const char *text;
    int result;
    int fd;
  } cases[] = {
    { "0", 0, 0 },
    { "3", 0, 3 },
    { "42", 0, 42 },
    { "2147483647", 0, 2147483647 },
    { "", -1, 0 },
    { "-1", -1, 0 },
    { "+3", -1, 0 },
    { " 3", -1, 0 },
    { "3 ", -1, 0 },
    { "3x", -1, 0 },
    { "0x3", -1, 0 },
    { "2147483648", -1, 0 },
    { "99999999999999999999", -1, 0 },
  };

  for (size_t i = 0; i < N_ELEMENTS (cases); i++)
    {
      int fd = -7;
      int result = parse_fd_number (cases[i].text, &fd);

      check (result == cases[i].result && (result < 0 || fd == cases[i].fd), "parse_fd_number(\"%s\") %s",
             cases[i].text, cases[i].result == 0 ? "parses" : "is refused");
    }
}

/* ---- ids ---- */

static void
test_format_id_map (void)
{
  char buf[64];

  check_int (format_id_map (buf, sizeof buf, 0, 1000, 1), 9, "format_id_map: length");
  check_string (buf, "0 1000 1\n", "format_id_map: single id");
  format_id_map (buf, sizeof buf, 1, 100000, 65536);
  check_string (buf, "1 100000 65536\n", "format_id_map: range");
  format_id_map (buf, sizeof buf, 0, 4294967294U, 1);
  check_string (buf, "0 4294967294 1\n", "format_id_map: largest id");
  check_int (format_id_map (buf, 5, 0, 1000, 1), -1, "format_id_map: too small a buffer");
}

static void
test_full_id_maps (void)
{
  const struct id_mapping maps[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
  struct options opts;
  char buf[64];
  char **argv;

  check_int (PARSE (&opts, parse_error, "--rootfs", "/r", "--uid-map", "0:1000:1", "--uid-map", "1:100000:65536",
                    "--gid-map", "0:1001:1", "--id-map-fallback", "--newgidmap", "/opt/newgidmap", "--", "sh"),
             OPTIONS_RUN, "id maps: --uid-map, --gid-map, --id-map-fallback, --newgidmap parse");
  check (opts.id_maps.n_uid == 2 && opts.id_maps.uid[1].inside == 1 && opts.id_maps.uid[1].outside == 100000
             && opts.id_maps.uid[1].count == 65536,
         "id maps: --uid-map repeated, in order");
  check (opts.id_maps.n_gid == 1 && opts.id_maps.gid[0].outside == 1001, "id maps: --gid-map");
  check (opts.id_maps.fallback, "id maps: --id-map-fallback");
  check_string (opts.id_maps.newuidmap, "/usr/bin/newuidmap", "id maps: newuidmap's default path");
  check_string (opts.id_maps.newgidmap, "/opt/newgidmap", "id maps: --newgidmap");
  options_free (&opts);
  check_int (PARSE (&opts, parse_error, "--rootfs", "/r", "--", "sh"), OPTIONS_RUN, "id maps: none given parses");
  check (opts.id_maps.n_uid == 0 && opts.id_maps.n_gid == 0 && !opts.id_maps.fallback,
         "id maps: none and no fallback by default");
  options_free (&opts);

  check_int (format_id_maps (buf, sizeof buf, maps, 2), 24, "format_id_maps: length");
  check_string (buf, "0 1000 1\n1 100000 65536\n", "format_id_maps: a line each");
  check_int (format_id_maps (buf, 12, maps, 2), -1, "format_id_maps: too small a buffer");

  argv = map_tool_argv ("/usr/bin/newuidmap", 4242, maps, 2);
  check (argv != NULL && strcmp (argv[0], "/usr/bin/newuidmap") == 0 && strcmp (argv[1], "4242") == 0
             && strcmp (argv[2], "0") == 0 && strcmp (argv[3], "1000") == 0 && strcmp (argv[4], "1") == 0
             && strcmp (argv[5], "1") == 0 && strcmp (argv[6], "100000") == 0 && strcmp (argv[7], "65536") == 0
             && argv[8] == NULL,
         "map_tool_argv: TOOL PID then each mapping's three numbers");
  free (argv);
  argv = map_tool_argv ("t", 2147483647, (struct id_mapping[]) { { 4294967294U, 4294967294U, 4294967294U } }, 1);
  check (argv != NULL && strcmp (argv[1], "2147483647") == 0 && strcmp (argv[4], "4294967294") == 0 && argv[5] == NULL,
         "map_tool_argv: the largest numbers fit");
  free (argv);
}

static void
check_diagnosis (int max, int clone, int apparmor, const char *expected)
{
  struct userns_sysctls sysctls = { max, clone, apparmor };
  char buf[1024], what[128];

  userns_diagnosis (&sysctls, buf, sizeof buf);
  snprintf (what, sizeof what,
            "userns_diagnosis: max_user_namespaces %d, "
            "unprivileged_userns_clone %d, apparmor_restrict %d",
            max, clone, apparmor);
  check_string (buf, expected, what);
}

#define MAX_ZERO                                                                                                       \
  "user namespaces are disabled (user.max_user_namespaces = 0), "                                                      \
  "fix: sysctl -w user.max_user_namespaces=15000"
#define CLONE_ZERO                                                                                                     \
  "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0), "                                 \
  "fix: sysctl -w kernel.unprivileged_userns_clone=1"
#define APPARMOR_ONE                                                                                                   \
  "AppArmor restricts unprivileged user namespaces "                                                                   \
  "(kernel.apparmor_restrict_unprivileged_userns = 1), "                                                               \
  "fix: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 "                                                     \
  "or an AppArmor profile that allows userns for ryouiki-init"

static void
test_userns_diagnosis (void)
{
  char small[16];
  struct userns_sysctls all_bad = { 0, 0, 1 };

  check_diagnosis (0, -1, -1, MAX_ZERO);
  check_diagnosis (15000, 0, -1, CLONE_ZERO);
  check_diagnosis (15000, 1, 1, APPARMOR_ONE);
  check_diagnosis (0, 0, 1, MAX_ZERO "; " CLONE_ZERO "; " APPARMOR_ONE);
  check_diagnosis (15000, 1, 0,
                   "no sysctl disables them (user.max_user_namespaces = 15000): the limit may be reached, "
                   "or a security policy (seccomp, SELinux, an outer container) denies them");
  check_diagnosis (-1, -1, -1,
                   "this kernel may lack user namespaces (no /proc/sys/user/max_user_namespaces), "
                   "or a security policy (seccomp, SELinux, an outer container) denies them");
  userns_diagnosis (&all_bad, small, sizeof small);
  check (strlen (small) == sizeof small - 1, "userns_diagnosis: cut to the buffer");
  check (strchr (MAX_ZERO CLONE_ZERO APPARMOR_ONE, '\n') == NULL, "userns_diagnosis: one line");
  check (is_userns_refusal (EPERM) && is_userns_refusal (ENOSPC) && is_userns_refusal (EINVAL)
             && is_userns_refusal (EACCES) && !is_userns_refusal (ENOMEM),
         "is_userns_refusal: EPERM ENOSPC EINVAL EACCES, not ENOMEM");
}

/* ---- exit codes ---- */

static void
test_exit_codes (void)
{
  check_int (exit_code_from_status (W_EXITCODE (0, 0)), 0, "exit_code_from_status: exit 0");
  check_int (exit_code_from_status (W_EXITCODE (42, 0)), 42, "exit_code_from_status: exit 42");
  check_int (exit_code_from_status (W_EXITCODE (255, 0)), 255, "exit_code_from_status: exit 255");
  check_int (exit_code_from_status (W_EXITCODE (0, SIGKILL)), 137, "exit_code_from_status: SIGKILL");
  check_int (exit_code_from_status (W_EXITCODE (0, SIGTERM)), 143, "exit_code_from_status: SIGTERM");
  check_int (exit_code_from_status (W_EXITCODE (0, SIGSEGV) | WCOREFLAG), 139,
             "exit_code_from_status: SIGSEGV with core");
  check_int (exec_failure_exit_code (ENOENT), 127, "exec_failure_exit_code: ENOENT");
  check_int (exec_failure_exit_code (ENOTDIR), 127, "exec_failure_exit_code: ENOTDIR");
  check_int (exec_failure_exit_code (EACCES), 126, "exec_failure_exit_code: EACCES");
  check_int (exec_failure_exit_code (ENOEXEC), 126, "exec_failure_exit_code: ENOEXEC");
  check_int (exec_failure_exit_code (ELOOP), 126, "exec_failure_exit_code: ELOOP");
}

/* ---- protocol ---- */

static void
test_info_lines (void)
{
  char buf[64];

  check_int (info_format_pid (buf, sizeof buf, 12345), 15, "info_format_pid: length");
  check_string (buf, "{\"pid\": 12345}\n", "info_format_pid");
  info_format_exec (buf, sizeof buf);
  check_string (buf, "{\"exec\": true}\n", "info_format_exec");
  info_format_ready (buf, sizeof buf);
  check_string (buf, "{\"ready\": true}\n", "info_format_ready");
  info_format_exit (buf, sizeof buf, 0);
  check_string (buf, "{\"exit\": 0}\n", "info_format_exit: 0");
  info_format_exit (buf, sizeof buf, 137);
  check_string (buf, "{\"exit\": 137}\n", "info_format_exit: 137");
  check_int (info_format_pid (buf, 8, 12345), -1, "info_format_pid: too small a buffer");
}

static void
test_error_lines (void)
{
  char buf[256];

  info_format_error (buf, sizeof buf, "exec: /x: No such file or directory", ENOENT, 127);
  check_string (buf,
                "{\"error\": \"exec: /x: No such file or directory\", \"step\": \"exec\", "
                "\"errno\": 2, \"code\": 127}\n",
                "info_format_error: step, errno and code");
  info_format_error (buf, sizeof buf, "block-fd: closed before the start signal", 0, 125);
  check_string (buf,
                "{\"error\": \"block-fd: closed before the start signal\", \"step\": \"block-fd\", "
                "\"code\": 125}\n",
                "info_format_error: no errno when it is 0");
  info_format_error (buf, sizeof buf, "user namespace: Operation not permitted: x", EPERM, 125);
  check_string (buf,
                "{\"error\": \"user namespace: Operation not permitted: x\", "
                "\"step\": \"user namespace\", \"errno\": 1, \"code\": 125}\n",
                "info_format_error: the step ends at the first colon");
  info_format_error (buf, sizeof buf, "no step", 0, 125);
  check_string (buf, "{\"error\": \"no step\", \"code\": 125}\n", "info_format_error: no step");
  info_format_error (buf, sizeof buf, "cwd: /a\"b\\c\n\t\x01\xc3\xa9", 0, 125);
  check_string (buf,
                "{\"error\": \"cwd: /a\\\"b\\\\c\\u000a\\u0009\\u0001\xc3\xa9\", "
                "\"step\": \"cwd\", \"code\": 125}\n",
                "info_format_error: JSON escapes, UTF-8 kept");
  check_int (info_format_error (buf, 40, "exec: /x: No such file or directory", ENOENT, 127), -1,
             "info_format_error: too small a buffer");
  info_format_warning (buf, sizeof buf, "newuidmap failed (\"x\"): using a single-id map");
  check_string (buf, "{\"warning\": \"newuidmap failed (\\\"x\\\"): using a single-id map\"}\n",
                "info_format_warning: the text as a JSON string");
  check_int (info_format_warning (buf, 16, "a long warning text"), -1, "info_format_warning: too small a buffer");
}

static void
test_sync_messages (void)
{
  struct sync_message message, decoded;
  char long_text[2 * SYNC_TEXT_MAX];
  size_t len;

  len = sync_encode (&message, SYNC_ERROR, ENOENT, "cwd: /x: No such file or directory");
  check_int ((long) len, (long) (8 + strlen ("cwd: /x: No such file or directory") + 1),
             "sync_encode: header and text with its NUL");
  check (sync_decode (&message, len, &decoded) == 0 && decoded.kind == SYNC_ERROR && decoded.err == ENOENT
             && strcmp (decoded.text, "cwd: /x: No such file or directory") == 0,
         "sync_decode: round trip of an error");
  len = sync_encode (&message, SYNC_GO, 0, "");
  check (len == 9 && sync_decode (&message, len, &decoded) == 0 && decoded.kind == SYNC_GO && decoded.text[0] == '\0',
         "sync: round trip of the start message");
  len = sync_encode (&message, SYNC_READY, 0, "");
  check (sync_decode (&message, len, &decoded) == 0 && decoded.kind == SYNC_READY,
         "sync: round trip of the ready message");
  message.kind = SYNC_FUSE_OVERLAY + 1;
  check (sync_decode (&message, len, &decoded) < 0, "sync_decode: an unknown kind is refused");
  memset (long_text, 'a', sizeof long_text - 1);
  long_text[sizeof long_text - 1] = '\0';
  len = sync_encode (&message, SYNC_ERROR, 0, long_text);
  check (len == sizeof message && sync_decode (&message, len, &decoded) == 0
             && strlen (decoded.text) == SYNC_TEXT_MAX - 1,
         "sync: a long text is cut");
  check_int (sync_decode (&message, 8, &decoded), -1, "sync_decode: no text is no message");
  check_int (sync_decode (&message, sizeof message + 1, &decoded), -1, "sync_decode: too long");
  message.kind = 99;
  check_int (sync_decode (&message, 9, &decoded), -1, "sync_decode: unknown kind");
}

/* ---- the container log ---- */

static void
test_cri_time (void)
{
  struct timespec t = { .tv_sec = 1700000000, .tv_nsec = 5 };
  char buf[CRI_TIME_SIZE];

  check_int (cri_format_time (buf, sizeof buf, &t), 0, "cri time: formats");
  check_string (buf, "2023-11-14T22:13:20.000000005Z", "cri time: UTC with nanoseconds");
  check_int (cri_format_time (buf, 10, &t), -1, "cri time: too small a buffer is refused");
}

static void
test_cri_record (void)
{
  char buf[128];

  check_int (cri_format_record (buf, sizeof buf, "T", "stdout", false, "hello", 5), 17, "cri record: length");
  check_string (buf, "T stdout F hello\n", "cri record: full line");
  cri_format_record (buf, sizeof buf, "T", "stderr", true, "ab", 2);
  check_string (buf, "T stderr P ab\n", "cri record: partial line");
  check_int (cri_format_record (buf, 12, "T", "stdout", false, "hello", 5), -1,
             "cri record: too small a buffer is refused");
}

static void
test_cri_next_record (void)
{
  static char long_line[CRI_LINE_MAX + 10];
  size_t len = 0;
  bool partial = true;

  check_int ((long) cri_next_record ("ab\ncd", 5, false, &len, &partial), 3, "cri split: a line consumes its newline");
  check (len == 2 && !partial, "cri split: the line is full, without its newline");
  check_int ((long) cri_next_record ("cd", 2, false, &len, &partial), 0, "cri split: a partial line waits");
  check_int ((long) cri_next_record ("cd", 2, true, &len, &partial), 2, "cri split: a partial line is flushed");
  check (len == 2 && partial, "cri split: flushed as partial");
  check_int ((long) cri_next_record ("", 0, true, &len, &partial), 0, "cri split: nothing to flush");
  memset (long_line, 'x', sizeof long_line);
  check_int ((long) cri_next_record (long_line, sizeof long_line, false, &len, &partial), CRI_LINE_MAX,
             "cri split: an overlong line is cut at CRI_LINE_MAX");
  check (partial, "cri split: the cut piece is partial");
}

static void
test_cri_gap (void)
{
  char buf[CRI_GAP_MAX];

  check_int (cri_format_gap (buf, sizeof buf, "T2", 42, "T1", "No space left on device"), 63, "cri gap: length");
  check_string (buf, "T2 stderr F:gap lost 42 bytes from T1: No space left on device\n",
                "cri gap: a stderr record with the gap tag");
  check_int (cri_format_gap (buf, 20, "T2", 42, "T1", "x"), -1, "cri gap: too small a buffer is refused");
}

static void
test_cri_exit (void)
{
  char buf[128];

  cri_format_exit (buf, sizeof buf, 137, "signal", "T");
  check_string (buf, "{\"exitCode\": 137, \"reason\": \"signal\", \"finishedAt\": \"T\"}\n", "exit file line");
  check_int (cri_format_exit (buf, 8, 0, "exit", "T"), -1, "exit file line: too small a buffer is refused");
}

static void
test_tty_options (void)
{
  struct options opts;

  check_int (PARSE (&opts, parse_error, "--rootfs", "/r", "--", "sh"), OPTIONS_RUN, "tty options: none");
  check (!opts.terminal.tty && !opts.terminal.interactive && opts.terminal.console_socket == NULL,
         "tty options: off by default");
  options_free (&opts);
  check_int (
      PARSE (&opts, parse_error, "--rootfs", "/r", "--tty", "--interactive", "--console-socket", "/run/c.sock", "sh"),
      OPTIONS_RUN, "tty options: all parse");
  check (opts.terminal.tty && opts.terminal.interactive, "tty options: --tty and --interactive");
  check_string (opts.terminal.console_socket, "/run/c.sock", "tty options: --console-socket");
  options_free (&opts);
  check_int (PARSE (&opts, parse_error, "--rootfs", "/r", "--interactive", "sh"), OPTIONS_RUN,
             "tty options: --interactive alone is accepted (stdin passes through anyway)");
  options_free (&opts);
  check_int (PARSE (&opts, parse_error, "--rootfs", "/r", "--console-socket", "/s", "sh"), OPTIONS_ERROR,
             "tty options: --console-socket without --tty is refused");
  check_string (parse_error, "--console-socket requires --tty (it hands out the terminal's master)",
                "tty options: the refusal says why");
  options_free (&opts);
}

static void
test_relay_buffer (void)
{
  struct relay_buffer buffer = { .start = 0, .end = 10 };

  check (!relay_buffer_empty (&buffer), "relay buffer: holds bytes");
  relay_buffer_consume (&buffer, 4);
  check (buffer.start == 4 && buffer.end == 10 && !relay_buffer_empty (&buffer),
         "relay buffer: a partial write leaves the rest");
  relay_buffer_consume (&buffer, 6);
  check (buffer.start == 0 && buffer.end == 0 && relay_buffer_empty (&buffer),
         "relay buffer: fully written, it starts over at the beginning");
}

static void
test_read_ended_by_eof (void)
{
  struct termios cooked = { .c_lflag = ICANON | IEXTEN };

  cooked.c_cc[VEOL] = 0;
  cooked.c_cc[VEOL2] = 0;
  check (tty_read_ended_by_eof (&cooked, "", 0), "typed ahead: a read of nothing is a lone end-of-file mark");
  check (!tty_read_ended_by_eof (&cooked, "ab\n", 3), "typed ahead: a line ended by a newline");
  check (tty_read_ended_by_eof (&cooked, "ab", 2), "typed ahead: a line without its newline was ended by a mark");
  check (tty_read_ended_by_eof (&cooked, "ab\0", 3), "typed ahead: a NUL typed is no end of line while VEOL is off");
  cooked.c_cc[VEOL] = ';';
  check (!tty_read_ended_by_eof (&cooked, "ab;", 3), "typed ahead: a line ended by VEOL");
}

/* A real terminal pair: the keys are typed on the master, the slave is what we read. */
static void
open_terminal (int *master, int *slave)
{
  *master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*master < 0 || grantpt (*master) < 0 || unlockpt (*master) < 0)
    die_with_errno ("posix_openpt");
  *slave = open (ptsname (*master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*slave < 0)
    die_with_errno ("open the terminal's slave");
}

/* What fd (raw) holds now: reads until a read would wait. */
static size_t
read_raw (int fd, char *data, size_t size)
{
  size_t len = 0;
  struct pollfd ready = { .fd = fd, .events = POLLIN };

  while (len < size && poll (&ready, 1, 50) == 1)
    {
      ssize_t n = read (fd, data + len, size - len);
      if (n <= 0)
        break;
      len += (size_t) n;
    }
  return len;
}

/* Types two whole lines, each ended by an end-of-file mark, and an unfinished one; returns
 * once the line discipline holds the whole lines (it takes the keys in a moment of its own). */
static void
type_ahead (int master, int slave)
{
  int held = 0;

  (void) write_all (master, "ab\n\004cd\004", 7);
  for (int tries = 0; tries < 2000 && held < 5; tries++)
    {
      if (ioctl (slave, TIOCINQ, &held) < 0)
        die_with_errno ("TIOCINQ");
      if (held < 5)
        usleep (1000);
    }
  (void) write_all (master, "ef", 2);
}

static void
make_raw (int fd, const struct termios *cooked)
{
  struct termios raw = *cooked;

  cfmakeraw (&raw);
  if (tcsetattr (fd, TCSADRAIN, &raw) < 0)
    die_with_errno ("tcsetattr");
}

static void
test_take_typed_ahead (void)
{
  struct termios cooked;
  char data[64];
  size_t len;
  int master, slave;

  /* The baseline: going raw without taking them, the marks come out as NUL bytes. */
  open_terminal (&master, &slave);
  (void) tcgetattr (slave, &cooked);
  type_ahead (master, slave);
  make_raw (slave, &cooked);
  len = read_raw (slave, data, sizeof data);
  check (len == 9 && memcmp (data, "ab\n\0cd\0ef", 9) == 0,
         "typed ahead: without them taken, raw mode turns each end-of-file mark into a NUL");
  close (master);
  close (slave);

  open_terminal (&master, &slave);
  (void) tcgetattr (slave, &cooked);
  type_ahead (master, slave);
  len = tty_take_typed_ahead (slave, &cooked, data, sizeof data);
  check (len == 7 && memcmp (data, "ab\n\004cd\004", 7) == 0,
         "typed ahead: whole lines are taken, each mark as the VEOF key");
  (void) read_raw (master, data, sizeof data); /* what the terminal echoed until now */
  (void) write_all (master, "\004", 1);        /* a Ctrl-D between the taking and raw mode */
  check_int ((long) read_raw (master, data, sizeof data), 0, "typed ahead: a key typed after them is not echoed");
  make_raw (slave, &cooked);
  len = read_raw (slave, data, sizeof data);
  check (len == 3 && memcmp (data, "ef\004", 3) == 0,
         "typed ahead: the unfinished line is left, to be read raw, and a Ctrl-D typed after them is read as typed");
  check_int ((long) tty_take_typed_ahead (slave, &cooked, data, sizeof data), 0,
             "typed ahead: nothing is left to take");
  (void) write_all (master, "\004", 1);
  (void) tcgetattr (slave, &cooked);
  check_int ((long) tty_take_typed_ahead (slave, &cooked, data, sizeof data), 0,
             "typed ahead: a terminal already raw is left alone");
  close (master);
  close (slave);
}

static void
test_sync_receive_with_fd (void)
{
  struct sync_message message;
  int fds[2];
  int received_fd = 99;

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    {
      check (false, "sync_receive_with_fd: socketpair");
      return;
    }
  sync_send (fds[0], SYNC_EXEC_OK, 0, "");
  check (sync_receive_with_fd (fds[1], &message, &received_fd) == 1 && message.kind == SYNC_EXEC_OK
             && received_fd == -1,
         "sync_receive_with_fd: a message without an fd");
  close (fds[0]);
  check_int (sync_receive_with_fd (fds[1], &message, &received_fd), 0,
             "sync_receive_with_fd: end of file when the peer is gone");
  close (fds[1]);
}

static bool
filtered_as (struct detach_keys *keys, const char *typed, const char *expected, bool detached)
{
  char out[64];
  size_t out_len;
  bool result = detach_keys_filter (keys, typed, strlen (typed), out, &out_len);

  return result == detached && out_len == strlen (expected) && memcmp (out, expected, out_len) == 0;
}

static void
test_detach_keys (void)
{
  struct detach_keys keys;

  check (detach_keys_parse (&keys, "16,17") == 0 && keys.n_keys == 2 && keys.keys[0] == 16 && keys.keys[1] == 17,
         "detach_keys_parse: byte values");
  check (detach_keys_parse (&keys, "") == 0 && keys.n_keys == 0, "detach_keys_parse: empty turns detaching off");
  check (detach_keys_parse (&keys, "16,") < 0 && detach_keys_parse (&keys, "256") < 0
             && detach_keys_parse (&keys, "a") < 0
             && detach_keys_parse (&keys, "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17") < 0,
         "detach_keys_parse: refuses what is not up to 16 bytes");

  detach_keys_parse (&keys, "16,17");
  check (filtered_as (&keys, "ls\r", "ls\r", false), "detach keys: other keys pass");
  check (filtered_as (&keys,
                      "ab\x10\x11"
                      "cd",
                      "ab", true),
         "detach keys: the sequence detaches, what follows it is dropped");
  check (filtered_as (&keys, "a\x10", "a", false) && filtered_as (&keys, "\x11", "", true),
         "detach keys: a sequence split across reads");
  check (filtered_as (&keys, "\x10x", "\x10x", false),
         "detach keys: a partial sequence is passed on when it is not one");
  check (filtered_as (&keys, "\x10\x10\x11", "\x10", true), "detach keys: a key that restarts the sequence");
  detach_keys_parse (&keys, "");
  check (filtered_as (&keys, "\x10\x11", "\x10\x11", false), "detach keys: none, all pass");
}

static void
test_split_nul_list (void)
{
  char two[16] = "A=1\0B=x y";
  char empty[4] = "";
  char **list = split_nul_list (two, 9);

  check (list != NULL && strcmp (list[0], "A=1") == 0 && strcmp (list[1], "B=x y") == 0 && list[2] == NULL,
         "split_nul_list: entries, the last without its NUL");
  free (list);
  list = split_nul_list (empty, 0);
  check (list != NULL && list[0] == NULL, "split_nul_list: nothing gives an empty list");
  free (list);
}

static void
test_proc_title (void)
{
  /* As the kernel lays argv out: one area, each argument ending in a NUL. */
  char area[40] = "/host/path/ryouiki-init\0--rootfs\0/x";
  char *argv[] = { area, area + 24, area + 33, NULL };
  static const char expected[40] = "ryouiki-init";

  proc_title_remember (3, argv);
  proc_title_hide ();
  check (memcmp (area, expected, sizeof area) == 0, "proc_title_hide: only the name is left, every argument blanked");
}

/* ---- isolation ---- */

static void
test_isolation_parsers (void)
{
  char bind[] = "/host/dir:/data";
  char bad_bind[] = "/host/dir:data";
  char tmpfs[] = "/cache:size=1m,mode=0700";
  char plain_tmpfs[] = "/cache";
  struct volume volume;
  uint64_t caps;
  uid_t uid;
  gid_t gid;
  char buf[256];

  check_int (parse_bind (bind, &volume), 0, "parse_bind: SOURCE:DEST");
  check_string (volume.source, "/host/dir", "parse_bind: source");
  check_string (volume.destination, "/data", "parse_bind: destination");
  check_int (parse_bind (bad_bind, &volume), -1, "parse_bind: a relative destination");
  check_int (parse_tmpfs (tmpfs, &volume), 0, "parse_tmpfs: with options");
  check_string (volume.data, "size=1m,mode=0700", "parse_tmpfs: options");
  check_int (parse_tmpfs (plain_tmpfs, &volume), 0, "parse_tmpfs: without options");
  check (volume.data == NULL, "parse_tmpfs: no options");

  check_int (parse_capability_list ("0,1,31", &caps), 0, "parse_capability_list: numbers");
  check (caps == 0x80000003u, "parse_capability_list: the bits");
  check_int (parse_capability_list ("", &caps), 0, "parse_capability_list: empty");
  check (caps == 0, "parse_capability_list: none");
  check_int (parse_capability_list ("all", &caps), 0, "parse_capability_list: all");
  check_int (parse_capability_list ("64", &caps), -1, "parse_capability_list: 64 is too big");
  check_int (parse_capability_list ("1,,2", &caps), -1, "parse_capability_list: an empty item");
  check (default_capabilities () == 0x800405fbu, "default_capabilities: podman's set");

  check_int (parse_user ("1000:100", &uid, &gid), 0, "parse_user: UID:GID");
  check (uid == 1000 && gid == 100, "parse_user: the ids");
  check_int (parse_user ("1000", &uid, &gid), -1, "parse_user: no GID");
  check_int (parse_user ("a:b", &uid, &gid), -1, "parse_user: not numbers");

  {
    const char *layers[] = { "/l1", "/l2" };
    const char *bad_layers[] = { "/l:1" };

    check (format_overlay_options (buf, sizeof buf, "/r", NULL, 0, "/s") > 0, "format_overlay_options");
    check_string (buf, "lowerdir=/r,upperdir=/s/upper,workdir=/s/work", "format_overlay_options: text");
    check_int (format_overlay_options (buf, sizeof buf, "/r,x", NULL, 0, "/s"), -1, "format_overlay_options: a comma");
    check (format_overlay_options (buf, sizeof buf, "/r", layers, 2, "/s") > 0, "format_overlay_options: layers");
    check_string (buf, "lowerdir=/r:/l1:/l2,upperdir=/s/upper,workdir=/s/work", "format_overlay_options: layers text");
    check_int (format_overlay_options (buf, sizeof buf, "/r", bad_layers, 1, "/s"), -1,
               "format_overlay_options: a ':' in a layer");
    check_int (format_overlay_options (buf, 20, "/r", layers, 2, "/s"), -1, "format_overlay_options: too long");
  }
}

static void
test_mount_options (void)
{
  unsigned long flags;
  bool non_recursive;
  char data[64];
  char small[8];

  check_int (parse_mount_options ("nosuid,strictatime,mode=755,size=65536k", &flags, &non_recursive, data, sizeof data),
             0, "parse_mount_options: flags and data");
  check (flags == (MS_NOSUID | MS_STRICTATIME), "parse_mount_options: the flags");
  check_string (data, "mode=755,size=65536k", "parse_mount_options: the data");
  check (!non_recursive, "parse_mount_options: recursive by default");
  check_int (parse_mount_options ("ro,rw,nodev,bind,newinstance", &flags, &non_recursive, data, sizeof data), 0,
             "parse_mount_options: rw clears ro");
  check (flags == MS_NODEV && non_recursive, "parse_mount_options: bind is not recursive");
  check_string (data, "newinstance", "parse_mount_options: a data word");
  check_int (parse_mount_options ("rbind,rshared,nosuid,private", &flags, &non_recursive, data, sizeof data), 0,
             "parse_mount_options: propagation");
  check (flags == (MS_NOSUID | MS_PRIVATE) && data[0] == '\0', "parse_mount_options: the last propagation, no data");
  check_int (parse_mount_options ("", &flags, &non_recursive, data, sizeof data), 0, "parse_mount_options: none");
  check (flags == 0 && data[0] == '\0', "parse_mount_options: nothing");
  check_int (parse_mount_options ("size=1234567", &flags, &non_recursive, small, sizeof small), -1,
             "parse_mount_options: data too long");

  check_int (parse_propagation ("rslave", &flags), 0, "parse_propagation: rslave");
  check (flags == (MS_SLAVE | MS_REC), "parse_propagation: its flags");
  check_int (parse_propagation ("shared", &flags), 0, "parse_propagation: shared");
  check (flags == MS_SHARED, "parse_propagation: not recursive");
  check_int (parse_propagation ("sideways", &flags), -1, "parse_propagation: unknown");
}

static void
test_bundle_parsers (void)
{
  char path[64];
  struct rlimit_setting limit;
  int score;
  gid_t groups[4];
  size_t n_groups;
  unsigned short rows, columns;
  struct namespace_join join;
  char network[] = "network:/proc/1/ns/net";
  char bad_type[] = "moon:/x";
  char relative[] = "user:x";

  check_int (sysctl_path ("net.ipv4.ip_forward=1", path, sizeof path), 0, "sysctl_path: KEY=VALUE");
  check_string (path, "/proc/sys/net/ipv4/ip_forward", "sysctl_path: the file");
  check_int (sysctl_path ("kernel.shm_rmid_forced", path, sizeof path), 0, "sysctl_path: KEY");
  check_int (sysctl_path ("net..x=1", path, sizeof path), -1, "sysctl_path: an empty part");
  check_int (sysctl_path ("net/../../x=1", path, sizeof path), -1, "sysctl_path: a slash");
  check_int (sysctl_path (".net=1", path, sizeof path), -1, "sysctl_path: a leading dot");
  check_int (sysctl_path ("=1", path, sizeof path), -1, "sysctl_path: no key");

  check_int (parse_rlimit ("RLIMIT_NOFILE=1024:2048", &limit), 0, "parse_rlimit: numbers");
  check (limit.resource == RLIMIT_NOFILE && limit.soft == 1024 && limit.hard == 2048, "parse_rlimit: the values");
  check_int (parse_rlimit ("RLIMIT_CORE=0:unlimited", &limit), 0, "parse_rlimit: unlimited");
  check (limit.hard == RLIM_INFINITY, "parse_rlimit: RLIM_INFINITY");
  check_int (parse_rlimit ("RLIMIT_NOFILE=10:5", &limit), -1, "parse_rlimit: soft above hard");
  check_int (parse_rlimit ("RLIMIT_FOO=1:1", &limit), -1, "parse_rlimit: unknown name");
  check_int (parse_rlimit ("RLIMIT_NOFILE=1", &limit), -1, "parse_rlimit: no hard limit");
  check_int (parse_rlimit ("RLIMIT_NOFILE=-1:1", &limit), -1, "parse_rlimit: negative");

  check_int (parse_oom_score_adj ("-500", &score), 0, "parse_oom_score_adj: negative");
  check_int (score, -500, "parse_oom_score_adj: the value");
  check_int (parse_oom_score_adj ("1001", &score), -1, "parse_oom_score_adj: too big");
  check_int (parse_oom_score_adj ("", &score), -1, "parse_oom_score_adj: empty");

  check_int (parse_group_list ("10,20,30", groups, &n_groups), 0, "parse_group_list: ids");
  check (n_groups == 3 && groups[0] == 10 && groups[2] == 30, "parse_group_list: the ids");
  check_int (parse_group_list ("", groups, &n_groups), 0, "parse_group_list: none");
  check_int ((long) n_groups, 0, "parse_group_list: zero");
  check_int (parse_group_list ("1,x", groups, &n_groups), -1, "parse_group_list: not a number");

  check_int (parse_console_size ("30x100", &rows, &columns), 0, "parse_console_size: ROWSxCOLUMNS");
  check (rows == 30 && columns == 100, "parse_console_size: the size");
  check_int (parse_console_size ("30", &rows, &columns), -1, "parse_console_size: no columns");

  check_int (parse_namespace_join (network, &join), 0, "parse_namespace_join: TYPE:PATH");
  check (join.clone_flag == CLONE_NEWNET, "parse_namespace_join: the type");
  check_string (join.path, "/proc/1/ns/net", "parse_namespace_join: the path");
  check_int (parse_namespace_join (bad_type, &join), -1, "parse_namespace_join: unknown type");
  check_int (parse_namespace_join (relative, &join), -1, "parse_namespace_join: a relative path");
}

static void
test_bundle_options (void)
{
  struct options opts;
  char fs[] = "mqueue:/dev/mqueue";
  char fs_options[] = "nosuid,nodev,noexec";
  char tmpfs[] = "tmpfs:/scratch";
  char tmpfs_options[] = "noexec,size=1m,mode=700";
  char bind[] = "/src:/data";
  char bind_options[] = "bind,ro,nosuid";
  char bad_bind[] = "/src:/data";
  char bad_bind_options[] = "size=1m";
  char rlimit[] = "RLIMIT_NOFILE=10:20";
  char sysctl[] = "net.ipv4.ping_group_range=0 0";
  char *argv[] = { "ryouiki-init",
                   "--rootfs",
                   "/r",
                   "--mount-fs",
                   fs,
                   "--mount-options",
                   fs_options,
                   "--mount-fs",
                   tmpfs,
                   "--mount-options",
                   tmpfs_options,
                   "--bind",
                   bind,
                   "--mount-options",
                   bind_options,
                   "--rlimit",
                   rlimit,
                   "--oom-score-adj",
                   "300",
                   "--sysctl",
                   sysctl,
                   "--masked-path",
                   "/proc/kcore",
                   "--rootfs-propagation",
                   "rslave",
                   "--groups",
                   "1,2",
                   "--caps-effective",
                   "0,1",
                   "--console-size",
                   "24x80",
                   "--device",
                   "/dev/fuse",
                   "--share-uts",
                   "--share-pid",
                   "--new-privileges",
                   "--umask",
                   "027",
                   "--domainname",
                   "example",
                   "--",
                   "true",
                   NULL };
  char *bad_argv[] = { "ryouiki-init",    "--rootfs",       "/r", "--bind", bad_bind,
                       "--mount-options", bad_bind_options, "--", "true",   NULL };
  char error[512];

  check_int (options_parse (&opts, (int) N_ELEMENTS (argv) - 1, argv, NULL, error, sizeof error), OPTIONS_RUN,
             "options: the bundle options");
  check_int ((long) opts.n_volumes, 3, "options: three mounts");
  check (opts.volumes[0].kind == VOLUME_FS && strcmp (opts.volumes[0].fstype, "mqueue") == 0
             && strcmp (opts.volumes[0].destination, "/dev/mqueue") == 0,
         "options: --mount-fs");
  check (opts.volumes[0].flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC) && opts.volumes[0].data == NULL,
         "options: --mount-options flags");
  check_string (opts.volumes[1].data, "size=1m,mode=700", "options: --mount-options data");
  check (opts.volumes[2].non_recursive && opts.volumes[2].read_only, "options: a bind, not recursive, read-only");
  check (opts.n_rlimits == 1 && opts.rlimits[0].hard == 20, "options: --rlimit");
  check (opts.has_oom_score_adj && opts.oom_score_adj == 300, "options: --oom-score-adj");
  check (opts.n_sysctls == 1, "options: --sysctl");
  check (opts.n_masked_paths == 1 && opts.no_default_paths, "options: --masked-path replaces the defaults");
  check (opts.rootfs_propagation == (MS_SLAVE | MS_REC), "options: --rootfs-propagation");
  check (opts.security.has_groups && opts.security.n_groups == 2, "options: --groups");
  check (opts.security.exact_caps && opts.security.caps_effective == 3 && opts.security.caps_permitted == 0,
         "options: --caps-effective");
  check (opts.terminal.console_rows == 24 && opts.terminal.console_columns == 80, "options: --console-size");
  check (opts.n_devices == 1 && opts.share_uts && opts.security.new_privileges,
         "options: --device, --share-uts, --new-privileges");
  check (opts.umask == 027 && strcmp (opts.domainname, "example") == 0, "options: --umask, --domainname");
  check ((namespaces_clone_flags (&opts) & CLONE_NEWUTS) == 0, "namespaces_clone_flags: --share-uts");
  check (opts.share_pid && (namespaces_clone_flags (&opts) & CLONE_NEWPID) == 0, "namespaces_clone_flags: --share-pid");
  check ((namespaces_clone_flags (&opts) & CLONE_NEWNET) != 0, "namespaces_clone_flags: a new network");
  options_free (&opts);

  check_int (options_parse (&opts, (int) N_ELEMENTS (bad_argv) - 1, bad_argv, NULL, error, sizeof error), OPTIONS_ERROR,
             "options: data on a bind");
  check_string (error, "--mount-options: size=1m: not an option of a bind mount", "options: its message");
  options_free (&opts);
}

static void
test_start_hooks_parse (void)
{
  char buf[] = "{\"id\":\"x\",\"pid\":\0hook\0005\0/bin/hook\0002\0hook\0-v\0001\0A=1\0hook\0000\0/bin/b\0001\0b\0000";
  char bad[] = "{\"pid\":\0hook\0x\0/bin/hook\0001\0hook\0000";
  char relative[] = "{\"pid\":\0hook\0000\0hook\0001\0hook\0000";
  char **entries = split_nul_list (buf, sizeof buf - 1);
  char **bad_entries = split_nul_list (bad, sizeof bad - 1);
  char **relative_entries = split_nul_list (relative, sizeof relative - 1);
  struct start_hook hooks[4];
  const char *prefix;

  check_int (start_hooks_parse (entries, &prefix, hooks, 4), 2, "start_hooks_parse: two hooks");
  check_string (prefix, "{\"id\":\"x\",\"pid\":", "start_hooks_parse: the state");
  check_string (hooks[0].path, "/bin/hook", "start_hooks_parse: the path");
  check (hooks[0].timeout == 5 && strcmp (hooks[0].args[1], "-v") == 0 && hooks[0].args[2] == NULL,
         "start_hooks_parse: the timeout and args");
  check (strcmp (hooks[0].env[0], "A=1") == 0 && hooks[0].env[1] == NULL, "start_hooks_parse: the env");
  check (hooks[1].timeout == 0 && strcmp (hooks[1].args[0], "b") == 0 && hooks[1].env[0] == NULL,
         "start_hooks_parse: the second hook");
  check_int (start_hooks_parse (bad_entries, &prefix, hooks, 4), -1, "start_hooks_parse: a bad timeout");
  check_int (start_hooks_parse (relative_entries, &prefix, hooks, 4), -1, "start_hooks_parse: a relative path");
  check_int (start_hooks_parse (entries, &prefix, hooks, 0), -1, "start_hooks_parse: too many hooks");
  free (entries);
  free (bad_entries);
  free (relative_entries);
}

static void
test_seccomp_rules (void)
{
  char error[256];
  struct seccomp_rule rule;
  char line1[] = "default errno:1";
  char line2[] = "errno:38 clone3";
  char line3[] = "errno:1 clone 0:masked_eq:0x10000000:0x10000000 1:eq:5";
  char bad_action[] = "deny keyctl";
  char bad_condition[] = "allow read 0:masked_eq:1";
  char bad_index[] = "allow read 6:eq:1";

  check_int (seccomp_parse_rule (line1, &rule, error, sizeof error), 0, "seccomp: default");
  check_string (rule.name, "default", "seccomp: default name");
  check_int (seccomp_parse_rule (line2, &rule, error, sizeof error), 0, "seccomp: errno rule");
  check_string (rule.name, "clone3", "seccomp: syscall name");
  check_int (seccomp_parse_rule (line3, &rule, error, sizeof error), 0, "seccomp: conditions");
  check_int (rule.n_conditions, 2, "seccomp: two conditions");
  check (rule.conditions[0].op == SECCOMP_OP_MASKED_EQ && rule.conditions[0].value == 0x10000000
             && rule.conditions[0].value2 == 0x10000000,
         "seccomp: masked_eq condition");
  check (rule.conditions[1].index == 1 && rule.conditions[1].op == SECCOMP_OP_EQ && rule.conditions[1].value == 5,
         "seccomp: eq condition");
  check_int (seccomp_parse_rule (bad_action, &rule, error, sizeof error), -1, "seccomp: unknown action");
  check_string (error, "deny: not allow, errno:N, kill, kill-process, trap or log", "seccomp: its message");
  check_int (seccomp_parse_rule (bad_condition, &rule, error, sizeof error), -1, "seccomp: masked_eq needs two values");
  check_int (seccomp_parse_rule (bad_index, &rule, error, sizeof error), -1, "seccomp: index beyond 5");
  check_string (error, "6:eq:1: not INDEX:OP:VALUE or INDEX:masked_eq:MASK:VALUE", "seccomp: the condition as given");
}

static void
test_seccomp_cache_entry (void)
{
  const char *rules = "default allow\nerrno:1 mknod\n";
  struct seccomp_program program = { NULL, 0 };
  struct seccomp_program cached = { NULL, 0 };
  size_t size;
  uint8_t *entry;

  seccomp_compile_rules (rules, &program);
  check (program.length > 0, "seccomp cache: a compiled program");
  entry = seccomp_cache_entry (rules, &program, &size);
  check (seccomp_cache_entry_program (entry, size, rules, &cached) && cached.length == program.length
             && memcmp (cached.instructions, program.instructions, program.length * sizeof *program.instructions) == 0,
         "seccomp cache: an entry gives back its program");
  free (cached.instructions);
  check (!seccomp_cache_entry_program (entry, size, "default allow\nerrno:1 mkdir\n", &cached),
         "seccomp cache: not for other rules of the same length");
  check (!seccomp_cache_entry_program (entry, size - 1, rules, &cached), "seccomp cache: not a truncated entry");
  check (!seccomp_cache_entry_program (entry, 10, rules, &cached), "seccomp cache: not a bare header");
  entry[size - 2] ^= 0x40;
  check (!seccomp_cache_entry_program (entry, size, rules, &cached), "seccomp cache: not a damaged program");
  entry[size - 2] ^= 0x40;
  entry[20] ^= 1; /* the libseccomp version it was made by */
  check (!seccomp_cache_entry_program (entry, size, rules, &cached), "seccomp cache: not another libseccomp's");
  free (entry);
  free (program.instructions);
}

static void
test_fd_ranges_to_close (void)
{
  struct fd_range ranges[4];
  const int none[] = { -1 };
  const int two[] = { 9, 5, 9, -1 };
  const int low[] = { 3, 1 };
  size_t n;

  n = fd_ranges_to_close (3, none, 1, ranges);
  check (n == 1 && ranges[0].first == 3 && ranges[0].last == ~0U,
         "fd_ranges_to_close: nothing kept closes 3 to the end");
  n = fd_ranges_to_close (3, two, 4, ranges);
  check (n == 3 && ranges[0].first == 3 && ranges[0].last == 4 && ranges[1].first == 6 && ranges[1].last == 8
             && ranges[2].first == 10 && ranges[2].last == ~0U,
         "fd_ranges_to_close: kept fds, unsorted and duplicated, split the ranges");
  n = fd_ranges_to_close (3, low, 2, ranges);
  check (n == 1 && ranges[0].first == 4 && ranges[0].last == ~0U,
         "fd_ranges_to_close: a kept first fd starts the range after it; fds below first are ignored");
}

static void
test_init_carry (void)
{
  struct bind_file files[2] = { { .fd = 7 }, { .fd = 12 } };
  struct bind_file taken[2] = { { .fd = -1 }, { .fd = -1 } };
  struct init_carry carry = {
    .sync_fd = 4, .host_pid = 4242, .blocked = UINT64_C (0x8000000000000001), .sigpipe_ignored = true, .seccomp_fd = -1
  };
  struct init_carry parsed;
  char *text = init_carry_format (&carry, files, 2);

  check_string (text, "4:4242:8000000000000001:1:-1:7,12", "init carry: formatted");
  check (init_carry_parse (text, &parsed) == 0 && parsed.sync_fd == 4 && parsed.host_pid == 4242
             && parsed.blocked == carry.blocked && parsed.sigpipe_ignored && parsed.seccomp_fd == -1,
         "init carry: parsed back");
  check (init_carry_bind_fds (&parsed, taken, 2) == 0 && taken[0].fd == 7 && taken[1].fd == 12,
         "init carry: the bind fds, in order");
  check_int (init_carry_bind_fds (&parsed, taken, 1), -1, "init carry: more bind fds than files");
  free (text);
  text = init_carry_format (&carry, files, 0);
  check (init_carry_parse (text, &parsed) == 0 && init_carry_bind_fds (&parsed, taken, 0) == 0,
         "init carry: no bind files");
  check_int (init_carry_bind_fds (&parsed, taken, 1), -1, "init carry: fewer bind fds than files");
  free (text);
  check_int (init_carry_parse ("4:1:0:2:-1:", &parsed), -1, "init carry: SIGPIPE is 0 or 1");
  check_int (init_carry_parse ("-1:1:0:0:-1:", &parsed), -1, "init carry: no sync fd");
  check_int (init_carry_parse ("4:1:zz:0:-1:", &parsed), -1, "init carry: the blocked signals in hexadecimal");
  check_int (init_carry_parse ("4:1:0:0", &parsed), -1, "init carry: cut short");
}

static void
test_is_plain_path_below_dev (void)
{
  check (is_plain_path_below_dev ("/dev/net/tun"), "device path: /dev/net/tun");
  check (is_plain_path_below_dev ("/dev/fuse"), "device path: /dev/fuse");
  check (!is_plain_path_below_dev ("/devices"), "device path: not under /dev");
  check (!is_plain_path_below_dev ("/dev/"), "device path: /dev itself");
  check (!is_plain_path_below_dev ("/dev/../etc/passwd"), "device path: no .. inside");
  check (!is_plain_path_below_dev ("/dev/net/.."), "device path: no .. at the end");
  check (!is_plain_path_below_dev ("/dev/./null"), "device path: no .");
  check (!is_plain_path_below_dev ("/dev//null"), "device path: no empty part");
}

/* The second container's move, played between the first one's resolve and mount. */
static void
swap_for_symlink (const char *dir, const char *name)
{
  char path[4096], moved[4096];

  snprintf (path, sizeof path, "%s/%s", dir, name);
  snprintf (moved, sizeof moved, "%s/%s-moved", dir, name);
  if (rename (path, moved) < 0 || symlink ("elsewhere", path) < 0)
    _exit (11);
}

static void
exit_with_errno (int err, const char *message)
{
  (void) message;
  _exit (err == EXDEV ? 0 : 12);
}

/* In a child, in user and mount namespaces of its own, on a tmpfs: resolves a volume's
 * target, lets swap play (or not), mounts a tmpfs onto the resolved fd and checks where it
 * landed, as volumes.c does. Exits 0 when the check refused it (EXDEV), 1 when it passed,
 * 10 when the test could not set up. Swapped, the mount lands on the moved folder, not
 * where the path leads now: only the check sees it. */
static void
mount_volume_with_swap (const char *dir, bool swap)
{
  char path[4096];
  char map[64], group_map[64];
  int root_fd, target, fs, tree;
  struct stat moved, base;

  snprintf (map, sizeof map, "0 %d 1", (int) getuid ());
  snprintf (group_map, sizeof group_map, "0 %d 1", (int) getgid ());
  if (unshare (CLONE_NEWUSER | CLONE_NEWNS) < 0 || write_file ("/proc/self/setgroups", "deny") < 0
      || write_file ("/proc/self/uid_map", map) < 0 || write_file ("/proc/self/gid_map", group_map) < 0
      || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || mount ("tmpfs", dir, "tmpfs", 0, NULL) < 0)
    _exit (10);
  snprintf (path, sizeof path, "%s/volume", dir);
  mkdir (path, 0755);
  snprintf (path, sizeof path, "%s/elsewhere", dir);
  mkdir (path, 0755);
  root_fd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  target = open_in_root (root_fd, "/volume");
  if (root_fd < 0 || target < 0)
    _exit (10);
  if (swap)
    swap_for_symlink (dir, "volume");
  fs = (int) syscall (SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
  if (fs < 0 || syscall (SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    _exit (10);
  tree = (int) syscall (SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
  if (tree < 0 || move_mount_on_fd (tree, target) < 0)
    _exit (10);
  snprintf (path, sizeof path, "%s/volume-moved", dir);
  /* Swapped, the mount is on the moved folder: a filesystem other than dir's. */
  if (swap && (stat (path, &moved) < 0 || stat (dir, &base) < 0 || moved.st_dev == base.st_dev))
    _exit (10);
  set_die_handler (exit_with_errno);
  check_mount_landed (root_fd, "/volume", target, "volume");
  _exit (1);
}

/* The exit code of mount_volume_with_swap in a child, on a folder of its own (removed after). */
static int
volume_race_exit_code (bool swap)
{
  char dir[] = "/tmp/ryouiki-race-XXXXXX";
  pid_t pid;
  int status = -1;

  if (mkdtemp (dir) == NULL)
    return -1;
  pid = fork ();
  if (pid == 0)
    mount_volume_with_swap (dir, swap);
  if (pid < 0 || waitpid (pid, &status, 0) < 0 || !WIFEXITED (status))
    status = -1;
  rmdir (dir);
  return status < 0 ? -1 : WEXITSTATUS (status);
}

static void
test_volume_swap_race (void)
{
  check_int (volume_race_exit_code (false), 1, "volume race: unswapped, the mount lands and passes the check");
  check_int (volume_race_exit_code (true), 0,
             "volume race: swapped for a symlink between resolve and mount, the landing check refuses it");
}

static void
test_cwd_is_inside_root (void)
{
  check (cwd_is_inside_root ("/srv"), "cwd_is_inside_root: an absolute path");
  check (!cwd_is_inside_root ("(unreachable)/home/user"), "cwd_is_inside_root: the kernel's unreachable mark");
  check (!cwd_is_inside_root (NULL), "cwd_is_inside_root: a failed getcwd");
}

static void
test_seals_make_sealed_copy (void)
{
  check (seals_make_sealed_copy (SEALED_COPY_SEALS | F_SEAL_FUTURE_WRITE), "sealed copy: every seal, and more");
  check (!seals_make_sealed_copy (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW), "sealed copy: writable is not sealed");
  check (!seals_make_sealed_copy (-1), "sealed copy: a file that takes no seals (EINVAL) is not one");
}

static void
test_is_null_device (void)
{
  struct stat null = { .st_mode = S_IFCHR | 0666, .st_rdev = makedev (1, 3) };
  struct stat zero = { .st_mode = S_IFCHR | 0666, .st_rdev = makedev (1, 5) };
  struct stat link = { .st_mode = S_IFLNK | 0777, .st_rdev = makedev (1, 3) };

  check (is_null_device (&null), "is_null_device: 1:3");
  check (!is_null_device (&zero), "is_null_device: not /dev/zero");
  check (!is_null_device (&link), "is_null_device: not a symlink, whatever its numbers");
}

/* ---- mount targets ---- */

/* Checks that fd is open (expected_errno 0), or was refused with expected_errno; closes it. */
static void
check_open_result (int fd, int expected_errno, const char *what)
{
  int err = errno;

  check (expected_errno == 0 ? fd >= 0 : fd < 0 && err == expected_errno, "%s", what);
  if (fd >= 0)
    close (fd);
}

static void
test_open_in_root (void)
{
  char root[] = "/tmp/ryouiki-test-units-XXXXXX";
  char etc[64], up[64], climb[64];
  int root_fd, host_root;

  if (mkdtemp (root) == NULL)
    {
      check (false, "open_in_root: make a folder");
      return;
    }
  snprintf (etc, sizeof etc, "%s/etc", root);
  snprintf (up, sizeof up, "%s/up", root);
  snprintf (climb, sizeof climb, "%s/climb", root);
  mkdir (etc, 0755);
  symlink ("/../../../../etc", up);
  symlink ("../../../../../../../../proc", climb);
  root_fd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  host_root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

  check_open_result (open_in_root (root_fd, "/up/passwd"), ENOENT,
                     "open_in_root: an absolute symlink with .. stays in the root (its etc has no passwd)");
  check_open_result (open_in_root (root_fd, "up"), 0, "open_in_root: that symlink leads to the root's own etc");
  check_open_result (open_in_root (root_fd, "climb/self"), ENOENT,
                     "open_in_root: a relative symlink climbing out stays in the root");
  check_open_result (open_in_root (host_root, "/proc/self/root/etc"), ELOOP, "open_in_root: a magic link is refused");
  check_open_result (open_entry_folder (root_fd, "up"), ENOTDIR, "open_entry_folder: a symlink is never followed");
  check_open_result (open_entry_folder (root_fd, "etc"), 0, "open_entry_folder: a folder");

  close (host_root);
  close (root_fd);
  unlink (up);
  unlink (climb);
  rmdir (etc);
  rmdir (root);
}

static void
test_is_new_mount_root (void)
{
  check (is_new_mount_root (10, 11, true), "is_new_mount_root: the root of another mount");
  check (!is_new_mount_root (10, 10, true), "is_new_mount_root: the mount the target was on already");
  check (!is_new_mount_root (10, 11, false), "is_new_mount_root: inside another mount, not its root");
}

int
main (void)
{
  char *results = NULL;
  size_t results_size = 0;

  tap = open_memstream (&results, &results_size);
  if (tap == NULL)
    {
      printf ("Bail out! open_memstream failed\n");
      return 1;
    }
  test_options_defaults ();
  test_options_all ();
  test_options_bind_files ();
  test_options_errors ();
  test_parse_fd_number ();
  test_format_id_map ();
  test_full_id_maps ();
  test_userns_diagnosis ();
  test_exit_codes ();
  test_info_lines ();
  test_error_lines ();
  test_sync_messages ();
  test_cri_time ();
  test_cri_record ();
  test_cri_next_record ();
  test_cri_exit ();
  test_cri_gap ();
  test_tty_options ();
  test_relay_buffer ();
  test_read_ended_by_eof ();
  test_take_typed_ahead ();
  test_sync_receive_with_fd ();
  test_split_nul_list ();
  test_fd_ranges_to_close ();
  test_init_carry ();
  test_is_plain_path_below_dev ();
  test_volume_swap_race ();
  test_cwd_is_inside_root ();
  test_seals_make_sealed_copy ();
  test_is_null_device ();
  test_proc_title ();
  test_detach_keys ();
  test_isolation_parsers ();
  test_seccomp_rules ();
  test_seccomp_cache_entry ();
  test_mount_options ();
  test_bundle_parsers ();
  test_bundle_options ();
  test_start_hooks_parse ();
  test_open_in_root ();
  test_is_new_mount_root ();
  fclose (tap);
  printf ("1..%d\n%s", test_count, results);
  free (results);
  return failure_count == 0 ? 0 : 1;
}
