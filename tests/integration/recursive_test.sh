#!/usr/bin/env bash
# Recursive entries on real zfs-fuse: children selected by path pattern and
# by zpull:backup, each replicated as its own dataset (parents first,
# excluded levels as canmount=off containers); a running daemon picks up a
# child created later and drops one switched off, destroying nothing.
ZP_TEST_NAME=recursive
source "$(dirname "$0")/lib.sh"

zp_test_pool src s
zp_test_pool dst d
for fs in data data/a data/a/deep data/tmp data/tmp/keep data/off data/off/child; do zfs create "$src/$fs"; done
zfs set zpull:backup=on "$src/data/tmp/keep"
zfs set zpull:backup=off "$src/data/off"
zp_fill "$src/data/a" 50
zfs create -o mountpoint=none "$dst/b"
port=$(zp_free_port)
cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
interval: 2s
parallelism: 2
listen: 127.0.0.1:$port
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
parity: {interval: 1h}
scrub: {interval: 1h}
sources:
  - {name: here, host: local}
datasets:
  - source: here
    source_dataset: $src/data
    destination: $dst/b/data
    recursive: true
    children: {exclude: [tmp]}
YAML

# The dry run names every selected dataset and changes nothing.
out=$("$ZPULL_BIN" once --dry-run --config "$cfg" 2>&1) || zp_fail "dry run: $out"
for fs in data data/a data/a/deep data/tmp/keep; do zp_assert_contains "$out" "$dst/b/$fs:" "dry run lists $fs"; done
case "$out" in *"$dst/b/data/off"* | *"$dst/b/data/tmp:"*) zp_fail "dry run lists an unselected dataset: $out" ;; esac
zfs list -H -o name "$dst/b/data" >/dev/null 2>&1 && zp_fail "dry run created $dst/b/data"

out=$("$ZPULL_BIN" once --config "$cfg" 2>&1) || zp_fail "once: $out"
zp_log "$out"
zp_assert_eq 4 "$(grep -c '^ok ' <<<"$out")" "four datasets replicated"
for fs in data data/a data/a/deep data/tmp/keep; do
  [ -n "$(zp_snapshots "$dst/b/$fs")" ] || zp_fail "$dst/b/$fs has no snapshots"
  zp_assert_eq "$(zp_guid "$src/$fs@$(zp_snapshots "$src/$fs" | awk '{print $NF}')")" \
    "$(zp_guid "$dst/b/$fs@$(zp_snapshots "$dst/b/$fs" | awk '{print $NF}')")" "$fs newest guid"
done
zp_assert_eq "off" "$(zfs get -H -o value canmount "$dst/b/data/tmp")" "excluded level is a container"
[ -z "$(zp_snapshots "$dst/b/data/tmp")" ] || zp_fail "the excluded $dst/b/data/tmp received snapshots"
zfs list -H -o name "$dst/b/data/off" >/dev/null 2>&1 && zp_fail "zpull:backup=off was replicated"
[ -z "$(zp_snapshots "$src/data/off")" ] || zp_fail "zpull:backup=off was snapshotted on the source"

"$ZPULL_BIN" run --config "$cfg" >"$ZP_TMP/run.log" 2>&1 &
pid=$!
zp_cleanup "kill $pid 2>/dev/null; wait $pid 2>/dev/null; true"
runs() { curl -sf "http://127.0.0.1:$port/metrics" 2>/dev/null | awk -v want="zpull_replication_runs_total{dataset=\"$1\"}" '$1 == want { print $2 }'; }
for _ in $(seq 1 100); do [ -n "$(runs "$dst/b/data/a/deep")" ] && break; sleep 0.1; done
[ -n "$(runs "$dst/b/data/a/deep")" ] || zp_fail "no metrics for a child: $(cat "$ZP_TMP/run.log")"

zfs create "$src/data/new"
zfs set zpull:backup=off "$src/data/a/deep"
for _ in $(seq 1 300); do [ -n "$(runs "$dst/b/data/new")" ] && [ "$(runs "$dst/b/data/new")" -ge 1 ] && break; sleep 0.1; done
[ "$(runs "$dst/b/data/new")" -ge 1 ] 2>/dev/null || zp_fail "new child not replicated: $(cat "$ZP_TMP/run.log")"
for _ in $(seq 1 100); do [ -z "$(runs "$dst/b/data/a/deep")" ] && break; sleep 0.1; done
# One listing may see both changes, or two listings one each.
zp_assert_contains "$(cat "$ZP_TMP/run.log")" "datasets changed under=$src/data added=$src/data/new" "the addition is logged"
zp_assert_contains "$(cat "$ZP_TMP/run.log")" "removed=$src/data/a/deep" "the removal is logged"
[ -n "$(zp_snapshots "$dst/b/data/new")" ] || zp_fail "$dst/b/data/new has no snapshots"
[ -z "$(runs "$dst/b/data/a/deep")" ] || zp_fail "a child switched off still has metrics"
[ -n "$(zp_snapshots "$dst/b/data/a/deep")" ] || zp_fail "the replica of a child switched off lost its snapshots"

kill -TERM "$pid"
wait "$pid" || zp_fail "exit status: $(tail -5 "$ZP_TMP/run.log")"
