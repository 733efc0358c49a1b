#!/usr/bin/env bash
# Installs what zpull needs (Debian 12 packages), builds with -Werror and runs
# every test tier: unit, ZFS contract (fake + real zfs-fuse), integration on
# real zfs-fuse pools with a real sshd and promtool, and the OpenZFS 2.3 tier
# in a QEMU guest (its image is built on first use and cached). As root, or
# as a user with sudo (it asks sudo to run it as root).
# Extra arguments go to ctest (e.g. -L unit, -LE openzfs, -R cycle).
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null && exec sudo ${ZPULL_BUILD_DIR:+ZPULL_BUILD_DIR="$ZPULL_BUILD_DIR"} bash "$0" "$@"
  echo "scripts/test.sh: run as root (zfs-fuse, sshd and the QEMU tier need it; this machine has no sudo)" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
start=$(date +%s)
phase() { echo "scripts/test.sh: $1 took $(($(date +%s) - $2))s"; }

t=$(date +%s)
bash scripts/install-deps.sh
phase install "$t"

t=$(date +%s)
build=${ZPULL_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZPULL_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
phase build "$t"

t=$(date +%s)
cd "$build"
set +e
ctest --output-on-failure --timeout 2400 "$@"
rc=$?
set -e
phase "tests (per-label times above)" "$t"
# A user's build directory stays theirs when sudo ran this for them.
[ -z "${SUDO_UID:-}" ] || chown -R "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" . 2>/dev/null || true
echo "scripts/test.sh: done in $(($(date +%s) - start))s"
exit $rc
