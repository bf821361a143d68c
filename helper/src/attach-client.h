/* attach-client.h: ryouiki-exec --attach SOCKET [--stdin] [--detach-keys BYTES]
 * [--info-fd N], the client of a detached container's attach socket. */
#pragma once

/* Runs the client; returns the container's exit code (or exits on detach or failure). */
int attach_main (int argc, char **argv);
