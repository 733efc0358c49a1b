#!/usr/bin/env bash
# The README's demo command: it starts, serves metrics with successful runs,
# shows every kind of check (parity, pools, a passing drill) within the
# first minute, and on SIGINT (Ctrl-C) stops everything it started and
# removes its pools, also when its output goes through a pipe whose reader
# Ctrl-C ended first (`demo.sh | tee log`).
ZP_TEST_NAME=demo
source "$(dirname "$0")/lib.sh"
repo="$(cd "$(dirname "$0")/../.." && pwd)"

port=$(zp_free_port)
log="$ZP_TMP/demo.log"
# As from a terminal: the demo leads its own process group with SIGINT at its
# default (a script's background job would start with SIGINT ignored), and
# "Ctrl-C" is SIGINT to that whole group.
ZPULL_BIN="$ZPULL_BIN" perl -e 'use POSIX; setpgid(0, 0); $SIG{INT} = "DEFAULT"; exec @ARGV or die' \
  bash "$repo/scripts/demo.sh" --no-install --port "$port" --interval 3s >"$log" 2>&1 &
demo=$!
zp_cleanup "kill -INT -- -$demo 2>/dev/null; wait $demo"

ok=0
for _ in $(seq 1 300); do
  if curl -sf "http://127.0.0.1:$port/metrics" >"$ZP_TMP/m.txt" 2>/dev/null &&
    [ "$(grep -c '^zpull_replication_last_success_timestamp_seconds{' "$ZP_TMP/m.txt")" = 3 ]; then
    ok=1
    break
  fi
  kill -0 "$demo" 2>/dev/null || break
  sleep 0.2
done
[ "$ok" = 1 ] || zp_fail "demo did not replicate all three datasets: $(tail -20 "$log")"
zp_assert_contains "$(cat "$log")" "metrics at http://127.0.0.1:$port/metrics" "URL printed"
zp_assert_contains "$(cat "$log")" "status page at http://127.0.0.1:$port/ " "status page URL printed"
# Every kind of check shows within the first minutes: a drill waits for its
# dataset's first replication (no no_snapshot failure before it), then passes
# (drills are looked for every 30 s).
drilled=0
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$port/metrics" >"$ZP_TMP/m.txt" 2>/dev/null || true
  if [ "$(grep -c '^zpull_drill_last_outcome{.*outcome="ok"} 1' "$ZP_TMP/m.txt")" = 3 ]; then drilled=1; break; fi
  sleep 0.2
done
[ "$drilled" = 1 ] || zp_fail "no passing drill of every dataset within two minutes: $(grep '^zpull_drill_last_outcome' "$ZP_TMP/m.txt" | grep ' 1$')"
for family in zpull_parity_holes zpull_pool_health zpull_scrub_in_progress; do
  grep -q "^$family{" "$ZP_TMP/m.txt" || zp_fail "no $family in the demo's metrics"
done
! grep -q 'drill failed' "$log" || zp_fail "a drill failed in the demo: $(grep 'drill failed' "$log" | head -3)"
pools=$(zpool list -H -o name | grep "^zpdemo" | paste -sd' ' -)
sshd_pid=$(sed -n 's/.*started sshd pid \([0-9]*\).*/\1/p' "$log")
zpull_pid=$(sed -n 's/.*zpull pid \([0-9]*\);.*/\1/p' "$log")
[ -n "$sshd_pid" ] && [ -n "$zpull_pid" ] || zp_fail "pids not printed: $(cat "$log")"

kill -INT -- "-$demo"
wait "$demo" || zp_fail "demo exited non-zero: $(tail -20 "$log")"
for pid in "$sshd_pid" "$zpull_pid"; do
  ! kill -0 "$pid" 2>/dev/null || zp_fail "process $pid still runs after the demo stopped"
done
for p in $pools; do
  ! zpool list "$p" >/dev/null 2>&1 || zp_fail "pool $p left behind"
done
zp_assert_contains "$(cat "$log")" "demo: done" "demo finished"

zp_log "piped: demo.sh | cat, Ctrl-C ends the reader first (SIGPIPE in the clean-up)"
log2="$ZP_TMP/demo2.log"
port2=$(zp_free_port)
: >"$log2"
ZPULL_BIN="$ZPULL_BIN" perl -e 'use POSIX; setpgid(0, 0); $SIG{INT} = "DEFAULT"; exec @ARGV or die' \
  bash -c "bash '$repo/scripts/demo.sh' --no-install --port $port2 --interval 3s 2>&1 | cat >'$log2'" &
pipeline=$!
zp_cleanup "kill -INT -- -$pipeline 2>/dev/null"
for _ in $(seq 1 300); do grep -q "zpull pid" "$log2" && break; sleep 0.2; done
grep -q "zpull pid" "$log2" || zp_fail "piped demo did not start: $(cat "$log2")"
pools=$(sed -n 's/.*created pools \([^ ]*\) (source) and \([^ ]*\) (backup).*/\1 \2/p' "$log2")
sshd_pid=$(sed -n 's/.*started sshd pid \([0-9]*\).*/\1/p' "$log2")
zpull_pid=$(sed -n 's/.*zpull pid \([0-9]*\);.*/\1/p' "$log2")
[ -n "$pools" ] && [ -n "$sshd_pid" ] && [ -n "$zpull_pid" ] || zp_fail "not printed: $(cat "$log2")"
kill -INT -- "-$pipeline"
wait "$pipeline" 2>/dev/null || true
# The demo outlives its reader: wait for its clean-up to end.
gone=0
for _ in $(seq 1 300); do
  left=0
  for p in $pools; do zpool list "$p" >/dev/null 2>&1 && left=1; done
  kill -0 "$sshd_pid" 2>/dev/null && left=1
  kill -0 "$zpull_pid" 2>/dev/null && left=1
  [ "$left" = 0 ] && { gone=1; break; }
  sleep 0.2
done
[ "$gone" = 1 ] || zp_fail "the piped demo left pools or processes behind after Ctrl-C: pools $pools, sshd $sshd_pid, zpull $zpull_pid"
