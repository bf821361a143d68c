import { Flags } from '@oclif/core';

/** Flags every command shares. */
export const storeFlags = {
  root: Flags.string({
    description: "folder for all of Ryouiki's files (default: $RYOUIKI_ROOT, else ${XDG_DATA_HOME:-~/.local/share}/ryouiki)",
    helpGroup: 'GLOBAL',
  }),
};
