#!/bin/sh
# Benchmark of detached containers (issue 6): starts N (default 100) detached
# `sleep 600` containers in parallel, and reports the time to start them all
# and the supervisors' resident memory per container; then the same with
# `podman run -d` and its conmon when podman and a local busybox image exist.
# Run it as an unprivileged user (as root: scripts/as-test-user.sh scripts/bench-detached.sh).
# With OUT, the figures also go to that file as JSON (make bench gathers them).
# Usage: bench-detached.sh [N] [OUT]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-100}
out=${2:-}
jobs=$(nproc)

if [ "$(id -u)" -eq 0 ]; then
  echo "bench-detached: run as an unprivileged user: scripts/as-test-user.sh $0" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ryouiki-bench-XXXXXX")
store=$work/store
cleanup() {
  ids=$(find "$store/run" -mindepth 1 -maxdepth 1 -regextype posix-extended -regex '.*/[0-9a-f]{64}' -printf '%f\n' 2>/dev/null || true)
  [ -z "$ids" ] || "$top/bin/ryouiki" rm -f --root "$store" $ids >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
"$top/scripts/make-busybox-rootfs.sh" "$work/rootfs" >/dev/null

now() { date +%s.%N; }

# Sums VmRSS (KiB) of the processes named $1 whose command line holds $2.
resident_kib() {
  total=0
  for pid in $(pgrep -x "$1" || true); do
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"; then
      kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
      total=$((total + ${kib:-0}))
    fi
  done
  echo "$total"
}

ryouiki_s=""; ryouiki_kib=""; podman_s=""; podman_kib=""; skipped=""
start=$(now)
seq "$count" | xargs -P "$jobs" -I{} "$top/bin/ryouiki" start --root "$store" --path "$work/rootfs" -- sleep 600 >/dev/null
end=$(now)
rss=$(resident_kib ryouiki-monitor "$store")
ryouiki_s=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
ryouiki_kib=$(awk -v n="$count" -v rss="$rss" 'BEGIN { printf "%.0f", rss / n }')
awk -v n="$count" -v s="$start" -v e="$end" -v rss="$rss" 'BEGIN {
  printf "ryouiki start -d x%d: %.2f s in all, supervisor RSS %.0f KiB per container (target: at most 2048)\n", n, e - s, rss / n }'

# podman needs an image: the same rootfs, imported locally (no registry); crun cannot run on hybrid cgroups, so runc.
image=localhost/ryouiki-bench-detached:latest
if command -v podman >/dev/null 2>&1 && tar -C "$work/rootfs" -c . | podman import - "$image" >/dev/null 2>&1; then
  runtime=$(command -v runc || echo crun)
  start=$(now)
  seq "$count" | xargs -P "$jobs" -I{} podman run -d --runtime "$runtime" --label ryouiki-bench=1 "$image" sleep 600 >/dev/null
  end=$(now)
  rss=$(resident_kib conmon "")
  podman_s=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
  podman_kib=$(awk -v n="$count" -v rss="$rss" 'BEGIN { printf "%.0f", rss / n }')
  podman rm -f --filter label=ryouiki-bench=1 >/dev/null 2>&1 || podman ps -aq --filter label=ryouiki-bench=1 | xargs -r podman rm -f >/dev/null
  podman rmi -f "$image" >/dev/null 2>&1 || true
  awk -v n="$count" -v s="$start" -v e="$end" -v rss="$rss" 'BEGIN {
    printf "podman run -d x%d:   %.2f s in all, conmon RSS %.0f KiB per container\n", n, e - s, rss / n }'
else
  skipped="podman run -d: podman is not installed, or cannot import the rootfs as an image"
  echo "skipped: $skipped"
fi

if [ -n "$out" ]; then
  awk -v n="$count" -v rs="$ryouiki_s" -v rk="$ryouiki_kib" -v ps="$podman_s" -v pk="$podman_kib" -v skipped="$skipped" -v date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" 'BEGIN {
    printf "{\n  \"part\": \"detached\",\n  \"date\": \"%s\",\n  \"containers\": %d,\n", date, n
    printf "  \"skipped\": [%s],\n", skipped == "" ? "" : "\"" skipped "\""
    printf "  \"results\": [\n    { \"name\": \"ryouiki start -d\", \"seconds\": %s, \"supervisorKiB\": %s }", rs, rk
    if (ps != "") printf ",\n    { \"name\": \"podman run -d\", \"seconds\": %s, \"supervisorKiB\": %s }", ps, pk
    printf "\n  ],\n  \"targets\": [\n    { \"target\": \"supervisor KiB <= 2048\", \"value\": \"%s KiB\", \"met\": %s }", rk, rk <= 2048 ? "true" : "false"
    if (ps != "") printf ",\n    { \"target\": \"ryouiki start -d x%d <= 0.5 x podman run -d\", \"value\": \"%.2f x\", \"met\": %s }", n, rs / ps, rs <= 0.5 * ps ? "true" : "false"
    printf "\n  ]\n}\n"
  }' >"$out"
fi
