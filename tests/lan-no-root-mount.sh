#!/bin/sh
# lan-no-root-mount.sh DIR TREE CMD...: runs CMD where / is not a mount point,
# as in a chroot or a container whose root is a plain directory, which is
# where `ip netns exec` fails ("mount --make-rslave /" failed: Invalid
# argument).
#
# Run it in a mount namespace of its own (unshare -m --propagation private):
# a tmpfs on DIR holds a directory that becomes the root, with the machine's
# /usr, /etc, /dev, /proc and /sys and the source TREE bound in, and empty
# /run and /tmp. Everything goes with the namespace; DIR is left empty.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
dir=$1 tree=$2
shift 2
mount -t tmpfs tmpfs "$dir"
root=$dir/root
mkdir -p "$root"
cd "$root"
for d in usr etc dev proc sys; do
  mkdir -p "$d"
  mount --rbind "/$d" "$d"
done
for d in bin sbin lib lib32 lib64; do
  if [ -L "/$d" ]; then
    ln -s "$(readlink "/$d")" "$d"
  elif [ -d "/$d" ]; then
    mkdir -p "$d"
    mount --rbind "/$d" "$d"
  fi
done
mkdir -p run tmp
mount -t tmpfs tmpfs run
mount -t tmpfs tmpfs tmp
# After the empty /tmp, so that a TREE under /tmp (a CI clone) shows through.
mkdir -p ".$tree"
mount --rbind "$tree" ".$tree"
exec chroot . "$@"
