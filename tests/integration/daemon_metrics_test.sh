#!/usr/bin/env bash
# `zpull run` on real zfs-fuse over a real sshd, scraped over HTTP: bytes grow
# while a (throttled) transfer runs, two intervals give runs, lag and a
# failure reason, the text passes `promtool check metrics`, SIGTERM stops it
# cleanly, and a restart shows the same last success and newest common
# snapshot (hence lag) on its first scrape, read back from ZFS.
ZP_TEST_NAME=daemon_metrics
source "$(dirname "$0")/lib.sh"
here="$(cd "$(dirname "$0")" && pwd)"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/fast"
zfs create "$src/slow"
zfs create -o mountpoint=none "$dst/b"
zp_fill "$src/fast" 300
zp_fill "$src/slow" 2500
zp_start_sshd

cfg="$ZP_TMP/zpull.yml"
write_cfg() {
  cat >"$cfg" <<YAML
snapshot_prefix: zpt
interval: 4s
parallelism: 3
listen: 127.0.0.1:$1
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
metrics: {detail: [histograms]}
sources:
$(zp_ssh_source_yaml web1)
$(zp_ssh_source_yaml slowhost "    zfs_command: [$here/throttled-zfs.sh]")
datasets:
  - {source: web1, source_dataset: $src/fast, destination: $dst/b/fast}
  - {source: slowhost, source_dataset: $src/slow, destination: $dst/b/slow}
  - {source: web1, source_dataset: $src/missing, destination: $dst/b/missing}
YAML
}

ZP_PID=
start_zpull() {
  local attempt port
  for attempt in 1 2 3 4 5; do
    port=$(zp_free_port)
    write_cfg "$port"
    "$ZPULL_BIN" run --config "$cfg" >>"$ZP_TMP/zpull.log" 2>&1 &
    ZP_PID=$!
    zp_cleanup "kill $ZP_PID 2>/dev/null; wait $ZP_PID"
    URL="http://127.0.0.1:$port"
    for _ in $(seq 1 50); do
      curl -sf "$URL/healthz" >/dev/null 2>&1 && return 0
      kill -0 "$ZP_PID" 2>/dev/null || break
      sleep 0.1
    done
  done
  zp_fail "zpull run did not come up: $(tail -5 "$ZP_TMP/zpull.log")"
}
scrape() { curl -sf "$URL/metrics" >"$ZP_TMP/metrics.txt" || zp_fail "scrape failed"; }
# value NAME LABELS: the sample of the last scrape, e.g. value zpull_replication_runs_total 'dataset="x"'
value() { awk -v want="$1{$2}" '$1 == want { print $2 }' "$ZP_TMP/metrics.txt"; }
wait_for() {  # seconds description condition...
  local limit=$1 what=$2
  shift 2
  local deadline=$((SECONDS + limit))
  while ((SECONDS < deadline)); do
    scrape
    if "$@"; then return 0; fi
    sleep 0.2
  done
  zp_fail "timed out after ${limit}s waiting for: $what (zpull: $(tail -5 "$ZP_TMP/zpull.log"); metrics: $(grep -v '^#' "$ZP_TMP/metrics.txt" | grep -F "$dst/b/slow" | head -20))"
}
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }

slow="dataset=\"$dst/b/slow\""
fast="dataset=\"$dst/b/fast\""
missing="dataset=\"$dst/b/missing\""

zp_log "live bytes during a throttled transfer"
start_zpull
slow_running() { [ "$(value zpull_replication_in_progress "$slow")" = 1 ] && gt "$(value zpull_replication_bytes_total "$slow")" 0; }
wait_for 30 "slow transfer under way" slow_running
b1=$(value zpull_replication_bytes_total "$slow")
sleep 1.5
scrape
b2=$(value zpull_replication_bytes_total "$slow")
zp_assert_eq 1 "$(value zpull_replication_in_progress "$slow")" "still in progress at the second scrape"
gt "$b2" "$b1" || zp_fail "bytes did not grow during the transfer: $b1 -> $b2"
zp_log "bytes grew from $b1 to $b2 mid-transfer"

zp_log "locks: no second receive into the same dataset, no second daemon"
set +e
once_out=$("$ZPULL_BIN" once --config "$cfg" 2>&1)
second_out=$("$ZPULL_BIN" run --config "$cfg" 2>&1)
second_rc=$?
set -e
zp_assert_contains "$once_out" "FAILED $dst/b/slow reason=lock_busy: dataset $dst/b/slow: another zpull is replicating into $dst/b/slow" "once refused while the daemon receives"
zp_assert_eq 1 "$second_rc" "a second zpull run exits 1"
zp_assert_contains "$second_out" "another zpull run is active" "second daemon refused"

zp_log "two intervals: runs, lag, failures"
# (web1's two datasets share its one slot: parallelism 3 over two hosts)
two_runs() {
  gt "$(value zpull_replication_runs_total "$fast")" 1 && gt "$(value zpull_replication_runs_total "$slow")" 0 &&
    gt "$(value zpull_replication_failures_total "$missing,reason=\"source_missing\"")" 0
}
wait_for 60 "two runs of fast, one of slow, one of missing" two_runs
now=$(date +%s)
gt "$(value zpull_replication_bytes_total "$fast")" 300000 || zp_fail "fast bytes too small"
gt "$(value zpull_replication_bytes_total "$slow")" 2500000 || zp_fail "slow bytes too small"
gt "$(value zpull_replication_failures_total "$missing,reason=\"source_missing\"")" 0 || zp_fail "no source_missing failure"
zp_assert_eq "" "$(value zpull_replication_failures_total "$fast,reason=\"source_missing\"")" "no failure on fast: no series by reason"
zp_assert_eq 0 "$(value zpull_replication_failed_runs_total "$fast")" "no failure on fast: the total"
gt "$(value zpull_replication_failed_runs_total "$missing")" 0 || zp_fail "the total counts missing's failures"
lag=$(value zpull_replication_lag_seconds "$fast")
[ -n "$lag" ] && ! gt "$lag" 30 && ! gt 0 "$lag" || zp_fail "lag of fast out of range: [$lag]"
ls=$(value zpull_replication_last_success_timestamp_seconds "$fast")
gt "$ls" $((now - 30)) || zp_fail "last success too old: $ls vs $now"
[ -z "$(value zpull_replication_last_success_timestamp_seconds "$missing")" ] || zp_fail "missing has a success"
gt "$(value zpull_replication_duration_seconds_count "$fast")" 1 || zp_fail "histogram count"
zp_assert_eq 1 "$(grep -c '^zpull_build_info{' "$ZP_TMP/metrics.txt")" "build info"
# zfs-fuse cannot estimate (no send -nvP): the probe says so, the gauge is absent.
zp_assert_eq 0 "$(value zpull_zfs_feature 'host="web1",feature="send_estimate"')" "probed: no send estimate"
zp_assert_eq 1 "$(value zpull_zfs_feature 'host="local",feature="recv_unmounted"')" "probed: recv -u"
zp_assert_eq 1 "$(value zpull_zfs_version_info 'host="web1",version="legacy"')" "legacy dialect"
[ -z "$(value zpull_replication_expected_bytes "$fast")" ] || zp_fail "expected bytes without send -nvP"
promtool check metrics <"$ZP_TMP/metrics.txt" || zp_fail "promtool check metrics failed"

zp_log "SIGTERM stops cleanly"
wait_for 30 "slow idle" eval '[ "$(value zpull_replication_in_progress "$slow")" = 0 ]'
scrape
saved_success=$(value zpull_replication_last_success_timestamp_seconds "$slow")
saved_common=$(value zpull_replication_newest_common_snapshot_timestamp_seconds "$slow")
kill -TERM "$ZP_PID"
set +e
wait "$ZP_PID"
rc=$?
set -e
zp_assert_eq 0 "$rc" "exit status after SIGTERM"
zp_assert_contains "$(cat "$ZP_TMP/zpull.log")" "stopped" "stop logged"
# A restart that must not race its own first cycle: the next slow send is long.
zp_fill "$src/slow" 2500

zp_log "restart: state comes back from ZFS"
start_zpull
scrape
zp_assert_eq "$saved_success" "$(value zpull_replication_last_success_timestamp_seconds "$slow")" "last success after restart"
zp_assert_eq "$saved_common" "$(value zpull_replication_newest_common_snapshot_timestamp_seconds "$slow")" "newest common after restart"
lag=$(value zpull_replication_lag_seconds "$slow")
expect=$(($(date +%s) - saved_common))
[ $((lag - expect)) -le 2 ] && [ $((expect - lag)) -le 2 ] || zp_fail "lag after restart: $lag, expected about $expect"
