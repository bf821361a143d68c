/**
 * The file descriptors the launching process gives the helper and the
 * supervisor (and ryouiki-exec), as helper/README.md documents them.
 */
/** JSON lines from the helper (relayed by the supervisor): `{pid}`, `{exec}`, `{ready}`, `{exit}`, `{error}`. */
export const INFO_FD = 3;
/** One byte on it lets the helper go on once its resources are attached; closing it without one aborts. */
export const BLOCK_FD = 4;
/** The supervisor's end of a socket pair a detached network watches, so that it ends with the supervisor. */
export const LINK_FD = 5;
/** In the helper: the OCI start fifo the supervisor opens for it, which gates the command's exec. */
export const GATE_FD = 5;
