/* proc-title.h: hides the helper's arguments from the container (see proc-title.c). */
#pragma once

/* Notes where the kernel keeps argv (one contiguous area); call it first thing in main. */
void proc_title_remember (int argc, char **argv);

/* Overwrites that area with the program's name: every argv string is gone afterwards. */
void proc_title_hide (void);
