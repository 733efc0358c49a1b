#!/usr/bin/env bash
# Restore drills on real zfs-fuse over a real sshd (zfs-fuse has no .zfs, so
# the source side is a temporary read-only clone): a passing drill (CLI and
# daemon, metrics over HTTP); the outcome survives a restart through ZFS
# properties; a backup whose vdev was overwritten under the files fails with
# io_error; with the source's snapshots gone it fails with missing_on_source;
# no scratch clone is left after any of them.
ZP_TEST_NAME=drill
source "$(dirname "$0")/lib.sh"

zp_test_pool src s 384M
zp_test_pool dst d 384M
zfs create "$src/data"
zfs create -o mountpoint=none "$dst/b"
mp=$(zfs get -H mountpoint "$src/data" | cut -f3)
mkdir -p "$mp/docs/with space" "$mp/media"
for i in $(seq 1 40); do head -c $((RANDOM % 9000 + 100)) /dev/urandom >"$mp/docs/with space/note $i.txt"; done
for i in 1 2 3 4 5 6; do head -c $((20 * 1024 * 1024)) /dev/urandom >"$mp/media/clip$i.bin"; done
zp_start_sshd
port=$(zp_free_port)
cfg="$ZP_TMP/zpull.yml"
write_cfg() {  # drill.every
  cat >"$cfg" <<YAML
snapshot_prefix: zpt
interval: 1h
listen: 127.0.0.1:$port
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
metrics: {detail: [drill_details]}
drill: {every: $1, sample_files: 1000, max_bytes: 1G, restore_test: true, directory: $ZP_TMP/drills, source_directory: $ZP_TMP/srcdrills}
sources:
$(zp_ssh_source_yaml web1)
datasets:
  - {source: web1, source_dataset: $src/data, destination: $dst/b/data}
YAML
}
write_cfg 1h
"$ZPULL_BIN" once --config "$cfg" >/dev/null || zp_fail "replication failed"

leftovers() { zfs list -H -o name -t filesystem | grep -c '_drill_' || true; }
drill() {
  set +e
  dout=$("$ZPULL_BIN" drill --config "$cfg" "$dst/b/data" 2>"$ZP_TMP/drill.err")
  drc=$?
  set -e
}

zp_log "a passing drill"
drill
zp_assert_eq 0 "$drc" "drill exit: $dout $(cat "$ZP_TMP/drill.err")"
zp_assert_contains "$dout" "ok $dst/b/data reason=ok snapshot=zpt_" "drill line"
zp_assert_contains "$dout" "files_verified=46/46" "every file verified"
zp_assert_contains "$dout" "restore_bytes_per_second=" "restore throughput measured"
zp_assert_eq 0 "$(leftovers)" "no scratch clone left after a passing drill"
zp_assert_eq ok "$(zfs get -H zpull:drill_last_outcome "$dst/b/data" | cut -f3)" "outcome stored in ZFS"

value() { curl -sf "http://127.0.0.1:$port/metrics" | awk -v want="$1{$2}" '$1 == want { print $2 }'; }
run_daemon() {
  "$ZPULL_BIN" run --config "$cfg" >>"$ZP_TMP/run.log" 2>&1 &
  dpid=$!
  zp_cleanup "kill $dpid 2>/dev/null; wait $dpid"
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  zp_fail "daemon did not start: $(tail -3 "$ZP_TMP/run.log")"
}
stop_daemon() { kill -TERM "$dpid"; wait "$dpid" || zp_fail "daemon exit status"; }
d="dataset=\"$dst/b/data\""

zp_log "the daemon drills on its schedule"
write_cfg 1s
before=$(zfs get -Hp zpull:drill_last_run "$dst/b/data" | cut -f3)
run_daemon
for _ in $(seq 1 150); do
  [ "$(value zpull_drill_last_run_timestamp_seconds "$d")" != "$before" ] && [ -n "$(value zpull_drill_files_verified "$d")" ] && break
  sleep 0.2
done
zp_assert_eq 46 "$(value zpull_drill_files_verified "$d")" "files verified by the daemon's drill"
zp_assert_eq 1 "$(value zpull_drill_last_outcome "$d,outcome=\"ok\"")" "outcome ok"
zp_assert_eq 0 "$(value zpull_drill_mismatches "$d")" "no mismatches"
zp_assert_eq 0 "$(value zpull_drill_files_unreadable "$d")" "no unreadable file"
# sample_files 1000: one drill reads all 46 files of the rotation.
zp_assert_eq 1 "$(value zpull_drill_files_covered_ratio "$d")" "coverage of the rotation"
rate=$(value zpull_drill_restore_bytes_per_second "$d")
eta=$(value zpull_drill_estimated_restore_seconds "$d")
awk -v r="$rate" -v e="$eta" 'BEGIN { exit !(r > 1000000 && e > 0) }' || zp_fail "restore rate [$rate] / estimate [$eta]"
zp_log "restore test: $rate bytes/s, estimated full restore $eta s"
zp_assert_eq 1 "$(value zpull_check_success "check=\"drill\",host=\"web1\",target=\"$dst/b/data\"")" "check success"
curl -sf "http://127.0.0.1:$port/metrics" | promtool check metrics || zp_fail "promtool"
stop_daemon
zp_assert_eq 0 "$(leftovers)" "no scratch clone left by the daemon"
success=$(zfs get -Hp zpull:drill_last_success "$dst/b/data" | cut -f3)

zp_log "the backup's vdev overwritten under the files: io_error"
zpool export "$dst"
dd if=/dev/urandom of="$ZP_TMP/$dst.img" bs=1M seek=64 count=16 conv=notrunc status=none
zpool import -d "$ZP_TMP" "$dst" >/dev/null
drill
zp_assert_eq 1 "$drc" "drill exit on a corrupted backup"
zp_assert_contains "$dout" "FAILED $dst/b/data reason=io_error" "io_error: $dout"
zp_assert_eq 0 "$(leftovers)" "no scratch clone left after io_error"

zp_log "restart: the last outcome and success come back from ZFS"
write_cfg 1h
run_daemon
zp_assert_eq 1 "$(value zpull_drill_last_outcome "$d,outcome=\"io_error\"")" "restored outcome"
zp_assert_eq "$success" "$(value zpull_drill_last_success_timestamp_seconds "$d")" "restored last success"
[ -n "$(value zpull_drill_files_covered_ratio "$d")" ] || zp_fail "coverage not restored from zpull:drill_covered"
stop_daemon

zp_log "no destination snapshot left on the source: missing_on_source"
for s in $(zp_snapshots "$src/data"); do
  zfs release "$(zp_hold_tag zpt "$dst/b/data")" "$src/data@$s" 2>/dev/null || true
  zfs destroy "$src/data@$s"
done
drill
zp_assert_eq 1 "$drc" "drill exit without common snapshots"
zp_assert_contains "$dout" "reason=missing_on_source" "missing_on_source: $dout"
zp_assert_eq 0 "$(leftovers)" "no scratch clone left after missing_on_source"
