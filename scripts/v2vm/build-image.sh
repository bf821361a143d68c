#!/bin/sh
# Builds the pure cgroup v2 test VM image from Debian's packages, unless the
# cache already holds one made from the same inputs: Debian minbase with
# systemd as PID 1, a lingering user (uid 1000) whose user@.service delegates
# cpu memory pids (Debian's default), podman, the host's node binary,
# Debian's kernel (its ELF vmlinux, booted directly) and a busybox initrd.
# Root only (debootstrap, chroot). Prints the image folder on stdout.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ "$(id -u)" -eq 0 ] || v2vm_die "build-image.sh: run as root (debootstrap and chroot need it)"
image=$(v2vm_image_dir)
if [ -f "$image/ready" ]; then echo "$image"; exit 0; fi

mirror=$(v2vm_mirror)
work=$RYOUIKI_V2VM_CACHE/build.$$
root=$work/root
cleanup() {
  for m in dev proc sys; do umount -l "$root/$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT INT TERM
mkdir -p "$work" "$RYOUIKI_V2VM_CACHE"
started=$(date +%s)

v2vm_say "debootstrap $RYOUIKI_V2VM_SUITE from $mirror (a few minutes)"
nice debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,xz-utils "$RYOUIKI_V2VM_SUITE" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log" >&2; v2vm_die "debootstrap failed"; }
echo "deb $mirror $RYOUIKI_V2VM_SUITE main" >"$root/etc/apt/sources.list"
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
for m in dev proc sys; do mount --bind "/$m" "$root/$m"; done
# Services must not start in the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
in_root() { DEBIAN_FRONTEND=noninteractive chroot "$root" "$@" >>"$work/apt.log" 2>&1 || { tail -20 "$work/apt.log" >&2; v2vm_die "in the image: $* failed"; }; }
in_root apt-get update -q
kernel_package=$(chroot "$root" apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$kernel_package" ] || v2vm_die "no linux-image-amd64 in $RYOUIKI_V2VM_SUITE"
v2vm_say "apt-get install (in the image) $(echo $RYOUIKI_V2VM_PACKAGES)"
# shellcheck disable=SC2086
in_root apt-get install -y -q --no-install-recommends $RYOUIKI_V2VM_PACKAGES
# The kernel's files only: no initramfs-tools, our own initrd.
in_root sh -c "cd /tmp && apt-get -q -o APT::Sandbox::User=root download $kernel_package"
dpkg-deb -x "$root"/tmp/linux-image-*.deb "$work/kernel"
rm -f "$root"/tmp/linux-image-*.deb "$root/usr/sbin/policy-rc.d"
for m in dev proc sys; do umount -l "$root/$m"; done

modules=$(ls -d "$work"/kernel/lib/modules/* "$work"/kernel/usr/lib/modules/* 2>/dev/null | head -1)
version=$(basename "$modules")
mkdir -p "$root/usr/lib/modules"
cp -a "$modules" "$root/usr/lib/modules/"
for d in drivers/gpu drivers/media drivers/net/wireless drivers/net/ethernet drivers/infiniband drivers/staging \
  drivers/bluetooth drivers/usb drivers/iio sound net/wireless net/mac80211 net/bluetooth; do
  rm -rf "$root/usr/lib/modules/$version/kernel/$d"
done
chroot "$root" depmod -a "$version"
# qemu boots the ELF inside the bzImage directly (PVH): no decompression at boot, which costs seconds under TCG.
vmlinuz=$(ls "$work"/kernel/boot/vmlinuz-*)
offset=$(LC_ALL=C grep -obUaP '\xfd\x37\x7a\x58\x5a\x00' "$vmlinuz" | head -1 | cut -d: -f1)
tail -c +$((offset + 1)) "$vmlinuz" | xz -dc --single-stream >"$work/vmlinux" 2>/dev/null || true
[ "$(head -c 4 "$work/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ] || cp "$vmlinuz" "$work/vmlinux"

# The system: node, the user, the entry unit, a quick boot.
install -m 0755 "$(readlink -f "$(command -v node)")" "$root/usr/local/bin/node"
install -m 0755 "$here/guest/boot" "$root/usr/local/sbin/ryouiki-v2vm-boot"
install -m 0644 "$here/guest/ryouiki-v2vm.service" "$root/etc/systemd/system/ryouiki-v2vm.service"
echo ryouiki-v2vm >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 ryouiki-v2vm\n::1 localhost\n' >"$root/etc/hosts"
echo '/dev/vda / ext4 rw,noatime 0 0' >"$root/etc/fstab"
mkdir -p "$root/etc/systemd/journald.conf.d" "$root/etc/systemd/system-generators"
printf '[Journal]\nStorage=volatile\nForwardToConsole=no\n' >"$root/etc/systemd/journald.conf.d/v2vm.conf"
for g in cryptsetup gpt-auto hibernate-resume integritysetup veritysetup sysv rc-local system-update run getty; do
  ln -sf /dev/null "$root/etc/systemd/system-generators/systemd-$g-generator"
done
for m in floppy pcspkr psmouse serio_raw i2c_piix4 ata_piix ata_generic pata_acpi kvm kvm_amd kvm_intel qemu_fw_cfg; do
  echo "blacklist $m"
done >"$root/etc/modprobe.d/ryouiki-v2vm.conf"
chroot "$root" systemctl enable ryouiki-v2vm.service >/dev/null 2>&1
chroot "$root" systemctl mask getty.target serial-getty@ttyS0.service apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
  e2scrub_all.timer fstrim.timer systemd-timesyncd.service systemd-hwdb-update.service ldconfig.service \
  systemd-update-done.service systemd-journal-flush.service podman-auto-update.timer podman-restart.service >/dev/null 2>&1
chroot "$root" systemd-machine-id-setup >/dev/null 2>&1 || true
mkdir -p "$root/var/lib/systemd/linger"
for entry in $RYOUIKI_V2VM_USERS; do
  name=${entry%%:*} rest=${entry#*:}
  chroot "$root" useradd --create-home --uid "${rest%%:*}" --shell /bin/sh "$name" >&2
  touch "$root/var/lib/systemd/linger/$name"
done
# useradd may have added ranges of its own: one range each, ours.
for entry in $RYOUIKI_V2VM_USERS; do echo "${entry%%:*}:${entry##*:}:65536"; done >"$root/etc/subuid"
cp "$root/etc/subuid" "$root/etc/subgid"
chroot "$root" passwd -d root >/dev/null
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root/etc/resolv.conf"

# The initrd: busybox and the modules of virtio-pci, virtio-blk and ext4, in load order.
initrd=$work/initrd
mkdir -p "$initrd/bin" "$initrd/dev" "$initrd/proc" "$initrd/sys" "$initrd/newroot" "$initrd/modules"
cp "$root/bin/busybox" "$initrd/bin/busybox"
install -m 0755 "$here/guest/init" "$initrd/init"
chroot "$root" modprobe -S "$version" -a --show-depends virtio_pci virtio_blk ext4 crc32c_generic |
  awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
    name=$(basename "$ko" .xz)
    case $ko in *.xz) xz -dc "$root$ko" >"$initrd/modules/$name" ;; *) cp "$root$ko" "$initrd/modules/$name" ;; esac
    echo "$name" >>"$initrd/modules.order"
  done
(cd "$initrd" && find . | "$root/bin/busybox" cpio -o -H newc 2>/dev/null) >"$work/initrd.img"

size=$(($(du -sm "$root" | cut -f1) * 5 / 4 + 3072))
nice mkfs.ext4 -q -F -L ryouiki-v2vm -m 0 -i 8192 -d "$root" "$work/root.img" "${size}M" >&2  # stdout carries the image folder only
# Only the newest image stays in the cache.
find "$RYOUIKI_V2VM_CACHE" -mindepth 1 -maxdepth 1 -type d ! -name "build.*" -exec rm -rf {} +
mkdir -p "$image"
mv "$work/root.img" "$work/vmlinux" "$work/initrd.img" "$image/"
echo "kernel=$version built=$(date -u +%FT%TZ) seconds=$(($(date +%s) - started))" >"$image/ready"
v2vm_say "image ready in $image ($(cat "$image/ready"))"
echo "$image"
