#!/usr/bin/env bash
# ctest fixture: `setup` starts zfs-fuse when none runs (remembering that it
# did), `cleanup` stops it again only in that case, by the PID it recorded.
set -euo pipefail
state="${ZPULL_FIXTURE_STATE:?}"
case "$1" in
  setup)
    rm -f "$state"
    if zpool list >/dev/null 2>&1 || pgrep -x zfs-fuse >/dev/null; then
      echo "zfs-fuse already running; using it"
      exit 0
    fi
    mkdir -p /var/run/zfs /var/lock/zfs
    /sbin/zfs-fuse --pidfile "$state"
    for _ in $(seq 1 50); do
      zpool list >/dev/null 2>&1 && { echo "started zfs-fuse pid $(cat "$state")"; exit 0; }
      sleep 0.2
    done
    echo "zfs-fuse did not come up" >&2
    exit 1
    ;;
  cleanup)
    if [ -s "$state" ]; then
      pid=$(cat "$state")
      if [ -n "$(zpool list -H -o name 2>/dev/null)" ]; then
        echo "pools remain; leaving zfs-fuse pid $pid running"
      else
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        echo "stopped zfs-fuse pid $pid"
      fi
      rm -f "$state"
    fi
    ;;
esac
