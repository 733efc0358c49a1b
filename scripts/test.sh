#!/usr/bin/env bash
# Installs what zpull needs (Debian 12 packages), builds with -Werror and runs
# every test tier: unit, ZFS contract (fake + real zfs-fuse), and integration
# tests on real zfs-fuse pools with a real sshd. Needs root (zfs-fuse, sshd).
# Extra arguments go to ctest (e.g. -L unit, -R cycle).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/test.sh: run as root (zfs-fuse and sshd need it), e.g. sudo $0" >&2
  exit 2
fi
start=$(date +%s)
bash scripts/install-deps.sh
build=${ZPULL_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZPULL_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure --timeout 600 "$@"
echo "scripts/test.sh: done in $(( $(date +%s) - start ))s"
