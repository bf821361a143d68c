# in-delegated-scope.sh COMMAND...: run inside a fresh `systemd-run --user
# --scope -p Delegate=yes`, as its only process: moves itself into a leaf of
# the scope (cgroup v2 gives controllers only to cgroups without processes),
# enables cpu memory pids for the scope's children and runs COMMAND in tests/
# from that leaf. The test harness then makes its --cgroup-parent beside it.
set -eu
scope=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)
mkdir "$scope/runner"
echo $$ >"$scope/runner/cgroup.procs"
echo "+cpu +memory +pids" >"$scope/cgroup.subtree_control"
echo "delegated scope $scope: children get $(cat "$scope/cgroup.subtree_control")"
cd tests
exec "$@"
