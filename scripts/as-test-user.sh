#!/bin/sh
# Runs a command in a built copy of this checkout as the unprivileged test user.
# Rootless behaviour is never tested as root: as root, this prepares the host,
# copies the built tree to a folder the test user can enter (the checkout may
# sit under /root) and runs the command there as that user. As any other user
# it runs the command in place. Unless RYOUIKI_TEST_CGROUPS=undelegated, the
# command runs in cgroups delegated to the test user (scripts/test-cgroups.sh),
# removed afterwards.
# Usage: as-test-user.sh COMMAND [ARGS...]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
  cd "$top"
  exec "$@"
fi

TEST_USER=${RYOUIKI_TEST_USER:-ryouiki-test}
TEST_CGROUPS=${RYOUIKI_TEST_CGROUPS:-delegated}
"$top/scripts/setup-test-host.sh"
home=$(getent passwd "$TEST_USER" | cut -d: -f6)
copy=/var/tmp/ryouiki-tree-$TEST_USER

rm -rf "$copy"
mkdir -m 0755 "$copy"
# On every way out, a signal too: the copy and the delegated folders go, and a folder
# that cannot go (something a test left running in it) fails the run.
clean_up() {
  status=$?
  cd / && rm -rf "$copy"
  if [ "$TEST_CGROUPS" = delegated ] && ! "$top/scripts/test-cgroups.sh" remove "$TEST_USER"; then
    echo "as-test-user: the cgroups delegated to $TEST_USER held what the run left behind, or would not go (above)" >&2
    [ "$status" -ne 0 ] || status=1
  fi
  exit "$status"
}
trap clean_up EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
enter=""
if [ "$TEST_CGROUPS" = delegated ]; then
  "$top/scripts/test-cgroups.sh" delegate "$TEST_USER"
  enter="$top/scripts/test-cgroups.sh enter $TEST_USER"
fi
# The copy holds the built tree (node_modules, dist, the helper) but not .git.
tar -C "$top" --exclude=./.git -cf - . | tar -C "$copy" -xf -
chown -R "$TEST_USER:" "$copy"

cd "$copy"
$enter runuser -u "$TEST_USER" -- env -i \
  HOME="$home" USER="$TEST_USER" LOGNAME="$TEST_USER" \
  PATH="/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" \
  LANG=C.UTF-8 CI="${CI:-}" TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 RYOUIKI_TEST_CGROUPS="$TEST_CGROUPS" \
  "$@"
