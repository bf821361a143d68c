/* security.h: who the command runs as and what it may do: user, capabilities,
 * no_new_privs, seccomp. */
#pragma once

#include "options.h"

/* In the command's process, just before exec: --user (supplementary groups cleared
 * where setgroups is allowed), the capability sets cut to opts->caps (all of them
 * empty for a user other than 0, but the bounding set), no_new_privs unless
 * privileged, and the seccomp filter last. */
void secure_command (const struct security_options *opts);

/* In the init, once the command is forked and before it runs: the same bounding set,
 * no_new_privs and seccomp filter as the command, and the capabilities root gets
 * (CAP_KILL always, to forward signals to a command of another user). */
void secure_init (const struct security_options *opts);

/* Before the init executes itself again in the container (init-exec.h): its permitted
 * capabilities into the inheritable and ambient sets, so that it keeps them whatever its uid. */
void capabilities_keep_across_exec (void);

/* After that exec: the ambient and inheritable sets emptied again, the others kept. */
void capabilities_end_keeping_across_exec (void);
