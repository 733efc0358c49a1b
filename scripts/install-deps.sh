#!/usr/bin/env bash
# Installs what zpull needs on Debian 12, from Debian packages only.
# Idempotent: safe to run again.
#
#   install-deps.sh           to build and run every test tier
#   install-deps.sh --demo    to build and run the demo (scripts/demo.sh) only
#   install-deps.sh --build   to build zpull and its .deb only
set -euo pipefail

build=(
  cmake g++ make pkg-config git
  prometheus-cpp-dev libcivetweb-dev libssh-dev libyaml-cpp-dev libspdlog-dev
  libexpected-dev nlohmann-json3-dev libcli11-dev libcurl4-openssl-dev libzstd-dev libssl-dev libcrypt-dev zlib1g-dev
  dpkg-dev file
)
# What the demo runs: zfs-fuse pools and a private sshd on 127.0.0.1.
demo=(zfs-fuse openssh-server openssh-client procps ca-certificates)
tests=(
  libgtest-dev libgmock-dev
  # test substrate
  prometheus prometheus-alertmanager curl chromium perl-base zstd openssl
  # packaging and service-file checks
  systemd shellcheck groff-base man-db
  # alert rule generator, dashboard generator and schema check; the
  # benchmarks' delaying proxy
  nodejs
  # benchmarks: syncoid 2.1 (with its lzop, mbuffer, pv) as the reference
  sanoid
  # OpenZFS tier: QEMU image of Debian 12 with OpenZFS 2.3 built from packages
  qemu-system-x86 qemu-utils mmdebstrap e2fsprogs kmod binutils gcc make
)
case "${1:-}" in
  --build) packages=("${build[@]}") ;;
  --demo) packages=("${build[@]}" "${demo[@]}") ;;
  "") packages=("${build[@]}" "${demo[@]}" "${tests[@]}") ;;
  *) echo "install-deps: unknown option $1 (--build, --demo, or none for everything)" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root (this machine has no sudo)" >&2; exit 2; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
# Services that packages would start (sshd, prometheus, zfs-fuse) are not wanted:
# tests and the demo start their own, on their own ports, by PID.
policy_added=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  policy_added=1
fi
cleanup() { [ "$policy_added" = 1 ] && $SUDO rm -f /usr/sbin/policy-rc.d; true; }
trap cleanup EXIT

echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
