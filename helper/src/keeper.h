/* keeper.h: ryouiki-monitor's --keep-while-fd mode (see keeper.c). */
#pragma once

/* argv is { "--keep-while-fd", FD, "--", PROGRAM, ARGS..., NULL }; returns the exit status. */
int keeper_main (int argc, char **argv);
