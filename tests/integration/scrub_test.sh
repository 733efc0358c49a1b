#!/usr/bin/env bash
# Scrub and pool health on real zfs-fuse, scraped over HTTP: zpull starts the
# first scrub itself (scrub.every) and reports it; after overwriting part of
# the vdev file of a single-vdev pool a scrub finds errors and permanent
# errors; after overwriting one side of a mirror it repairs bytes without
# errors. Each corruption happens while the pool is exported, so the data is
# on disk and not in a cache.
ZP_TEST_NAME=scrub
source "$(dirname "$0")/lib.sh"

zp_test_pool clean c 128M
zp_test_pool single s 256M
mirror="${ZP_TAG}m"
truncate -s 256M "$ZP_TMP/$mirror-a.img" "$ZP_TMP/$mirror-b.img"
zpool create -m "$ZP_TMP/mnt/$mirror" "$mirror" mirror "$ZP_TMP/$mirror-a.img" "$ZP_TMP/$mirror-b.img" >/dev/null 2>&1 ||
  zp_fail "cannot create mirror"
zp_cleanup "zp_destroy_pool '$mirror'"

# 120 MiB of data, so that offset 64 MiB of a vdev file holds some.
for p in "$single" "$mirror"; do
  zfs create "$p/data"
  for i in 1 2 3 4; do zp_fill "$p/data" $((30 * 1024)); done
done

port=$(zp_free_port)
cat >"$ZP_TMP/zpull.yml" <<YAML
listen: 127.0.0.1:$port
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
scrub: {interval: 1s, every: 1h, pools: [$clean, $single, $mirror]}
sources: []
datasets: []
YAML
"$ZPULL_BIN" run --config "$ZP_TMP/zpull.yml" >"$ZP_TMP/run.log" 2>&1 &
pid=$!
zp_cleanup "kill $pid 2>/dev/null; wait $pid"
value() { curl -sf "http://127.0.0.1:$port/metrics" | awk -v want="$1{$2}" '$1 == want { print $2 }'; }
wait_for() {  # seconds what command...
  local limit=$1 what=$2 i
  shift 2
  for i in $(seq 1 $((limit * 5))); do
    "$@" && return 0
    sleep 0.2
  done
  zp_fail "timed out waiting for: $what ($(tail -3 "$ZP_TMP/run.log"))"
}
p() { printf 'host="local",pool="%s"' "$1"; }
ge() { local v; v=$(value "$1" "$2"); [ -n "$v" ] && awk -v a="$v" -v b="$3" 'BEGIN { exit !(a >= b) }'; }

zp_log "zpull starts the first scrubs and reports a clean pool"
wait_for 30 "clean pool scrubbed" ge zpull_scrub_last_completed_timestamp_seconds "$(p "$clean")" 1
zp_assert_eq 1 "$(value zpull_scrubs_started_total "$(p "$clean")")" "scrubs started on the clean pool"
zp_assert_eq 0 "$(value zpull_scrub_errors "$(p "$clean")")" "no scrub errors"
zp_assert_eq 1 "$(value zpull_pool_health "$(p "$clean"),state=\"ONLINE\"")" "ONLINE"
zp_assert_eq 0 "$(value zpull_pool_health "$(p "$clean"),state=\"DEGRADED\"")" "not DEGRADED"
zp_assert_eq 0 "$(value zpull_pool_permanent_errors "$(p "$clean")")" "no permanent errors"
ge zpull_pool_size_bytes "$(p "$clean")" $((100 * 1024 * 1024)) || zp_fail "pool size"
zp_assert_eq 1 "$(value zpull_check_success "check=\"scrub\",host=\"local\",target=\"$clean\"")" "check success"
wait_for 30 "first scrubs of the other pools done" ge zpull_scrub_last_completed_timestamp_seconds "$(p "$mirror")" 1

corrupt() {  # pool file MiB-count
  zpool export "$1"
  dd if=/dev/urandom of="$2" bs=1M seek=64 count="$3" conv=notrunc status=none
  zpool import -d "$ZP_TMP" "$1" >/dev/null
  zpool scrub "$1"
}

zp_log "single vdev overwritten: the scrub finds errors and permanent errors"
corrupt "$single" "$ZP_TMP/$single.img" 1
wait_for 60 "errors found on $single" ge zpull_scrub_errors "$(p "$single")" 1
wait_for 30 "permanent errors on $single" ge zpull_pool_permanent_errors "$(p "$single")" 1
ge zpull_vdev_errors "$(p "$single"),vdev=\"$single\",type=\"checksum\"" 1 || zp_fail "checksum errors on the pool row"
zp_log "single: scrub errors $(value zpull_scrub_errors "$(p "$single")"), permanent errors $(value zpull_pool_permanent_errors "$(p "$single")")"

zp_log "one side of a mirror overwritten: bytes repaired, no errors"
corrupt "$mirror" "$ZP_TMP/$mirror-a.img" 4
wait_for 60 "bytes repaired on $mirror" ge zpull_scrub_repaired_bytes "$(p "$mirror")" 1
zp_assert_eq 0 "$(value zpull_scrub_errors "$(p "$mirror")")" "no errors on the mirror"
zp_log "mirror: repaired $(value zpull_scrub_repaired_bytes "$(p "$mirror")") bytes"
zp_assert_eq 0 "$(value zpull_pool_permanent_errors "$(p "$mirror")")" "no permanent errors on the mirror"
curl -sf "http://127.0.0.1:$port/metrics" | promtool check metrics || zp_fail "promtool"
