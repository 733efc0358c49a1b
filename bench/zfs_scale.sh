#!/usr/bin/env bash
# Real-ZFS scale (issue 10 §4): N datasets x M snapshots on zfs-fuse, all
# replicated; then one parity pass (`zpull verify`) and one no-op
# replication cycle (`zpull once`, snapshot: false, nothing new), each in
# wall seconds with the number of zfs/zpool processes spawned per side
# (counted by a wrapper used as zfs_command/zpool_command).
#   sudo bash bench/zfs_scale.sh [--datasets 200] [--snapshots 50]
#   sudo bash bench/zfs_scale.sh --smoke     # 3 x 3
set -euo pipefail
datasets=200 snapshots=50 smoke=0
while [ $# -gt 0 ]; do
  case "$1" in
    --datasets) datasets=$2; shift 2 ;;
    --snapshots) snapshots=$2; shift 2 ;;
    --smoke) datasets=3 snapshots=3 smoke=1; shift ;;
    *) echo "usage: $0 [--datasets N] [--snapshots M] [--smoke]" >&2; exit 2 ;;
  esac
done
source "$(dirname "$0")/lib.sh"
bench_setup 1G
zfs create "$src/p"
for i in $(seq 1 "$datasets"); do zfs create "$src/p/d$i"; done
t0=$(date +%s)
for j in $(seq 1 "$snapshots"); do zfs snapshot -r "$src/p@s$(printf %03d "$j")"; done
echo "set-up: $datasets datasets x $snapshots snapshots in $(( $(date +%s) - t0 )) s" >&2

# Counting wrappers: one line per process (its arguments) in a log per side.
for side in src dst; do
  for prog in zfs zpool; do
    printf '#!/bin/sh\necho "$*" >> %s/%s.count\nexec %s "$@"\n' "$ZP_TMP" "$side" "$prog" >"$ZP_TMP/$side-$prog"
    chmod +x "$ZP_TMP/$side-$prog"
  done
done
cat >"$ZP_TMP/zpull.yml" <<YAML
snapshot_prefix: zs
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
zfs_command: [$ZP_TMP/dst-zfs]
zpool_command: [$ZP_TMP/dst-zpool]
parallelism: 2
sources:
  - {name: here, host: local, zfs_command: [$ZP_TMP/src-zfs], zpool_command: [$ZP_TMP/src-zpool]}
datasets:
  - {source: here, source_dataset: $src/p, destination: $dst/b/p, recursive: true, snapshot: false, initial: all}
YAML
t0=$(date +%s)
"$ZPULL_BIN" once --config "$ZP_TMP/zpull.yml" >"$ZP_TMP/seed.log" 2>&1 || { tail -5 "$ZP_TMP/seed.log" >&2; exit 1; }
echo "first replication (full + -I of every snapshot): $(( $(date +%s) - t0 )) s" >&2

measure() {  # label command...
  rm -f "$ZP_TMP/src.count" "$ZP_TMP/dst.count"
  local a b
  a=$(date +%s.%N)
  "$@" >"$ZP_TMP/out.log" 2>&1 || [ "$1" = verify-ok ]
  b=$(date +%s.%N)
  printf '%-34s %7.2f s   zfs/zpool processes: source %5d, destination %5d\n' "$label" "$(awk -v a="$a" -v b="$b" 'BEGIN { print b - a }')" \
    "$(cat "$ZP_TMP/src.count" 2>/dev/null | wc -l)" "$(cat "$ZP_TMP/dst.count" 2>/dev/null | wc -l)"
}
echo "datasets=$((datasets + 1)) (the recursive root and $datasets children) snapshots=$snapshots each"
label="parity pass (zpull verify)"
measure sh -c "'$ZPULL_BIN' verify --config '$ZP_TMP/zpull.yml' >/dev/null 2>&1; [ \$? -le 1 ]"
label="no-op cycle (zpull once)"
measure "$ZPULL_BIN" once --config "$ZP_TMP/zpull.yml"
ok=$(grep -c '^ok ' "$ZP_TMP/out.log" || true)
echo "no-op cycle: $ok datasets ok"
# The target (issue 27): a no-op once spawns at most 4 zfs/zpool processes
# per side, whatever the number of datasets; --smoke fails where it does not.
src_n=$(cat "$ZP_TMP/src.count" 2>/dev/null | wc -l)
dst_n=$(cat "$ZP_TMP/dst.count" 2>/dev/null | wc -l)
if [ "$ok" -ne $((datasets + 1)) ] || [ "$src_n" -gt 4 ] || [ "$dst_n" -gt 4 ]; then
  echo "no-op cycle target (all ok, at most 4 processes per side): MISSED" >&2
  [ "$smoke" = 1 ] && exit 1
else
  echo "no-op cycle target (all ok, at most 4 processes per side): met"
fi

# The tree at one point in time (issue 27): with snapshot: true, one
# `zfs snapshot` command and one new name for the whole recursive entry.
sed -i 's/snapshot: false/snapshot: true/' "$ZP_TMP/zpull.yml"
label="snapshot cycle (once, snapshot: true)"
measure "$ZPULL_BIN" once --config "$ZP_TMP/zpull.yml"
ok=$(grep -c '^ok ' "$ZP_TMP/out.log" || true)
commands=$(grep -c '^snapshot ' "$ZP_TMP/src.count" || true)
names=$(zfs list -H -t snapshot -o name -r "$src/p" | sed 's/.*@//' | grep '^zs_' | sort -u | wc -l)
echo "snapshot cycle: $ok datasets ok, $commands zfs snapshot command(s), $names snapshot name(s)"
if [ "$ok" -ne $((datasets + 1)) ] || [ "$commands" -ne 1 ] || [ "$names" -ne 1 ]; then
  echo "tree snapshot target (all ok, one command, one name): MISSED" >&2
  [ "$smoke" = 1 ] && exit 1
else
  echo "tree snapshot target (all ok, one command, one name): met"
fi
