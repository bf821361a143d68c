#!/bin/bash
# Black-box tests of ryouiki-init, printing TAP. Run them as an unprivileged user:
#   runuser -u USER -- helper/tests/blackbox.sh ROOTFS
# ROOTFS: a busybox root filesystem with proc/, dev/ and tmp/ directories, bin/ full of
# busybox links, and, for the "cannot execute" test, a file bin/notexec without x bits.
# RYOUIKI_INIT: the binary (default: the one next to this folder); USER must be able to
# read and run it, and to read ROOTFS.
set -u

rootfs=${1:?usage: blackbox.sh ROOTFS}
bin=${RYOUIKI_INIT:-$(cd "$(dirname "$0")/.." && pwd)/ryouiki-init}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count=0
failures=0

if [ "$(id -u)" = 0 ]; then
  echo "Bail out! run this as an unprivileged user, e.g. runuser -u ryouiki-dev -- $0 $rootfs"
  exit 1
fi

report() { # STATUS DESCRIPTION [DETAILS...]
  count=$((count + 1))
  if [ "$1" = 0 ]; then
    echo "ok $count - $2"
  else
    echo "not ok $count - $2"
    failures=$((failures + 1))
    shift 2
    for line in "$@"; do printf '#   %s\n' "$line"; done
  fi
}

expect() { # DESCRIPTION EXPECTED ACTUAL
  [ "$2" = "$3" ]
  report $? "$1" "expected: $(printf %q "$2")" "actual:   $(printf %q "$3")"
}

skip() { count=$((count + 1)); echo "ok $count # SKIP $1"; }

# The command inherits the helper's environment: start it from an empty one, as Ryouiki does.
run() { env -i "$bin" --rootfs "$rootfs" "$@"; }

snapshot() { find "$rootfs" -printf '%p %y %m %U %s %T@ %l\n' | sort; }

# Waits up to 5 s for a line matching PATTERN in FILE.
wait_for_line() {
  for _ in $(seq 50); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

before=$(snapshot)

# --- the container ---
expect "uid 0 inside" "0 0" "$(run -- sh -c 'echo $(id -u) $(id -g)')"
expect "default hostname" "ryouiki" "$(run -- hostname)"
expect "--hostname" "box" "$(run --hostname box -- hostname)"
expect "the command is PID 2, under init as PID 1" "2" "$(run -- sh -c 'echo $$')"
expect "ps sees only init and the command's processes" "1 ryouiki-init|2 sh|3 ps|" \
  "$(run -- sh -c 'ps -o pid,comm; :' | awk 'NR > 1 { printf "%s %s|", $1, $2 }')"
expect "lo is the only interface, and up" "lo UP" \
  "$(run -- ip -o link | awk '{ print substr($2, 1, length($2) - 1), ($3 ~ /[<,]UP[,>]/ ? "UP" : "DOWN") }')"
run --share-net -- true
report $? "--share-net runs"
expect "/dev contents" "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero" \
  "$(run -- ls /dev | tr '\n' ' ' | sed 's/ $//')"
expect "/dev/null, /dev/urandom and /dev/shm work" "4 ok" \
  "$(run -- sh -c 'echo x > /dev/null; echo $(head -c 4 /dev/urandom | wc -c) $(echo ok > /dev/shm/f && cat /dev/shm/f)')"
expect "devpts has its own ptmx" "/dev/pts/ptmx" "$(run -- sh -c 'ls /dev/pts/ptmx')"
expect "default cwd is /" "/" "$(run -- pwd)"
expect "--cwd" "/tmp" "$(run --cwd /tmp -- pwd)"
expect "--read-only: / is read-only, /tmp (a tmpfs) and /dev/shm are not" "ro tmp ok" \
  "$(run --read-only -- sh -c 'touch /etc/x 2>/dev/null && echo rw || echo ro; touch /tmp/x && echo tmp; touch /dev/shm/x && echo ok' | tr '\n' ' ' | sed 's/ $//')"

# --- environment and PATH lookup ---
expect "no --env: empty environment" "" "$(run -- env)"
expect "the helper's own environment is the command's" "INHERITED=1" "$(env -i INHERITED=1 "$bin" --rootfs "$rootfs" -- env)"
expect "--env: exactly these, a later KEY wins" "A=2 B=x=y" \
  "$(run --env A=1 --env B=x=y --env A=2 -- env | tr '\n' ' ' | sed 's/ $//')"
expect "PATH from --env is the command's" "PATH=/bin" "$(run --env PATH=/bin -- env)"
run --env PATH=/nowhere -- env 2>/dev/null
expect "PROGRAM looked up in the --env PATH" 127 $?

# --- exit codes ---
for code in 0 1 42; do
  run -- sh -c "exit $code"
  expect "exit code $code" "$code" $?
done
run -- sh -c 'kill -9 $$'
expect "killed by SIGKILL: 137" 137 $?
err=$(run -- /nonexistent 2>&1)
expect "not found: 127" 127 $?
expect "not found: error line" "ryouiki-init: exec: /nonexistent: No such file or directory" "$err"
if [ -f "$rootfs/bin/notexec" ]; then
  err=$(run -- /bin/notexec 2>&1)
  expect "not executable: 126" 126 $?
  expect "not executable: error line" "ryouiki-init: exec: /bin/notexec: Permission denied" "$err"
else
  skip "no $rootfs/bin/notexec"
  skip "no $rootfs/bin/notexec"
fi
err=$(run --cwd /nowhere -- true 2>&1)
expect "missing cwd: 125" 125 $?
expect "missing cwd: error line" "ryouiki-init: cwd: /nowhere: No such file or directory" "$err"
mkdir -p "$tmp/noproc/dev"
err=$("$bin" --rootfs "$tmp/noproc" -- true 2>&1)
expect "rootfs without proc/: 125" 125 $?
expect "rootfs without proc/: error line" \
  "ryouiki-init: rootfs: $tmp/noproc has no /proc directory: create it (mkdir $tmp/noproc/proc)" "$err"
err=$(run --bogus -- true 2>&1)
expect "unknown option: 125" 125 $?
expect "unknown option: error line" "ryouiki-init: --bogus: unknown option (see --help)" "$err"
err=$(run --no-idmap -- true 2>&1)
expect "--no-idmap without --block-fd: 125" 125 $?
expect "--version" "ryouiki-init 0.1.0" "$("$bin" --version)"
missing=""
for option in rootfs hostname cwd env share-net read-only info-fd block-fd no-idmap help version; do
  "$bin" --help | grep -q -- "--$option" || missing="$missing --$option"
done
expect "--help documents every option" "" "$missing"

# --- stdio and fds ---
expect "stdin passes through" "hi" "$(echo hi | run -- cat)"
expect "stderr passes through" "oops" "$(run -- sh -c 'echo oops >&2' 2>&1 >/dev/null)"
: > "$tmp/info"
mkfifo "$tmp/fifo"
exec 6<>"$tmp/fifo"
printf x >&6
expect "only 0, 1 and 2 reach the command (3 is ls' own)" "0 1 2 3" \
  "$(run --info-fd 3 --block-fd 4 -- ls /proc/self/fd 3>>"$tmp/info" 4<"$tmp/fifo" 5</dev/null 6>&- \
     | tr '\n' ' ' | sed 's/ $//')"
exec 6>&-
rm "$tmp/fifo"
expect "zombies are reaped" "" "$(run -- sh -c '(sleep 0 &); sleep 0.5; ps -o stat | grep Z')"

# --- --info-fd and --block-fd ---
run --info-fd 3 -- true 3>"$tmp/info"
expect "info lines of a run" '{"pid": N}|{"exec": true}|{"exit": 0}|' \
  "$(sed 's/"pid": [0-9]*/"pid": N/' "$tmp/info" | tr '\n' '|')"
err=$(run --info-fd 3 -- /nonexistent 3>"$tmp/info" 2>&1)
expect "with --info-fd, a failure is an error line there, not on stderr" \
  '{"pid": N}|{"error": "exec: /nonexistent: No such file or directory", "step": "exec", "errno": 2, "code": 127}|{"exit": 127}|:' \
  "$(sed 's/"pid": [0-9]*/"pid": N/' "$tmp/info" | tr '\n' '|'):$err"
run --info-fd 3 --cwd '/a"b' -- true 3>"$tmp/info" 2>/dev/null
expect "error lines are JSON-escaped" '{"error": "cwd: /a\"b: No such file or directory", "step": "cwd", "errno": 2, "code": 125}' \
  "$(grep error "$tmp/info")"

mkfifo "$tmp/go"
exec 6<>"$tmp/go"
: > "$tmp/info"
"$bin" --rootfs "$rootfs" --info-fd 3 --block-fd 4 -- sh -c 'echo started' \
  3>"$tmp/info" 4<"$tmp/go" 6>&- >"$tmp/out" &
helper=$!
wait_for_line "$tmp/info" pid
sleep 0.3
pid=$(sed -n 's/{"pid": \([0-9]*\)}/\1/p' "$tmp/info")
expect "block-fd: pid line written, command waiting" '{"pid": N}|:' \
  "$(sed 's/"pid": [0-9]*/"pid": N/' "$tmp/info" | tr '\n' '|'):$(cat "$tmp/out")"
expect "block-fd: the pid is the container init, child of the helper" "$helper" \
  "$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)"
printf x >&6
wait $helper
expect "block-fd: runs after the byte" "0 started" "$? $(cat "$tmp/out")"
expect "block-fd: info lines" '{"pid": N}|{"exec": true}|{"exit": 0}|' \
  "$(sed 's/"pid": [0-9]*/"pid": N/' "$tmp/info" | tr '\n' '|')"

"$bin" --rootfs "$rootfs" --info-fd 3 --block-fd 4 -- sh -c 'echo started' \
  3>"$tmp/info" 4<"$tmp/go" 6>&- >"$tmp/out" 2>"$tmp/err" &
helper=$!
wait_for_line "$tmp/info" pid
exec 6>&-
wait $helper
expect "block-fd closed: 125, nothing ran" "125:" "$?:$(cat "$tmp/out")"
expect "block-fd closed: info lines, nothing on stderr" \
  '{"pid": N}|{"error": "block-fd: closed before the start signal", "step": "block-fd", "code": 125}|{"exit": 125}|:' \
  "$(sed 's/"pid": [0-9]*/"pid": N/' "$tmp/info" | tr '\n' '|'):$(cat "$tmp/err")"
"$bin" --rootfs "$rootfs" --block-fd 4 -- true 4</dev/null 2>"$tmp/err"
expect "block-fd closed without --info-fd: error line" "125 ryouiki-init: block-fd: closed before the start signal" \
  "$? $(cat "$tmp/err")"

# --no-idmap: we play newuidmap, writing the maps while the container waits.
exec 6<>"$tmp/go"
"$bin" --rootfs "$rootfs" --no-idmap --info-fd 3 --block-fd 4 -- id -u \
  3>"$tmp/info" 4<"$tmp/go" 6>&- >"$tmp/out" &
helper=$!
wait_for_line "$tmp/info" pid
pid=$(sed -n 's/{"pid": \([0-9]*\)}/\1/p' "$tmp/info")
echo deny > "/proc/$pid/setgroups"
echo "0 $(id -u) 1" > "/proc/$pid/uid_map"
echo "0 $(id -g) 1" > "/proc/$pid/gid_map"
printf x >&6
exec 6>&-
wait $helper
expect "--no-idmap: the maps written outside apply" "0 0" "$? $(cat "$tmp/out")"

# --- signals and lifetime ---
# A non-interactive bash starts background jobs with SIGINT ignored: env undoes that.
: > "$tmp/info"
"$bin" --rootfs "$rootfs" --info-fd 3 -- \
  sh -c 'trap "echo got TERM; exit 3" TERM; while :; do sleep 0.1; done' 3>"$tmp/info" >"$tmp/out" &
helper=$!
wait_for_line "$tmp/info" exec
sleep 0.2
kill -TERM $helper
wait $helper
expect "SIGTERM reaches the command" "3 got TERM" "$? $(cat "$tmp/out")"
: > "$tmp/info"
env --default-signal "$bin" --rootfs "$rootfs" --info-fd 3 -- sleep 1000 3>"$tmp/info" &
helper=$!
wait_for_line "$tmp/info" exec
for signal in INT HUP USR1; do
  kill -$signal $helper
  wait $helper
  status=$?
  case $signal in INT) n=2 ;; HUP) n=1 ;; USR1) n=10 ;; esac
  expect "SIG$signal kills the command: $((128 + n))" $((128 + n)) $status
  : > "$tmp/info"
  env --default-signal "$bin" --rootfs "$rootfs" --info-fd 3 -- sleep 1000 3>"$tmp/info" &
  helper=$!
  wait_for_line "$tmp/info" exec
done
{ kill -KILL $helper; wait $helper; } 2>/dev/null

bash -c '"$1" --rootfs "$2" -- sleep 987654 & wait' spawner "$bin" "$rootfs" &
spawner=$!
for _ in $(seq 50); do pgrep -u "$(id -u)" -f 'sleep 987654' > /dev/null && break; sleep 0.1; done
helper=$(pgrep -P $spawner)
pgrep -u "$(id -u)" -f 'sleep 987654' > /dev/null
report $? "lifetime: the container runs"
{ kill -KILL $spawner; wait $spawner; } 2>/dev/null
sleep 0.5
expect "lifetime: SIGKILL of the helper's parent ends helper and container" "" \
  "$(pgrep -u "$(id -u)" -f 'sleep 987654'; ps -o pid=,stat= -p "$helper" | grep -v Z)"

expect "the rootfs was not written to" "$before" "$(snapshot)"

echo "1..$count"
[ "$failures" = 0 ]
