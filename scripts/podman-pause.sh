#!/bin/sh
# Rootless podman leaves a pause process (catatonit -P) running for the user
# once it has run. A benchmark that runs podman is run through this script,
# which stops the pause process the command caused and leaves one that was
# there before it (the user's own containers need that one).
# Usage: podman-pause.sh COMMAND [ARGS...]
set -eu

# Where podman keeps it: its rootless runtime folder, chosen as podman does.
pause_pid_file() {
  uid=$(id -u)
  if [ -n "${XDG_RUNTIME_DIR:-}" ]; then
    dir=$XDG_RUNTIME_DIR
  elif [ -d "/run/user/$uid" ] && [ -O "/run/user/$uid" ]; then
    dir=/run/user/$uid
  else
    dir=${TMPDIR:-/tmp}/podman-run-$uid
  fi
  echo "$dir/libpod/tmp/pause.pid"
}

live_pause_pid() {
  file=$(pause_pid_file)
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  # The PID file outlives its process: only a live catatonit of this user counts.
  if [ -n "$pid" ] && [ "$(ps -o uid=,comm= -p "$pid" 2>/dev/null | awk '{ print $1, $2 }')" = "$(id -u) catatonit" ]; then echo "$pid"; fi
}

stop_unless() {
  pid=$(live_pause_pid)
  [ -n "$pid" ] && [ "$pid" != "$1" ] || return 0
  kill -KILL "$pid" 2>/dev/null || true
  # Until it is gone or a zombie (its parent may never reap it), for at most 5 s.
  tries=0
  while [ "$tries" -lt 100 ] && ps -o stat= -p "$pid" 2>/dev/null | grep -qv '^Z'; do
    sleep 0.05
    tries=$((tries + 1))
  done
}

[ "$#" -gt 0 ] || {
  echo "usage: podman-pause.sh COMMAND [ARGS...]" >&2
  exit 2
}
before=$(live_pause_pid)
status=0
"$@" || status=$?
stop_unless "$before"
exit "$status"
