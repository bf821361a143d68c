/* sysctl.h: namespaced kernel parameters (net.*, kernel.shm*, ...) of the container. */
#pragma once

#include "options.h"

#include <stddef.h>

/* The /proc/sys file of a KEY=VALUE or KEY: net.ipv4.ip_forward is
 * /proc/sys/net/ipv4/ip_forward. Returns 0, or -1 for a key that is not made of
 * letters, digits, '_', '-' and single dots between them, or a path that does not fit. */
int sysctl_path (const char *setting, char *path, size_t size);

/* Once /proc is mounted, before it is made read-only: writes each --sysctl. */
void sysctl_apply (const struct options *opts);
