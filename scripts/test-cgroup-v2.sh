#!/bin/sh
# make test-cgroup-v2: the tests that need pure cgroup v2 with systemd (this
# project's machines are hybrid), in a Debian 12 VM under qemu: builds its
# image from Debian's packages (cached in /var/cache/ryouiki-v2vm, keyed by a
# hash of its inputs), boots it once with a copy of this built checkout and
# runs scripts/v2vm/leg.sh there. Root only. The log also goes to
# build/test-cgroup-v2.log. Under CI=true nothing is skipped.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
  message="test-cgroup-v2: needs root (debootstrap, and the VM's disk keeps its user's uid): run make test-cgroup-v2 as root"
  if [ "${CI:-}" = true ]; then echo "$message" >&2; exit 1; fi
  echo "skipping $message" >&2
  exit 0
fi
image=$("$top/scripts/v2vm/build-image.sh")
mkdir -p "$top/build"
cmd=$(mktemp)
status=$(mktemp)
trap 'rm -f "$cmd" "$status"' EXIT
{ echo "CI='${CI:-}'"; cat "$top/scripts/v2vm/leg.sh"; } >"$cmd"
started=$(date +%s)
{ RYOUIKI_V2VM_TIMEOUT=${RYOUIKI_V2VM_TIMEOUT:-1500} "$top/scripts/v2vm/run.sh" "$image" "$top" "$cmd" 2>&1; echo $? >"$status"; } | tee "$top/build/test-cgroup-v2.log"
echo "test-cgroup-v2: $(($(date +%s) - started)) s in the VM, log in build/test-cgroup-v2.log"
code=$(cat "$status")
exit "${code:-1}"
