#!/bin/sh
# Copies executables into a folder without writing over a running one: each is
# written beside its target under a temporary name, then renamed over it, so a
# container still running the old binary keeps it (no "Text file busy") and no
# reader ever sees a half-written file.
# Usage: install-binaries.sh DEST_DIR FILE...
set -eu
dest=$1
shift
mkdir -p "$dest"
for file in "$@"; do
  target="$dest/$(basename "$file")"
  cp "$file" "$target.tmp.$$"
  chmod 0755 "$target.tmp.$$"
  mv -f "$target.tmp.$$" "$target"
done
