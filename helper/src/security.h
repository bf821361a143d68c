/* security.h: who the command runs as and what it may do: user, capabilities,
 * no_new_privs, seccomp. */
#pragma once

#include "options.h"

/* In the command's process, just before exec: --user (supplementary groups cleared
 * where setgroups is allowed), the capability sets cut to opts->caps (all of them
 * empty for a user other than 0, but the bounding set), no_new_privs unless
 * privileged, and the seccomp filter last. */
void secure_command (const struct security_options *opts);
