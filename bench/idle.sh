#!/usr/bin/env bash
# Idle cost of `zpull run` (issue 10 §5): N datasets on zfs-fuse, all
# replicated, `snapshot: false` and nothing new, default check schedules
# (interval 15m, parity 5m, scrub 5m); over S seconds it reports zpull's
# CPU (its own, and with the zfs/zpool processes it spawned), its peak and
# final RSS, and the zfs-fuse daemon's CPU, which the machine shares.
#   sudo bash bench/idle.sh [--datasets 50] [--seconds 600]
#   sudo bash bench/idle.sh --smoke            # 3 datasets, 10 s: it still works
set -euo pipefail
datasets=50 seconds=600
while [ $# -gt 0 ]; do
  case "$1" in
    --datasets) datasets=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --smoke) datasets=3 seconds=10; shift ;;
    *) echo "usage: $0 [--datasets N] [--seconds S] [--smoke]" >&2; exit 2 ;;
  esac
done
source "$(dirname "$0")/lib.sh"
bench_setup 512M
for i in $(seq 1 "$datasets"); do
  zfs create "$src/d$i"
  zp_fill "$src/d$i" 16
done
yaml() {  # snapshot: true|false
  echo "snapshot_prefix: zb"
  echo "lock_directory: $ZP_TMP/locks"
  echo "cache_directory: $ZP_TMP/cache"
  echo "listen: 127.0.0.1:0"
  echo "sources: [{name: here, host: local}]"
  echo "datasets:"
  for i in $(seq 1 "$datasets"); do echo "  - {source: here, source_dataset: $src/d$i, destination: $dst/b/d$i, snapshot: $1}"; done
}
yaml true >"$ZP_TMP/seed.yml"
yaml false >"$ZP_TMP/idle.yml"
"$ZPULL_BIN" once --config "$ZP_TMP/seed.yml" >"$ZP_TMP/seed.log" 2>&1 || { cat "$ZP_TMP/seed.log" >&2; exit 1; }

ticks=$(getconf CLK_TCK)
cpu() {  # pid: utime stime cutime cstime, in ticks
  awk '{ print $14, $15, $16, $17 }' "/proc/$1/stat"
}
fuse_pid=$(pgrep -xo zfs-fuse)
read -r f0u f0s _ _ < <(cpu "$fuse_pid")
"$ZPULL_BIN" run --config "$ZP_TMP/idle.yml" >"$ZP_TMP/run.log" 2>&1 &
pid=$!
zp_cleanup "kill $pid; wait $pid"
start=$(date +%s.%N)
peak=0
while :; do
  now=$(date +%s.%N)
  awk -v a="$now" -v b="$start" -v s="$seconds" 'BEGIN { exit !(a - b >= s) }' && break
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
  [ "$rss" -gt "$peak" ] && peak=$rss
  sleep 1
done
read -r u s cu cs < <(cpu "$pid")
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
read -r f1u f1s _ _ < <(cpu "$fuse_pid")
elapsed=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "%.1f", a - b }')
awk -v u="$u" -v s="$s" -v cu="$cu" -v cs="$cs" -v fu="$((f1u - f0u))" -v fs="$((f1s - f0s))" -v t="$ticks" \
  -v e="$elapsed" -v n="$datasets" -v hwm="$hwm" -v rss="$rss" 'BEGIN {
  own = (u + s) / t; all = (u + s + cu + cs) / t; fuse = (fu + fs) / t
  printf "datasets=%d seconds=%.1f\n", n, e
  printf "zpull cpu: own %.2f s (%.3f%% of one core), with spawned zfs/zpool %.2f s (%.3f%%)\n", own, 100 * own / e, all, 100 * all / e
  printf "zpull rss: peak %.1f MiB, end %.1f MiB\n", hwm / 1024, rss / 1024
  printf "zfs-fuse daemon cpu: %.2f s (%.3f%% of one core)\n", fuse, 100 * fuse / e
}'
