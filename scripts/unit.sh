#!/usr/bin/env bash
# The fast loop: builds and runs the unit tier only (pure functions, parsers
# on fixtures, the cycle on the in-memory fake, config errors, the CLI
# offline). No apt, no ZFS, no root, no network: the build dependencies must
# already be there (scripts/install-deps.sh, or the README's test command,
# installs them once). Extra arguments go to ctest (e.g. -R Config).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${ZPULL_BUILD_DIR:-build}
if ! command -v cmake >/dev/null || ! pkg-config --exists libssh 2>/dev/null; then
  echo "scripts/unit.sh: the build dependencies are missing; install them once with: bash scripts/install-deps.sh" >&2
  exit 2
fi
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZPULL_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target zpull zpull_unit_tests zfs_contract_test
cd "$build"
exec ctest -L unit -j"$(nproc)" --output-on-failure "$@"
