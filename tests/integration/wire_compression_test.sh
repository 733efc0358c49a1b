#!/usr/bin/env bash
# compress: zstd over a real sshd on zfs-fuse: the source pipes `zfs send`
# through zstd, zpull decompresses in its relay; the replica is identical
# (guids), and wire bytes are counted apart from stream bytes; then an
# incremental with the same setting. (A wire that does not decode is the
# unit tests' case: StreamReader.)
ZP_TEST_NAME=wire_compression
source "$(dirname "$0")/lib.sh"

zp_test_pool src s
zp_test_pool dst d
zfs create -o compression=off "$src/text"
zfs create -o mountpoint=none "$dst/b"
mp=$(zfs get -H -o value mountpoint "$src/text")
for i in $(seq 1 200000); do echo "log line $i: replication test with compressible content"; done >"$mp/app.log"
zp_start_sshd
port=$(zp_free_port)
cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
interval: 1h
listen: 127.0.0.1:$port
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
compress: zstd
sources:
$(zp_ssh_source_yaml web1)
datasets:
  - {source: web1, source_dataset: $src/text, destination: $dst/b/text}
YAML
"$ZPULL_BIN" run --config "$cfg" >"$ZP_TMP/run.log" 2>&1 &
pid=$!
zp_cleanup "kill $pid 2>/dev/null; wait $pid 2>/dev/null; true"
sample() { curl -sf "http://127.0.0.1:$port/metrics" 2>/dev/null | awk -v want="$1" '$1 == want { print $2 }'; }
d="dataset=\"$dst/b/text\""
for _ in $(seq 1 150); do [ "$(sample "zpull_replication_runs_total{$d}")" = 1 ] && break; sleep 0.1; done
zp_assert_eq 1 "$(sample "zpull_replication_runs_total{$d}")" "one run"
zp_assert_eq 0 "$(sample "zpull_replication_failed_runs_total{$d}")" "no failed cycle (no corrupt stream)"
stream=$(sample "zpull_replication_bytes_total{$d}")
wire=$(sample "zpull_replication_wire_bytes_total{$d}")
zp_log "stream bytes $stream, wire bytes $wire"
awk -v s="$stream" -v w="$wire" 'BEGIN { exit !(s > 10000000 && w > 0 && w * 5 < s) }' ||
  zp_fail "expected a zstd wire far smaller than the stream: stream=$stream wire=$wire"
kill -TERM "$pid"
wait "$pid" || zp_fail "exit status"
src_guids=$(zfs get -Hp -r -d 1 guid "$src/text" | awk -F'\t' 'index($1, "@") { print $3 }' | sort)
dst_guids=$(zfs get -Hp -r -d 1 guid "$dst/b/text" | awk -F'\t' 'index($1, "@") { print $3 }' | sort)
zp_assert_eq "$src_guids" "$dst_guids" "replica snapshots by guid"

zp_log "incremental through zstd"
echo "one more line" >>"$mp/app.log"
out=$("$ZPULL_BIN" once --config "$cfg") || zp_fail "incremental failed: $out"
zp_assert_contains "$out" "ok $dst/b/text incremental" "incremental with compress: zstd"

