#!/usr/bin/env bash
# The control channel of a running daemon: zpull pause / resume / replicate
# / status over its 0600 Unix socket, reflected in /metrics.
ZP_TEST_NAME=control
source "$(dirname "$0")/lib.sh"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/data"
zfs create -o mountpoint=none "$dst/b"
zp_fill "$src/data" 100
port=$(zp_free_port)
cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
interval: 1h
listen: 127.0.0.1:$port
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
sources:
  - {name: here, host: local}
datasets:
  - {source: here, source_dataset: $src/data, destination: $dst/b/data}
YAML
"$ZPULL_BIN" run --config "$cfg" >"$ZP_TMP/run.log" 2>&1 &
pid=$!
zp_cleanup "kill $pid 2>/dev/null; wait $pid 2>/dev/null; true"
sample() { curl -sf "http://127.0.0.1:$port/metrics" 2>/dev/null | awk -v want="$1{dataset=\"$dst/b/data\"}" '$1 == want { print $2 }'; }
for _ in $(seq 1 100); do [ "$(sample zpull_replication_runs_total)" = 1 ] && break; sleep 0.1; done
zp_assert_eq 1 "$(sample zpull_replication_runs_total)" "first run"
zp_assert_eq "600" "$(stat -c %a "$ZP_TMP/locks/control.sock")" "control socket mode"

out=$("$ZPULL_BIN" pause --config "$cfg" "$dst/b/data") || zp_fail "pause failed: $out"
zp_assert_eq "ok: $dst/b/data paused" "$out" "pause reply"
zp_assert_eq 1 "$(sample zpull_replication_paused)" "paused in metrics"
status=$("$ZPULL_BIN" status --config "$cfg") || zp_fail "status failed: $status"
grep -qE "^$dst/b/data +paused +" <<<"$status" || zp_fail "status shows paused: $status"
grep -qE "^DATASET +STATE +LAG +LAST SUCCESS +LAST RESULT" <<<"$status" || zp_fail "status header: $status"
zp_assert_contains "$("$ZPULL_BIN" status --json --config "$cfg")" '"state": "paused"' "status --json"

out=$("$ZPULL_BIN" replicate --config "$cfg" "$dst/b/data") || zp_fail "replicate failed: $out"
for _ in $(seq 1 100); do [ "$(sample zpull_replication_runs_total)" = 2 ] && break; sleep 0.1; done
zp_assert_eq 2 "$(sample zpull_replication_runs_total)" "replicate-now runs even a paused dataset once"
zp_assert_eq 1 "$(sample zpull_replication_paused)" "still paused after the one run"

out=$("$ZPULL_BIN" resume --config "$cfg" "$dst/b/data") || zp_fail "resume failed: $out"
zp_assert_eq 0 "$(sample zpull_replication_paused)" "resumed in metrics"

set +e
out=$("$ZPULL_BIN" pause --config "$cfg" "$dst/b/nope" 2>&1)
rc=$?
set -e
zp_assert_eq 1 "$rc" "unknown dataset exit code"
zp_assert_contains "$out" "error: no dataset '$dst/b/nope' (zpull status lists them)" "unknown dataset named"

kill -TERM "$pid"
wait "$pid" || zp_fail "exit status"
[ -e "$ZP_TMP/locks/control.sock" ] && zp_fail "control socket left behind"
set +e
out=$("$ZPULL_BIN" status --config "$cfg" 2>&1)
rc=$?
set -e
zp_assert_eq 2 "$rc" "no daemon: exit 2"
zp_assert_contains "$out" "is the daemon running?" "no daemon named"
