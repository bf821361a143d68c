#!/bin/sh
# Manual check, as root, of Ryouiki's cgroup v2 limits on a HYBRID host (this
# project's machines), where make test can only use v1 controllers: it moves
# the pids and cpu controllers from their v1 hierarchies to the v2 tree,
# enables them for the delegated subtree as systemd's Delegate=yes would, runs
# the cgroup integration tests as the test user, and moves the controllers
# back. It unmounts /sys/fs/cgroup/pids and /sys/fs/cgroup/cpu for a while:
# run it only on a machine where nothing else uses them (no other test run).
# memory stays on v1 (other processes' cgroups hold it), so the v2 memory
# path is not covered by this check.
# Usage: check-v2-controllers.sh   (from a built checkout)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
v2=/sys/fs/cgroup/unified
moved="pids cpu"

fail() { echo "check-v2-controllers: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run it as root"
[ "$(stat -fc %T "$v2" 2>/dev/null)" = cgroup2fs ] || fail "$v2 is not a cgroup v2 tree: this is for hybrid hosts"
[ "$(sed -n 's/^0:://p' /proc/self/cgroup)" = / ] || fail "this shell must be in the v2 root cgroup"
for c in $moved; do
  mountpoint -q "/sys/fs/cgroup/$c" || fail "/sys/fs/cgroup/$c is not a v1 mount"
  [ -z "$(find "/sys/fs/cgroup/$c" -mindepth 1 -type d)" ] || fail "the v1 $c hierarchy has cgroups: something uses it"
done

has_controller() { tr ' ' '\n' <"$v2/cgroup.controllers" | grep -qx "$1"; }

restore() {
  for c in $moved; do echo "-$c" >"$v2/cgroup.subtree_control" 2>/dev/null || true; done
  for c in $moved; do
    mountpoint -q "/sys/fs/cgroup/$c" && continue
    # The controller leaves v2 once no v2 cgroup uses it; then v1 can take it back.
    tries=0
    until mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c" 2>/dev/null; do
      tries=$((tries + 1)); [ "$tries" -lt 50 ] || { echo "check-v2-controllers: could not mount v1 $c again" >&2; break; }
      sleep 0.2
    done
  done
}
trap restore EXIT

for c in $moved; do umount "/sys/fs/cgroup/$c"; done
for c in $moved; do
  tries=0
  until has_controller "$c"; do
    tries=$((tries + 1)); [ "$tries" -lt 50 ] || fail "$c did not reach the v2 tree"
    sleep 0.2
  done
done
for c in $moved; do echo "+$c" >"$v2/cgroup.subtree_control"; done
echo "v2 controllers now: $(cat "$v2/cgroup.controllers"); enabled below the root: $(cat "$v2/cgroup.subtree_control")"

cd "$top"
"$top/scripts/as-test-user.sh" sh -c 'cd tests && node --experimental-vm-modules --no-warnings ../node_modules/jest/bin/jest.js --runInBand cgroups detached-cgroups'
