# show-limits.sh: run by leg.sh as the VM's user in /project, from a login
# shell: each limit enforced, in the log's own words. Exit 1 when one is not.
set -u
ry=./bin/ryouiki
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
scripts/make-busybox-rootfs.sh "$rootfs" >/dev/null
failed=0
check() { if [ "$2" = "$3" ]; then echo "ok: $1: $3"; else echo "FAILED: $1: expected [$2], got [$3]"; failed=1; fi; }
echo "login shell's cgroup: $(sed -n 's/^0:://p' /proc/self/cgroup)"

$ry tenkai --path "$rootfs" --root "$work/s" --memory 32m -- dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null
check "--memory 32m, dd of 64 MiB: OOM kill, exit" 137 $?
check "the process log records it" oom-killed "$($ry inspect --root "$work/s" | tail -1 | awk -F, '{ print $NF }')"

out=$($ry tenkai --path "$rootfs" --root "$work/s" --pids-limit 8 \
  --command "sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 30 & done' 2>&1; echo \"forker exit \$?\"; kill -9 -1")
echo "$out" | sed 's/^/  container: /'
check "--pids-limit 8: forks refused beyond it" "sh: can't fork: Resource temporarily unavailable|forker exit 2" "$(echo "$out" | tail -2 | sed 's/^.*sh: /sh: /' | paste -sd'|')"

$ry tenkai --path "$rootfs" --root "$work/s" --cpus 0.5 --command 'while :; do :; done' &
tenkai=$!
folder=
for _ in $(seq 1 600); do
  folder=$(ls -d /sys/fs/cgroup/user.slice/user-*.slice/user@*.service/ryouiki.slice/*.scope/ryouiki-*-* 2>/dev/null | head -1)
  [ -n "$folder" ] && [ -n "$(cat "$folder/cgroup.procs" 2>/dev/null)" ] && break
  sleep 0.2
done
echo "the busy loop's cgroup: ${folder#/sys/fs/cgroup}, cpu.max $(cat "$folder/cpu.max")"
usage() { sed -n 's/^usage_usec //p' "$folder/cpu.stat"; }
u0=$(usage); t0=$(date +%s%N)
sleep 5
u1=$(usage); t1=$(date +%s%N)
share=$(awk -v u="$((u1 - u0))" -v t="$(((t1 - t0) / 1000))" 'BEGIN { printf "%.2f", u / t }')
echo "--cpus 0.5: the busy loop got $share of one CPU over $(((t1 - t0) / 1000000)) ms"
check "--cpus 0.5 holds a busy loop at or below its quota" yes "$(awk -v s="$share" 'BEGIN { print (s > 0.1 && s < 0.6) ? "yes" : "no" }')"
echo "ryouiki stats, while it runs:"
$ry stats | sed 's/^/  /'
echo 1 >"$folder/cgroup.kill"
wait $tenkai
check "cgroup.kill ends it: tenkai exits" 137 $?
scopes() { ls -d /sys/fs/cgroup/user.slice/user-*.slice/user@*.service/ryouiki.slice/*.scope 2>/dev/null; }
for _ in $(seq 1 100); do [ -z "$(scopes)" ] && break; sleep 0.2; done
check "no ryouiki scope is left" "" "$(scopes)"
exit $failed
