/* init-exec.h: the container's init executes its own image again once it is in the
 * container's user namespace.
 *
 * The kernel lets a process trace a non-dumpable one (or open its /proc/PID/ns, fd,
 * environ, mem) only with CAP_SYS_PTRACE in the user namespace its memory was made in,
 * at its last execve. Cloned from the helper, the init's memory is the host's, so a
 * non-dumpable init would lock its own user (ryouiki exec, pasta, engines) out. Executed
 * again inside the container's user namespace, whose owner has every capability in it,
 * it can stay non-dumpable: its user still enters, and a process in the container
 * without CAP_SYS_PTRACE can never trace or read it.
 *
 * What the helper read from the host before clone (the rootfs path, the seccomp rules,
 * the bind files) and the sync socket cross the exec as fds and as the first arguments:
 *   ryouiki-init --container-init SYNC:PID:BLOCKED:SIGPIPE:SECCOMP:BIND,... ROOTFS ARGS...
 * Runs before pivot_root: the binary's libraries are the host's. */
#pragma once

#include "init.h"
#include "options.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONTAINER_INIT_FLAG "--container-init"

struct init_carry
{
  int sync_fd;
  int host_pid;         /* the init's PID as the host sees it (start hooks' state) */
  uint64_t blocked;     /* bit N-1: the caller had signal N blocked */
  bool sigpipe_ignored; /* the caller ignored SIGPIPE */
  int seccomp_fd;       /* a memfd with the rules, -1: no filter */
  const char *bind_fds; /* "FD,FD,...": the bind files' fds, in order */
};

/* Formats carry (bind fds from files) as the argument after CONTAINER_INIT_FLAG; NULL when
 * out of memory. Free the result. */
char *init_carry_format (const struct init_carry *carry, const struct bind_file *files, size_t n_files);

/* Parses that argument into carry (bind_fds points into text); returns 0, or -1. */
int init_carry_parse (const char *text, struct init_carry *carry);

/* Sets the n_files fds of files from carry's list; returns 0, or -1 when it names another number. */
int init_carry_bind_fds (const struct init_carry *carry, struct bind_file *files, size_t n_files);

/* In main, before the options are parsed (they are parsed in place): keeps argv for the init. */
void init_exec_remember_args (int argc, char **argv);
void init_exec_forget_args (void);

/* In the init, once the helper has said go: executes the init again as described above. */
__attribute__ ((noreturn)) void init_exec_in_container (const struct options *opts, const char *rootfs, int sync_fd,
                                                        const struct saved_signals *saved, int host_pid);

/* In the init executed again: takes the carried rules, bind fds and signals into opts and
 * saved, and closes what only crossed the exec. */
void init_exec_take_carry (const struct init_carry *carry, struct options *opts, struct saved_signals *saved);
