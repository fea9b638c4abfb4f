# shellcheck shell=bash
# Shared by tools/run, tools/test and tools/lan: make sure what Shoal needs is installed.
# Sourced, not run. Installs with apt-get when root; otherwise prints the one command to run.

SHOAL_DEB_PACKAGES=(
  meson ninja-build pkg-config gcc gettext
  libglib2.0-dev libglib2.0-dev-bin libglib2.0-bin
  libavahi-client-dev libavahi-glib-dev avahi-daemon
  avahi-utils  # avahi-publish, for the lan suite's forged records
  libjson-glib-dev
  libgnutls28-dev glib-networking gsettings-desktop-schemas
  dbus dbus-daemon iproute2 procps
  python3 python3-gi gir1.2-glib-2.0
  # Shoal-1.gir and its typelib (g-ir-scanner, gobject-introspection-1.0.pc),
  # and GJS for the gi suite's JavaScript example
  gobject-introspection libgirepository1.0-dev gjs
  systemd  # busctl, for the README examples the dbus suite runs
  scdoc man-db groff-base  # the man pages, built and rendered by the docs suite
  bash-completion  # its pkg-config file says where shoal's completion goes
)

shoal_missing_packages() { # [PACKAGE...], by default SHOAL_DEB_PACKAGES
  local p missing=()
  [ $# -gt 0 ] || set -- "${SHOAL_DEB_PACKAGES[@]}"
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  echo "${missing[@]}"
}

shoal_ensure_deps() { # [PACKAGE...], by default SHOAL_DEB_PACKAGES
  local missing
  missing=$(shoal_missing_packages "$@")
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "Missing packages. Install them with:" >&2
    echo "  sudo apt-get install -y $missing" >&2
    exit 1
  fi
  echo "Installing: $missing" >&2
  # Installing avahi-daemon must not start it in this machine's own network namespace:
  # a policy-rc.d that refuses every start keeps the maintainer scripts from doing so.
  local policy=/usr/sbin/policy-rc.d placed=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && placed=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  { apt-get update -q && apt-get install -y -q --no-install-recommends $missing; } >&2
  local rc=$?
  [ -n "$placed" ] && rm -f "$policy"
  [ $rc -eq 0 ] || { echo "apt-get failed (exit $rc)" >&2; exit 1; }
}
