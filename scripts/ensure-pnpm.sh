#!/bin/sh
# Makes sure the pinned pnpm is on PATH (installing it with npm as root).
set -eu
want=$(sed -n 's/.*"packageManager": "pnpm@\([^"]*\)".*/\1/p' "$(dirname "$0")/../package.json")
have=$(pnpm --version 2>/dev/null || true)
[ "$have" = "$want" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  npm install --global --no-fund --no-audit "pnpm@$want" >/dev/null
else
  echo "ensure-pnpm: pnpm $want is needed (found '${have:-none}'): npm install -g pnpm@$want" >&2
  exit 1
fi
