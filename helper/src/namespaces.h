/* namespaces.h: which namespaces the container gets, new or joined. */
#pragma once

#include "options.h"

/* Parses "TYPE:PATH" (TYPE: user, mount, pid, uts, ipc, network, cgroup) of --join-ns; returns 0, or -1. */
int parse_namespace_join (char *text, struct namespace_join *join);

/* The clone flags of the container's namespaces: new ones but those joined or shared. */
unsigned long namespaces_clone_flags (const struct options *opts);

/* Before clone, in the helper: joins each --join-ns (the user namespace first: the others
 * can only be joined by someone privileged in the user namespace that owns them). */
void namespaces_join (const struct options *opts);

/* True when the container lives in a user namespace joined by path (no id maps to write). */
bool namespaces_joined_user (const struct options *opts);
