#!/usr/bin/env bash
# The README's demo command: it starts, serves metrics with successful runs,
# and on SIGINT (Ctrl-C) stops everything it started and removes its pools.
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
