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

$ry tenkai --path "$rootfs" --root "$work/s" --cpus 0.5 --command 'timeout 12 sh -c "while :; do :; done"' &
tenkai=$!
id=
for _ in $(seq 1 300); do
  id=$($ry stats --json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const l=JSON.parse(s||"[]");if(l[0])console.log(l[0].id)})')
  [ -n "$id" ] && break
  sleep 0.2
done
echo "ryouiki stats, while the busy loop runs:"
$ry stats | sed 's/^/  /'
usage() { $ry stats --json "$id" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].stats.cpu.usageUsec))'; }
u0=$(usage); t0=$(date +%s%N)
sleep 4
u1=$(usage); t1=$(date +%s%N)
share=$(awk -v u="$((u1 - u0))" -v t="$(((t1 - t0) / 1000))" 'BEGIN { printf "%.2f", u / t }')
echo "--cpus 0.5: the busy loop got $share of one CPU over $(((t1 - t0) / 1000000)) ms"
check "--cpus 0.5 holds a busy loop at or below its quota" yes "$(awk -v s="$share" 'BEGIN { print (s > 0.1 && s < 0.6) ? "yes" : "no" }')"
wait $tenkai
check "no ryouiki scope is left" "" "$(sleep 2; ls -d /sys/fs/cgroup/user.slice/user-*.slice/user@*.service/ryouiki.slice/*.scope 2>/dev/null)"
exit $failed
