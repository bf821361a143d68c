#!/bin/sh
# run.sh IMAGE_DIR TREE CMD_FILE: boots the pure cgroup v2 VM (build-image.sh)
# once with a copy of TREE (a built checkout) owned by the VM's user at
# /project, runs CMD_FILE there as root (sh), prints its output (stdout and
# stderr merged) and exits with its exit code. The image is never changed
# (its disk is a snapshot); no network. Root only (the copy keeps the user's
# uid). Settings: RYOUIKI_V2VM_TIMEOUT seconds (default 1500; then exit 124),
# RYOUIKI_V2VM_ACCEL auto|kvm|tcg, RYOUIKI_V2VM_CPUS, RYOUIKI_V2VM_MEM (MiB).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ $# -eq 3 ] || v2vm_die "usage: run.sh IMAGE_DIR TREE CMD_FILE"
image=$1 tree=$2 cmd=$3
[ -f "$image/ready" ] || v2vm_die "no image in $image: run build-image.sh"
qemu=$(command -v qemu-system-x86_64) || v2vm_die "qemu-system-x86_64 is missing: apt-get install qemu-system-x86"
timeout=${RYOUIKI_V2VM_TIMEOUT:-1500}

# cpu_seconds BEFORE AFTER: the CPU seconds (user and system) this shell's
# children took between two outputs of the `times` builtin (its second line).
cpu_seconds() {
  cat "$1" "$2" | awk 'NR == 2 || NR == 4 { for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); s[NR] += t[1] * 60 + t[2] } }
    END { printf "%d", s[4] - s[2] }'
}

run=$(mktemp -d /var/tmp/ryouiki-v2vm-run.XXXXXX)
qemu_pid=
finish() {
  [ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null || true
  rm -rf --one-file-system "$run"
}
trap finish EXIT
trap 'exit 130' INT TERM

# ext4_image DIR IMAGE: an ext4 image of DIR, its files owned by the VM's
# user, made without mounting anything; DIR is removed.
ext4_image() {
  chown -R "$RYOUIKI_V2VM_UID:$RYOUIKI_V2VM_UID" "$1"
  mkfs.ext4 -q -F -m 0 -d "$1" "$2" "$(($(du -sm "$1" | cut -f1) * 5 / 4 + 512))M" >/dev/null
  rm -rf "$1"
}

# node_modules, nine tenths of the tree's files, has a disk of its own, made
# once per lockfile and kept in the cache, keyed by what make installs it from
# (the lockfile, the workspace, the root package.json with the pnpm version),
# so every clone finds it (their .bin shims, unused in the VM, name their own
# paths); the guest mounts it at /project/node_modules. The build and lint
# tools the VM never runs stay out of it: half its files. (TypeScript stays:
# oclif warns on stderr when it finds the sources but not it.)
modules_disk() {
  for tool in '@turbo+*' 'turbo@*' 'npm@*' 'yarn@*' 'prettier@*' '@esbuild+*' 'esbuild@*' 'oclif@*' '@aws-sdk+*' \
    '@smithy+*' 'eslint*' '@eslint*' '@typescript-eslint+*' 'typescript-eslint@*'; do
    echo "./node_modules/.pnpm/$tool"
  done >"$run/skipped"
  key=$(cat "$tree/pnpm-lock.yaml" "$tree/pnpm-workspace.yaml" "$tree/package.json" "$run/skipped" | sha256sum | cut -c1-16)
  modules=$RYOUIKI_V2VM_CACHE/node-modules-$key.img
  [ -f "$modules" ] && return
  mkdir "$run/modules"
  tar -C "$tree" --exclude-from="$run/skipped" -cf - ./node_modules | tar -C "$run/modules" -xf -
  ext4_image "$run/modules/node_modules" "$run/modules.img"
  rm -f "$RYOUIKI_V2VM_CACHE"/node-modules-*.img
  mv "$run/modules.img" "$modules"
}

# The project disk: the rest of the tree and the command.
began=$(date +%s)
modules=
[ ! -d "$tree/node_modules" ] || [ ! -f "$tree/pnpm-lock.yaml" ] || modules_disk
mkdir "$run/disk"
tar -C "$tree" --exclude=./.git --exclude=./build --exclude=./node_modules -cf - . | tar -C "$run/disk" -xf -
mkdir -p "$run/disk/node_modules"
# What costs minutes under emulation is done here: the tests transpiled to
# JavaScript (tests/jest.v2.config.js runs them so) and the busybox rootfs
# made once (make-busybox-rootfs.sh copies it with RYOUIKI_BUSYBOX_ROOTFS).
if [ -d "$run/disk/tests/integration" ]; then
  node "$here/compile-tests.mjs" "$run/disk/tests/integration"
  "$tree/scripts/make-busybox-rootfs.sh" "$run/disk/tests/busybox-rootfs" >/dev/null
fi
cp "$cmd" "$run/disk/cmd.sh"
ext4_image "$run/disk" "$run/project.img"
v2vm_say "project disk made in $(($(date +%s) - began)) s"

accel=${RYOUIKI_V2VM_ACCEL:-auto}
if [ "$accel" = auto ]; then
  # /dev/kvm without vmx/svm (a PVM host) runs a stock kernel far slower than TCG does.
  if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then accel=kvm; else accel=tcg; fi
fi
case $accel in
  kvm) accel_args="-accel kvm -cpu host" ;;
  # TCG emulates AVX slowly: on a CPU model without it (Nehalem: SSE4.2) node, podman and the boot ran 15-30% faster.
  tcg) accel_args="-accel tcg,thread=multi -cpu Nehalem" ;;
  *) v2vm_die "RYOUIKI_V2VM_ACCEL: auto, kvm or tcg" ;;
esac
: >"$run/out"
# shellcheck disable=SC2086
timeout -k 10 "$timeout" "$qemu" $accel_args -machine pc -m "${RYOUIKI_V2VM_MEM:-3072}" -smp "${RYOUIKI_V2VM_CPUS:-$(nproc)}" \
  -nodefaults -no-user-config -display none -no-reboot -nic none \
  -serial "file:$run/console.log" -serial "file:$run/out" \
  -drive "file=$image/root.img,format=raw,if=virtio,snapshot=on,cache=unsafe" \
  -drive "file=$run/project.img,format=raw,if=virtio,cache=unsafe" \
  ${modules:+-drive "file=$modules,format=raw,if=virtio,snapshot=on,cache=unsafe"} \
  -device virtio-rng-pci -kernel "$image/vmlinux" -initrd "$image/initrd.img" \
  -append "console=ttyS0 root=/dev/vda rw quiet loglevel=3 panic=-1 8250.nr_uarts=2 systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all systemd.show_status=false mitigations=off" \
  </dev/null >"$run/qemu.log" 2>&1 &
qemu_pid=$!
tail -s 0.2 -n +1 -f --pid="$qemu_pid" "$run/out" | grep --line-buffered -v '^ryouiki-v2vm-exit ' &
status=0
times >"$run/cpu-before"
began=$(date +%s)
wait "$qemu_pid" || status=$?
qemu_pid=
wait
times >"$run/cpu-after"
v2vm_say "the VM ran $(($(date +%s) - began)) s and took $(cpu_seconds "$run/cpu-before" "$run/cpu-after") s of CPU"
code=$(sed -n 's/^ryouiki-v2vm-exit \([0-9]*\).*/\1/p' "$run/out" | tail -1)
if [ -n "$code" ]; then exit "$code"; fi
if [ "$status" = 124 ]; then v2vm_say "the VM was killed after $timeout s"; code=124; else code=125; fi
v2vm_say "the VM stopped before the command ended (qemu exit $status); its console's end:"
tail -n 30 "$run/console.log" | tr -d '\r' >&2
tail -n 5 "$run/qemu.log" >&2
exit "$code"
