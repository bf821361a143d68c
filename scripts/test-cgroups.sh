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
#        test-cgroups.sh remove USER     kill what is left in them and remove them; fails,
#                                        naming it, when they held anything (a process, a
#                                        folder) or one cannot be removed
# A folder found already there when delegating is a leftover of an earlier run
# (one killed before it could remove its folders): it is removed first.
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

# What a folder still holds, for the message: its sub-folders and its processes.
contents() {
  find "$1" -type d | while read -r folder; do
    for pid in $(cat "$folder/cgroup.procs" 2>/dev/null); do
      echo "${folder#"$1"}/ pid $pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
    done
  done
  find "$1" -mindepth 1 -type d | sed "s#^$1#sub-folder #"
}

# A frozen task ignores SIGKILL until thawed (cgroup v1's freezer, v2's cgroup.freeze),
# and it sits in every hierarchy's folder: thaw them all before killing in any.
thaw() {
  for top in "$@"; do
    find "$top" -depth -type d | while read -r folder; do
      if [ -e "$folder/freezer.state" ]; then echo THAWED >"$folder/freezer.state" 2>/dev/null || true; fi
      if [ -e "$folder/cgroup.freeze" ]; then echo 0 >"$folder/cgroup.freeze" 2>/dev/null || true; fi
    done
  done
}

# Kills everything in folder and below and removes them all, deepest first (a killed
# task takes a moment to leave). Fails, naming what is left, when it cannot.
release() {
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    find "$1" -depth -type d | while read -r folder; do
      if [ -e "$folder/cgroup.kill" ]; then echo 1 >"$folder/cgroup.kill" 2>/dev/null || true; fi
      for pid in $(cat "$folder/cgroup.procs" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
      rmdir "$folder" 2>/dev/null || true
    done
    [ -d "$1" ] || return 0
    [ "$attempt" -eq 10 ] || sleep 0.5
  done
  echo "test-cgroups: cannot remove $1; it holds:" >&2
  contents "$1" >&2
  return 1
}

# The delegated folders that exist.
present() {
  for dir in $(folders); do
    if [ -d "$dir" ]; then echo "$dir"; fi
  done
}

case $action in
delegate)
  left=$(present)
  if [ -n "$left" ]; then
    echo "test-cgroups: left from an earlier run, removed first:" $left >&2
    thaw $left
    for dir in $left; do release "$dir"; done
  fi
  for dir in $(folders); do
    mkdir "$dir"
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
  status=0
  left=$(present)
  # The command has ended: whatever is still in its folders, a process or a folder, is
  # something a test left behind. Said, and a failure, then removed all the same.
  for dir in $left; do
    held=$(contents "$dir")
    if [ -n "$held" ]; then
      printf 'test-cgroups: left behind in %s:\n%s\n' "$dir" "$held" >&2
      status=1
    fi
  done
  thaw $left
  for dir in $left; do release "$dir" || status=1; done
  exit "$status"
  ;;
*)
  echo "test-cgroups: unknown action $action: use delegate, enter or remove" >&2
  exit 1
  ;;
esac
