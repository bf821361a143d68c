#!/bin/sh
# Root-only: delegates cgroups to the test user the way systemd's Delegate=yes
# or an administrator does, so the rootless cgroup tests run on real limits.
# In every hierarchy that has one of them: a cgroup v2 folder (on a hybrid
# machine, the v2 tree) and cgroup v1 memory, pids, cpu, cpuacct, freezer,
# cpuset, blkio, hugetlb, net_cls and net_prio folders (those mounted), each
# named ryouiki-test-USER and made below the cgroup this script runs in, owned
# by USER (the folder and its cgroup.procs, tasks, cgroup.threads and
# cgroup.subtree_control; the folder's own limits stay root's). A v1 cpuset
# folder gets its parent's CPUs and memory nodes: no process may join it
# without.
# Usage: test-cgroups.sh delegate USER   make the folders
#        test-cgroups.sh enter USER CMD  run CMD (as root) in them; its children inherit them
#        test-cgroups.sh remove USER     kill what is left in them and remove them
set -eu
action=$1
user=$2
shift 2
name=ryouiki-test-$user

# "MOUNTPOINT ROOT CGROUP-PATH" for each hierarchy we delegate.
hierarchies() {
  awk -v cgroups=/proc/self/cgroup '
    BEGIN {
      while ((getline line < cgroups) > 0) {
        split(line, part, ":"); path = substr(line, length(part[1]) + length(part[2]) + 3)
        if (part[1] == "0" && part[2] == "") own["cgroup2"] = path
        n = split(part[2], names, ","); for (i = 1; i <= n; i++) own[names[i]] = path
      }
    }
    {
      for (sep = 1; $sep != "-"; sep++) {}
      type = $(sep + 1); options = $(sep + 3)
      if (type == "cgroup2" && !("cgroup2" in seen)) { seen["cgroup2"] = 1; print $5, $4, own["cgroup2"] }
      if (type != "cgroup") next
      n = split(options, names, ",")
      for (i = 1; i <= n; i++) {
        c = names[i]
        if (c ~ /^(memory|pids|cpu|cpuacct|freezer|cpuset|blkio|hugetlb|net_cls|net_prio)$/ && !(c in seen) && (c in own)) {
          for (j = 1; j <= n; j++) seen[names[j]] = 1
          print $5, $4, own[c]
          break
        }
      }
    }' /proc/self/mountinfo
}

folders() {
  hierarchies | while read -r mountpoint root path; do
    if [ "$root" != / ]; then path=${path#"$root"}; fi
    echo "$mountpoint/$path/$name" | sed 's#//*#/#g'
  done
}

case $action in
delegate)
  for dir in $(folders); do
    mkdir "$dir" 2>/dev/null || [ -d "$dir" ]
    chown "$user:" "$dir"
    for file in cpuset.cpus cpuset.mems; do
      if [ -e "$dir/$file" ] && [ -z "$(cat "$dir/$file")" ]; then cat "$dir/../$file" >"$dir/$file"; fi
    done
    for file in cgroup.procs tasks cgroup.threads cgroup.subtree_control; do
      if [ -e "$dir/$file" ]; then chown "$user:" "$dir/$file"; fi
    done
  done
  ;;
enter)
  for dir in $(folders); do
    echo $$ >"$dir/cgroup.procs"
  done
  exec "$@"
  ;;
remove)
  for dir in $(folders); do
    [ -d "$dir" ] || continue
    find "$dir" -depth -type d | while read -r folder; do
      if [ -e "$folder/cgroup.kill" ]; then echo 1 >"$folder/cgroup.kill"; fi
      for pid in $(cat "$folder/cgroup.procs" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
      rmdir "$folder" 2>/dev/null || { sleep 1; rmdir "$folder" || echo "test-cgroups: cannot remove $folder" >&2; }
    done
  done
  ;;
*)
  echo "test-cgroups: unknown action $action: use delegate, enter or remove" >&2
  exit 1
  ;;
esac
