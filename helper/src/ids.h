/* ids.h: uid/gid maps and the diagnosis of user namespace failures. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The sysctls that can forbid unprivileged user namespaces; -1 where the file is missing. */
struct userns_sysctls
{
  int max_user_namespaces;                   /* /proc/sys/user/max_user_namespaces */
  int unprivileged_userns_clone;             /* Debian's kernel.unprivileged_userns_clone */
  int apparmor_restrict_unprivileged_userns; /* Ubuntu's kernel.apparmor_restrict_... */
};

/* Formats one uid_map/gid_map line; returns its length, or -1 if size is too small. */
int format_id_map (char *buf, size_t size, unsigned inside, unsigned outside, unsigned count);

/* Why the kernel may have refused a user namespace, and how to fix it, in one line. */
void userns_diagnosis (const struct userns_sysctls *sysctls, char *buf, size_t size);

void userns_read_sysctls (struct userns_sysctls *sysctls);

/* Whether err, from clone(CLONE_NEWUSER), may mean user namespaces are forbidden. */
bool is_userns_refusal (int err);

/* Dies with "user namespace: <strerror(err)>: <diagnosis>". */
__attribute__ ((noreturn)) void die_userns (int err);

/* Maps root in the user namespace of pid to uid and gid, which must be our own. */
void write_id_maps (pid_t pid, uid_t uid, gid_t gid);
