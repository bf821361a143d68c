#!/bin/sh
# make test-cgroup-v2 (and make test, as root): the tests that need pure
# cgroup v2 with systemd (this project's machines are hybrid), in a Debian 12
# VM under qemu: builds its image from Debian's packages (cached in
# /var/cache/ryouiki-v2vm, keyed by a hash of its inputs), boots it once with a
# copy of this built checkout and runs scripts/v2vm/leg.sh there. Root only.
# The whole leg, image build included, is bounded by
# RYOUIKI_TEST_CGROUP_V2_TIMEOUT seconds (default 1200): beyond it, it fails.
# The log also goes to build/test-cgroup-v2.log; it ends with the limits the
# tests saw enforced, each after the cgroup its test ran in. Under CI=true nothing is skipped.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
fail() { echo "test-cgroup-v2: FAILED: $*" >&2; exit 1; }
if [ "$(id -u)" -ne 0 ]; then
  message="needs root (debootstrap, and the VM's disk keeps its user's uid): run make test-cgroup-v2 as root"
  [ "${CI:-}" != true ] || fail "$message"
  echo "test-cgroup-v2: skipping: $message" >&2
  exit 0
fi
limit=${RYOUIKI_TEST_CGROUP_V2_TIMEOUT:-1200}
started=$(date +%s)
image=$(timeout "$limit" "$top/scripts/v2vm/build-image.sh") ||
  fail "the VM image was not built (the lines above say why; a build that takes over $limit s is killed)"
left=$((limit - ($(date +%s) - started)))
[ "$left" -gt 60 ] || fail "building the VM image left $left s of the leg's $limit s (RYOUIKI_TEST_CGROUP_V2_TIMEOUT)"
mkdir -p "$top/build"
log=$top/build/test-cgroup-v2.log
cmd=$(mktemp)
status=$(mktemp)
trap 'rm -f "$cmd" "$status"' EXIT
{ echo "CI='${CI:-}'"; cat "$top/scripts/v2vm/leg.sh"; } >"$cmd"
{
  code=0
  RYOUIKI_V2VM_TIMEOUT=$left "$top/scripts/v2vm/run.sh" "$image" "$top" "$cmd" 2>&1 || code=$?
  echo "$code" >"$status"
} | tee "$log"
code=$(cat "$status")
{
  echo "=== the limits the tests saw enforced on pure cgroup v2:"
  grep -F 'cgroups-v2-systemd: ' "$log" || echo "(none: the tests that print them did not run)"
} | tee -a "$log"
took=$(($(date +%s) - started))
case ${code:-1} in
  0) echo "test-cgroup-v2: passed in $took s, log in build/test-cgroup-v2.log" ;;
  124) fail "the leg took over its $limit s (RYOUIKI_TEST_CGROUP_V2_TIMEOUT) and was stopped, log in build/test-cgroup-v2.log" ;;
  *) fail "exit ${code:-none} after $took s, log in build/test-cgroup-v2.log" ;;
esac
