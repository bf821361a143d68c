#!/bin/sh
# Root-only preparation of a machine for Ryouiki's rootless tests: system
# packages, the unprivileged test user, and /dev/net/tun as distributions ship it.
# Idempotent; make test runs it when started as root.
set -eu
TEST_USER=${RYOUIKI_TEST_USER:-ryouiki-test}
PACKAGES="gcc make libc6-dev uidmap slirp4netns passt busybox-static procps iproute2 util-linux rsync libseccomp-dev fuse-overlayfs debootstrap podman"
# podman's recommends that its rootless use here needs: catatonit as its pause
# process, and runc, since crun (its first choice) cannot start containers on hybrid cgroups.
PACKAGES="$PACKAGES catatonit runc"
PACKAGES="$PACKAGES zsh"  # the zsh completion script of ryouiki completion zsh is tested in zsh
PACKAGES="$PACKAGES qemu-system-x86 e2fsprogs xz-utils"  # make test-cgroup-v2: the pure cgroup v2 VM (scripts/v2vm/)
PACKAGES="$PACKAGES containerd docker.io"  # engines that drive ryouiki-runtime as their runc (make check-root)
PACKAGES="$PACKAGES shellcheck clang-format"  # make lint (shellcheck of scripts/) and make fmt (the helper's C)
PACKAGES="$PACKAGES docker-registry skopeo zstd openssl"  # images: the test registry, pushing images to it, zstd layers, its certificates
PACKAGES="$PACKAGES bubblewrap"  # make bench: the peer of run() and of the helper alone (issue 21's targets are in its terms)

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-test-host: run as root (it installs packages and creates the test user)" >&2
  exit 1
fi

missing=""
for package in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing="$missing $package"
done
if [ -n "$missing" ]; then
  echo "setup-test-host: installing$missing"
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $missing >/dev/null
fi

if ! id "$TEST_USER" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/sh "$TEST_USER"
fi
# A subordinate id range of its own, as useradd gives new users on most distributions.
for file in /etc/subuid /etc/subgid; do
  touch "$file"
  if ! grep -q "^$TEST_USER:" "$file"; then
    start=$(awk -F: 'BEGIN { end = 100000 } $2 + $3 > end { end = $2 + $3 } END { print end }' "$file")
    echo "$TEST_USER:$start:65536" >>"$file"
  fi
done

# Distributions ship /dev/net/tun 0666; slirp4netns needs it as an unprivileged user.
if [ -c /dev/net/tun ]; then
  chmod 0666 /dev/net/tun
fi
# Likewise /dev/fuse, for fuse-overlayfs (the --overlay fallback).
if [ -c /dev/fuse ]; then
  chmod 0666 /dev/fuse
fi

# A real distribution tree for the isolation tests: Debian minbase, built once
# with debootstrap and cached, in a copy owned through the test user's id map.
"$(dirname "$0")/make-debian-rootfs.sh" "$TEST_USER" >/dev/null
