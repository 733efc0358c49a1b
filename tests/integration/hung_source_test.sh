#!/usr/bin/env bash
# A source that never answers (hung-zfs.sh) next to a healthy one, over a
# real sshd (issue 21): zpull run serves HTTP at once, the healthy source
# replicates and is checked on time while the hung one fails with reason
# timeout (command_timeout), SIGTERM ends zpull within 10 s whatever the
# hung source does, and a restart keeps the schedule: no cycle before last
# success + interval, an overdue dataset at once.
ZP_TEST_NAME=hung_source
source "$(dirname "$0")/lib.sh"
here="$(cd "$(dirname "$0")" && pwd)"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/good"
zfs create "$src/stuck"
zfs create "$src/stuck2"
zfs create -o mountpoint=none "$dst/b"
zp_fill "$src/good" 20
zp_start_sshd
hung_pids="$ZP_TMP/hung.pids"
touch "$hung_pids"
zp_cleanup "xargs -r kill <'$hung_pids' 2>/dev/null; true"
port=$(zp_free_port)
cfg="$ZP_TMP/zpull.yml"
write_cfg() {  # hung-source-command-timeout good-interval
  cat >"$cfg" <<YAML
snapshot_prefix: zpt
interval: $2
parallelism: 2
retries: 0
parity: {interval: 1s}
listen: 127.0.0.1:$port
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
sources:
$(zp_ssh_source_yaml good "    command_timeout: 5s")
$(zp_ssh_source_yaml hung "    command_timeout: $1
    zfs_command: [$here/hung-zfs.sh, $hung_pids]")
datasets:
  - {source: good, source_dataset: $src/good, destination: $dst/b/good}
  - {source: hung, source_dataset: $src/stuck, destination: $dst/b/stuck, recursive: true}
  - {source: hung, source_dataset: $src/stuck2, destination: $dst/b/stuck2}
YAML
}
metric() { { curl -sf --max-time 2 "http://127.0.0.1:$port/metrics" 2>/dev/null || true; } | awk -v want="$1" '$1 == want { print $2 }'; }
wait_metric() {  # name{labels} expected-awk-condition seconds what
  local i
  for i in $(seq 1 $(($3 * 5))); do
    v=$(metric "$1")
    [ -n "$v" ] && awk -v v="$v" "BEGIN { exit !(v $2) }" && return 0
    sleep 0.2
  done
  zp_fail "$4: $1 is [$(metric "$1")] after $3 s, expected $2 ($(tail -5 "$ZP_TMP/run.log"))"
}
start() {  # log
  started=$(date +%s.%N)
  "$ZPULL_BIN" run --config "$cfg" >"$1" 2>&1 &
  pid=$!
  zp_cleanup "kill -9 $pid 2>/dev/null; true"
}
good="dataset=\"$dst/b/good\""
stuck="dataset=\"$dst/b/stuck\""

zp_log "a hung source next to a healthy one (command_timeout 2s)"
write_cfg 2s 1h
start "$ZP_TMP/run.log"
for _ in $(seq 1 50); do metric "zpull_replication_interval_seconds{$good}" | grep -q . && break; sleep 0.1; done
up=$(awk -v s="$started" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - s }')
metric "zpull_replication_interval_seconds{$good}" | grep -q . || zp_fail "no /metrics 5 s after start: $(tail -3 "$ZP_TMP/run.log")"
zp_log "/metrics answered ${up}s after start"
wait_metric "zpull_replication_last_success_timestamp_seconds{$good}" "> 0" 20 "the healthy source replicated"
wait_metric "zpull_replication_failures_total{$stuck,reason=\"timeout\"}" ">= 1" 20 "the hung source failed with timeout"
wait_metric "zpull_check_success{check=\"parity\",host=\"good\",target=\"$dst/b/good\"}" "== 1" 10 "the healthy source is checked"
wait_metric "zpull_check_success{check=\"parity\",host=\"hung\",target=\"$dst/b/stuck\"}" "== 0" 20 "the hung source's parity check fails"
zp_assert_contains "$(cat "$ZP_TMP/run.log")" "no answer within 2s (command_timeout)" "the timeout names the limit"
kill -TERM "$pid"
wait "$pid" || true

zp_log "restart 1 s after a success, interval 1h, the hung source never answering: no cycle; SIGTERM within 10 s"
write_cfg 1h 1h
start "$ZP_TMP/run2.log"
for _ in $(seq 1 50); do metric "zpull_replication_interval_seconds{$good}" | grep -q . && break; sleep 0.1; done
metric "zpull_replication_interval_seconds{$good}" | grep -q . || zp_fail "no /metrics while a source hangs: $(tail -3 "$ZP_TMP/run2.log")"
lag=$(metric "zpull_replication_last_success_timestamp_seconds{$good}")
[ -n "$lag" ] && [ "${lag%.*}" -gt 0 ] || zp_fail "the first scrape after the restart lacks the restored last success"
parity_good="zpull_check_last_run_timestamp_seconds{check=\"parity\",host=\"good\"}"
wait_metric "$parity_good" "> 0" 10 "the healthy host is checked while the hung one hangs"
first_check=$(metric "$parity_good")
sleep 60
zp_assert_eq 0 "$(metric "zpull_replication_runs_total{$good}")" "cycles of the healthy dataset in the 60 s after the restart"
# Two datasets of the hung host hang (command_timeout 1h), each wanting a
# slot of two: the healthy host keeps its own slot and its checks run.
wait_metric "$parity_good" "> $first_check" 5 "the healthy host's parity check goes on"
"$ZPULL_BIN" replicate --config "$cfg" "$dst/b/good" >/dev/null || zp_fail "replicate now"
wait_metric "zpull_replication_runs_total{$good}" ">= 1" 20 "the healthy dataset replicates while two hang"
t0=$(date +%s.%N)
kill -TERM "$pid"
wait "$pid" || true
took=$(awk -v s="$t0" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - s }')
awk -v t="$took" 'BEGIN { exit !(t < 10) }' || zp_fail "SIGTERM took ${took}s with a hung source"
zp_log "stopped ${took}s after SIGTERM"
[ -e "$ZP_TMP/locks/daemon.lock" ] && flock -n "$ZP_TMP/locks/daemon.lock" true || zp_fail "daemon.lock still held"

zp_log "restart after a downtime longer than the interval: a cycle at once"
write_cfg 2s 5s
sleep 1
start "$ZP_TMP/run3.log"
wait_metric "zpull_replication_runs_total{$good}" ">= 1" 10 "a cycle within 10 s of the restart"
kill -TERM "$pid"
wait "$pid" || true
zp_log "passed"
