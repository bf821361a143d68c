# shellcheck shell=sh
# Settings shared by the pure cgroup v2 VM scripts (build-image.sh, run.sh),
# each one overridable from the environment.
RYOUIKI_V2VM_CACHE=${RYOUIKI_V2VM_CACHE:-/var/cache/ryouiki-v2vm}   # images, one folder per input hash
RYOUIKI_V2VM_SUITE=${RYOUIKI_V2VM_SUITE:-bookworm}
RYOUIKI_V2VM_USER=ryouiki-test    # the lingering unprivileged user inside, uid 1000, who owns /project
RYOUIKI_V2VM_UID=1000
# Two users, each with its own systemd manager: the leg's two halves run side by
# side on the VM's two CPUs, each checking that it leaves no process of its user.
RYOUIKI_V2VM_USERS="ryouiki-test:1000:100000 ryouiki-test2:1001:165536"   # name:uid:first subordinate id
# What the image holds besides systemd: what the v2 tests run (the helper is
# built on the host; libseccomp2 is its one library) and podman with the
# helpers its default configuration uses.
RYOUIKI_V2VM_PACKAGES="systemd systemd-sysv udev dbus dbus-user-session libpam-systemd kmod procps util-linux uidmap
busybox-static libseccomp2 podman conmon crun catatonit slirp4netns passt fuse-overlayfs iproute2"

v2vm_say() { printf 'v2vm: %s\n' "$*" >&2; }
v2vm_die() { v2vm_say "$*"; exit 1; }

# The Debian mirror the host's apt uses (deb822 sources first, then sources.list).
v2vm_mirror() {
  if [ -n "${RYOUIKI_V2VM_MIRROR:-}" ]; then echo "$RYOUIKI_V2VM_MIRROR"; return; fi
  mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null)
  [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" { print ($2 ~ /^\[/ ? $3 : $2); exit }' /etc/apt/sources.list 2>/dev/null)
  echo "${mirror:-http://deb.debian.org/debian}"
}

# The image folder for these inputs: the scripts that make it, the package
# list, the suite and the node binary copied in.
v2vm_image_dir() {
  here=$(cd "$(dirname "$0")" && pwd)
  key=$( (cat "$here/lib.sh" "$here/build-image.sh" "$here"/guest/init "$here"/guest/ryouiki-v2vm.service "$here"/guest/boot; \
    echo "$RYOUIKI_V2VM_SUITE"; sha256sum "$(readlink -f "$(command -v node)")") | sha256sum | cut -c1-16)
  echo "$RYOUIKI_V2VM_CACHE/$key"
}
