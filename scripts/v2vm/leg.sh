# shellcheck shell=sh
# make test-cgroup-v2, inside the VM: run by run.sh as root (sh) in /project,
# a built copy of the checkout owned by the VM's first user, its tests
# transpiled to JavaScript and a busybox rootfs made on the host
# (tests/busybox-rootfs). Runs the tests that need pure cgroup v2 as two users
# side by side (one per CPU; each test checks that its user has no process
# left, so they cannot share one), each half prefixed in the log:
#   scoped: in a delegated scope (systemd-run --user --scope -p Delegate=yes),
#     the cgroup test file and the detached cgroup tests;
#   login: from a plain login shell, the systemd file whole (ryouiki and
#     podman each ask systemd for scopes), then its podman tests in a
#     delegated scope.
# The tests print the limits at work (OOM kill, pids limit, CPU share).
# Emulated, code runs 5-20 times slower: only what needs v2 runs here.
# run.sh puts CI=... above this. Exit 1 when a step failed.
set -u
# runuser -l opens a login session (pam_systemd): a session scope the user cannot write, as after ssh.
as_login() { runuser -l "$1" -c "cd /project && $2"; }
step() { # USER WHAT COMMAND
  echo "=== $2"
  begun=$(date +%s)
  if as_login "$1" "$3"; then result=ok; else result=FAILED; fi
  echo "=== $result ($(($(date +%s) - begun)) s): $2"
  [ "$result" = ok ]
}
jest="env CI=${CI:-} RYOUIKI_TEST_CGROUPS=v2 RYOUIKI_TEST_WAIT_SCALE=15 RYOUIKI_BUSYBOX_ROOTFS=/project/tests/busybox-rootfs \
node --experimental-vm-modules --no-warnings ../node_modules/jest/bin/jest.js --config jest.v2.config.js --ci --verbose"
in_scope="systemd-run --user --scope -p Delegate=yes --quiet -- sh scripts/v2vm/in-delegated-scope.sh $jest"
# What behaves the same on every host (refusals, --cgroups=disabled) runs on the host only.
v2_only="^(?!.*(--cgroups=disabled|does not know|does not exist|cannot be enforced))"

scoped() {
  step ryouiki-test "cgroup and detached cgroup tests in a delegated scope" \
    "$in_scope integration/cgroups.test.js detached-cgroups.test.js -t '$v2_only'"
}
login() {
  step ryouiki-test2 "systemd tests from a plain login shell (ryouiki and podman ask systemd for scopes)" \
    "cd tests && $jest cgroups-v2-systemd.test.js" || status=1
  step ryouiki-test2 "podman tests in a delegated scope" "$in_scope cgroups-v2-systemd.test.js -t podman" && [ "${status:-0}" = 0 ]
}

for user in ryouiki-test ryouiki-test2; do
  uid=$(id -u "$user")
  echo "=== kernel $(uname -r), PID 1 $(cat /proc/1/comm), /sys/fs/cgroup is $(stat -fc %T /sys/fs/cgroup)," \
    "user@$uid.service delegates: $(cat "/sys/fs/cgroup/user.slice/user-$uid.slice/user@$uid.service/cgroup.controllers")," \
    "up $(cut -d' ' -f1 /proc/uptime) s"
done
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && ! grep -q ' cgroup ' /proc/mounts || { echo "=== FAILED: not pure cgroup v2"; exit 1; }

for half in scoped login; do
  { "$half" 2>&1; echo $? >"/run/leg-$half"; } | sed -u "s/^/$half | /" &
done
wait
failed=0
for half in scoped login; do
  [ "$(cat "/run/leg-$half" 2>/dev/null)" = 0 ] || { echo "=== FAILED: the $half half"; failed=1; }
done
exit $failed
