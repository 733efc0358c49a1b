#!/usr/bin/env bash
# ctest fixture: `setup` starts zfs-fuse when none runs (recording its PID),
# `cleanup` stops it again only in that case and only if no pools remain.
set -euo pipefail
state="${ZPULL_FIXTURE_STATE:?}"
ZP_TMP=$(dirname "$state")
source "$(dirname "$0")/../../scripts/lib/substrate.sh"
case "$1" in
  setup)
    rm -f "$state" "$state.started"
    zp_ensure_zfs_fuse "$state"
    if [ -n "$ZP_ZFS_FUSE_STARTED_PID" ]; then
      echo "$ZP_ZFS_FUSE_STARTED_PID" >"$state.started"
      echo "started zfs-fuse pid $ZP_ZFS_FUSE_STARTED_PID"
    else
      echo "zfs-fuse already running; using it"
    fi
    ;;
  cleanup)
    if [ -s "$state.started" ]; then
      ZP_ZFS_FUSE_STARTED_PID=$(cat "$state.started")
      zp_stop_zfs_fuse_if_started
      rm -f "$state.started"
    fi
    ;;
esac
