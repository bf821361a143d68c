#!/bin/sh
# Builds a minimal root filesystem from Debian's busybox-static: a demo and test
# rootfs that needs no download. Usage: make-busybox-rootfs.sh DIR
# With RYOUIKI_BUSYBOX_ROOTFS=TEMPLATE (a rootfs this script made) DIR is a copy
# of it: one process instead of one per applet link, which counts under
# emulation (the pure cgroup v2 VM of make test-cgroup-v2).
set -eu
dir=${1:?usage: make-busybox-rootfs.sh DIR}
if [ -n "${RYOUIKI_BUSYBOX_ROOTFS:-}" ]; then
  mkdir -p "$dir"
  cp -a "$RYOUIKI_BUSYBOX_ROOTFS/." "$dir/"
  exit 0
fi
busybox=${BUSYBOX:-/bin/busybox}
if [ ! -x "$busybox" ]; then
  echo "make-busybox-rootfs: $busybox not found: install busybox-static (apt-get install busybox-static)" >&2
  exit 1
fi
mkdir -p "$dir"
cd "$dir"
mkdir -p bin sbin usr/bin usr/sbin etc proc dev sys tmp root run var/tmp
chmod 1777 tmp var/tmp
cp "$busybox" bin/busybox
for applet in $("$busybox" --list); do
  [ -e "bin/$applet" ] || ln -s busybox "bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' >etc/group
# Empty mount points for the /etc/resolv.conf and /etc/hosts ryouiki generates per
# container (it binds over them and never creates files in a rootfs).
: >etc/resolv.conf
: >etc/hosts
