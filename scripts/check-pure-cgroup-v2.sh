#!/bin/bash
# Manual check of Ryouiki's cgroups on a pure cgroup v2 host (this project's
# own machines are hybrid, so make test cannot cover it). Run as root from a
# built checkout (node, busybox): it makes a delegated scope per check, as
# `systemd-run --user --scope -p Delegate=yes` does, runs ryouiki alone in it
# as USER, and says what passed. It moves its own cgroup's processes into a
# leaf to enable memory, pids and cpu there, so use a machine you may change.
# Usage: check-pure-cgroup-v2.sh USER
set -u
user=${1:?usage: check-pure-cgroup-v2.sh USER}
top=$(cd "$(dirname "$0")/.." && pwd)
ry=$top/bin/ryouiki
work=$(mktemp -d /var/tmp/ryouiki-v2-check.XXXXXX)
chmod 0755 "$work"
rootfs=$work/rootfs
BUSYBOX=${BUSYBOX:-/bin/busybox} "$top/scripts/make-busybox-rootfs.sh" "$rootfs" >/dev/null
chmod -R a+rX "$rootfs"
as_user="setpriv --reuid=$(id -u "$user") --regid=$(id -g "$user") --clear-groups env -i HOME=$work PATH=/usr/local/bin:/usr/bin:/bin"
failures=0
check() { # WHAT EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAILED: $1: expected [$2], got [$3]"; failures=$((failures + 1)); fi
}

[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] || { echo "not a pure cgroup v2 host" >&2; exit 1; }
own=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)
mkdir -p "$own/check-leaf"
for pid in $(cat "$own/cgroup.procs"); do echo "$pid" >"$own/check-leaf/cgroup.procs" 2>/dev/null; done
echo "+cpu +memory +pids" >"$own/cgroup.subtree_control"

scope() { # NAME: a delegated scope, as systemd makes it
  mkdir "$own/$1"
  chown "$user:" "$own/$1" "$own/$1/cgroup.procs" "$own/$1/cgroup.subtree_control" "$own/$1/cgroup.threads"
  echo "$own/$1"
}
alone_in() { # SCOPE CMD...: CMD as the user, the only process of SCOPE
  local dir=$1; shift
  sh -c 'echo $$ >"$0/cgroup.procs"; exec "$@"' "$dir" $as_user "$@"
}
left_as_it_was() { # SCOPE
  echo "$(cd "$1" && ls -d -- */ 2>/dev/null)|$(cat "$1/cgroup.subtree_control")"
}

s=$(scope oom)
alone_in "$s" "$ry" tenkai --path "$rootfs" --root "$work/oom" --memory 32m -- dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null
check "--memory 32m OOM-kills a 64 MiB allocation (exit 137)" 137 $?
check "the process log says oom-killed" oom-killed "$($as_user "$ry" inspect --root "$work/oom" | tail -1 | awk -F, '{ print $NF }')"
check "the scope is left as it was" "|" "$(left_as_it_was "$s")"

s=$(scope pids)
out=$(alone_in "$s" "$ry" tenkai --path "$rootfs" --root "$work/pids" --pids-limit 20 \
  --command "sh -c 'for i in \$(seq 1 40); do sleep 60 & done' 2>/dev/null; echo \"forker: \$?\"; kill -9 -1; echo survived")
check "--pids-limit 20: forks beyond fail, the container keeps running" "forker: 2 survived" "$(echo $out)"

s=$(scope cpu)
share=$(alone_in "$s" node --input-type=module -e "
  import { planContainer, run } from '$top/packages/core/dist/index.js';
  const plan = planContainer({ path: '$rootfs', command: 'timeout 2 sh -c \"while :; do :; done\"', limits: { cpus: '0.5' } });
  const result = await run(plan.spec, { id: plan.id, root: '$work/cpu' });
  const share = (result.cgroup?.stats.cpu?.usageUsec ?? 0) / 2e6;
  console.log(share > 0.35 && share < 0.65 ? 'in range' : 'share ' + share);")
check "--cpus 0.5 holds a busy loop to 0.35..0.65 of wall time" "in range" "$share"
check "the scope is left as it was" "|" "$(left_as_it_was "$s")"

s=$(scope plain)
alone_in "$s" "$ry" tenkai --path "$rootfs" --root "$work/plain" -- true
check "a run without limits has a cgroup" "0 cgroup" "$? $($as_user "$ry" inspect --root "$work/plain" | tail -1 | awk -F, '{ print $NF }')"

s=$(scope busy)
err=$(sh -c 'echo $$ >"$0/cgroup.procs"; "$@" 2>&1; echo "exit $?"' "$s" $as_user "$ry" tenkai --path "$rootfs" --root "$work/busy" --memory 32m -- true)
check "a scope that holds other processes gets a clear refusal" "exit 125" "$(echo "$err" | tail -1)"
echo "  ($(echo "$err" | head -1))"

err=$($as_user "$ry" tenkai --path "$rootfs" --root "$work/undelegated" --memory 32m -- true 2>&1)
check "an undelegated user's --memory is refused" 125 $?
echo "  ($err)"
check "an undelegated user's plain run works" "0" "$($as_user "$ry" tenkai --path "$rootfs" --root "$work/undelegated" -- true; echo $?)"

check "no cgroup of ryouiki is left" "" "$(find "$own" -name 'ryouiki-*')"
for name in oom pids cpu plain busy; do rmdir "$own/$name" 2>/dev/null; done
rm -rf "$work"
echo "$failures failed"
[ "$failures" -eq 0 ]
