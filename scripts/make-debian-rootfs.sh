#!/bin/sh
# Builds, once, a Debian minbase tree with debootstrap (cached under
# /var/cache/ryouiki-test), and gives USER a copy whose owners are shifted into
# USER's id mapping, as a rootless container sees a tree: host uid/gid 0 becomes
# USER, N becomes USER's subordinate id START+N-1. Setuid and setgid bits are
# kept. Run as root. Usage: make-debian-rootfs.sh USER
# Prints the path of USER's copy.
set -eu
user=${1:?usage: make-debian-rootfs.sh USER}
cache=/var/cache/ryouiki-test
base=$cache/debian-bookworm
copy=$cache/debian-bookworm-$user
mirror=${RYOUIKI_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ ! -d "$base" ]; then
  mkdir -p "$cache"
  rm -rf "$base.tmp"
  debootstrap --variant=minbase bookworm "$base.tmp" "$mirror" >"$cache/debootstrap.log" 2>&1 || {
    echo "make-debian-rootfs: debootstrap failed, see $cache/debootstrap.log" >&2
    exit 1
  }
  mv "$base.tmp" "$base"
fi
if [ -d "$copy" ]; then
  echo "$copy"
  exit 0
fi

uid=$(id -u "$user")
gid=$(id -g "$user")
subuid=$(awk -F: -v u="$user" '$1 == u { print $2; exit }' /etc/subuid)
subgid=$(awk -F: -v u="$user" '$1 == u { print $2; exit }' /etc/subgid)
rm -rf "$copy.tmp"
cp -a "$base" "$copy.tmp"
cd "$copy.tmp"
# Record what chown would lose or what is not root's, then shift everything.
find . -perm /6000 ! -type l -printf '%m %p\n' >../special-modes.$user
find . \( ! -uid 0 -o ! -gid 0 \) -printf '%U %G %p\n' >../other-owners.$user
chown -R -h "$uid:$gid" .
while read -r owner group path; do
  new_owner=$uid new_group=$gid
  [ "$owner" -eq 0 ] || new_owner=$((subuid + owner - 1))
  [ "$group" -eq 0 ] || new_group=$((subgid + group - 1))
  chown -h "$new_owner:$new_group" "$path"
done <../other-owners.$user
while read -r mode path; do
  chmod "$mode" "$path"
done <../special-modes.$user
rm -f ../special-modes.$user ../other-owners.$user
cd /
mv "$copy.tmp" "$copy"
echo "$copy"
