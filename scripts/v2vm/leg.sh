# make test-cgroup-v2, inside the VM: run by run.sh as root (sh) in /project,
# a built copy of the checkout owned by the VM's user. Shows the limits at
# work from a plain login shell, then runs the tests that need pure cgroup v2
# as that user: in a delegated scope (the cgroup test files, the detached
# cgroup tests, the podman ones of the systemd file) and from a plain login
# shell (the systemd file whole: ryouiki and podman each ask systemd for
# scopes). Emulated, code runs 5-20 times slower: nothing else runs here.
# run.sh puts CI=... above this. Exit 1 when a step failed.
set -u
user=ryouiki-test
failed=0
# runuser -l opens a login session (pam_systemd): a session scope the user cannot write, as after ssh.
as_login() { runuser -l "$user" -c "cd /project && $1"; }
step() {
  echo "=== $1"
  if as_login "$2"; then echo "=== ok: $1"; else echo "=== FAILED: $1"; failed=1; fi
}
jest="env CI=${CI:-} RYOUIKI_TEST_CGROUPS=v2 RYOUIKI_TEST_WAIT_SCALE=15 node --experimental-vm-modules --no-warnings ../node_modules/jest/bin/jest.js --config jest.v2.config.js --ci"

echo "=== kernel $(uname -r), PID 1 $(cat /proc/1/comm), /sys/fs/cgroup is $(stat -fc %T /sys/fs/cgroup)," \
  "user@$(id -u $user).service delegates: $(cat /sys/fs/cgroup/user.slice/user-$(id -u $user).slice/user@$(id -u $user).service/cgroup.controllers)"
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && ! grep -q ' cgroup ' /proc/mounts || { echo "=== FAILED: not pure cgroup v2"; exit 1; }

step "limits from a login shell (ryouiki asks systemd for a delegated scope)" 'sh scripts/v2vm/show-limits.sh'
step "cgroup tests in a delegated scope (systemd-run --user --scope -p Delegate=yes)" \
  "systemd-run --user --scope -p Delegate=yes --quiet -- sh scripts/v2vm/in-delegated-scope.sh $jest cgroups.test.ts detached-cgroups.test.ts cgroups-v2-systemd.test.ts -t 'cgroups of a delegated user|limits on detached containers|podman'"
step "systemd tests from a plain login shell" "cd tests && $jest cgroups-v2-systemd.test.ts"
exit $failed
