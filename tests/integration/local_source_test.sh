#!/usr/bin/env bash
# A `host: local` source: no SSH, same cycle. Also `initial: all`, missing
# destination parents, and `zpull once --dry-run` changing nothing.
ZP_TEST_NAME=local_source
source "$(dirname "$0")/lib.sh"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/data"
zp_fill "$src/data" 300
zfs snapshot "$src/data@pre1"
zp_fill "$src/data" 100
zfs snapshot "$src/data@pre2"

cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
sources:
  - name: here
    host: local
datasets:
  - source: here
    source_dataset: $src/data
    destination: $dst/hosts/here/data
    initial: all
YAML
out=$("$ZPULL_BIN" once --config "$cfg" --dry-run) || zp_fail "dry run failed: $out"
zp_assert_contains "$out" "dry-run $dst/hosts/here/data: would snapshot @zpt_" "dry run names the snapshot"
zp_assert_contains "$out" "would create $dst/hosts, $dst/hosts/here (canmount=off)" "dry run names the parents"
zp_assert_contains "$out" "would send full @pre1, then incremental @pre1 -> @zpt_" "dry run plan"
zp_assert_eq "pre1 pre2" "$(zp_snapshots "$src/data")" "dry run took no snapshot"
zfs list "$dst/hosts" >/dev/null 2>&1 && zp_fail "dry run created a parent"

prom="$ZP_TMP/zpull.prom"
out=$("$ZPULL_BIN" once --config "$cfg" --textfile "$prom") || zp_fail "zpull once failed: $out"
zp_assert_contains "$out" "ok $dst/hosts/here/data full @pre1, then incremental @pre1 -> @zpt_" "initial all plan"
zp_assert_contains "$out" "created_parents=$dst/hosts,$dst/hosts/here" "parents created"
zp_assert_eq "off" "$(zfs get -H -o value canmount "$dst/hosts/here")" "parent is a container"
zp_assert_eq "$(zp_snapshots "$src/data")" "$(zp_snapshots "$dst/hosts/here/data")" "all snapshots replicated"

zp_fill "$src/data" 100
old=$(zp_snapshots "$src/data" | awk '{print $NF}')
first_bytes=$(awk -v want="zpull_replication_bytes_total{dataset=\"$dst/hosts/here/data\"}" '$1 == want { print $2 }' "$prom")
out=$("$ZPULL_BIN" once --config "$cfg" --textfile "$prom") || zp_fail "second run failed: $out"
zp_assert_contains "$out" "ok $dst/hosts/here/data incremental @zpt_" "incremental"
new=$(zp_snapshots "$src/data" | awk '{print $NF}')
zp_assert_eq "pre1 pre2 $new" "$(zp_snapshots "$src/data")" "the old base pruned from the source"
zp_assert_eq "pre1 pre2 $old $new" "$(zp_snapshots "$dst/hosts/here/data")" "incremental replicated"

zp_log "textfile: counters carry forward across runs, no lag gauge, promtool accepts it"
sample() { awk -v want="$1{dataset=\"$dst/hosts/here/data\"}" '$1 == want { print $2 }' "$prom"; }
zp_assert_eq 2 "$(sample zpull_replication_runs_total)" "runs carried forward"
awk -v a="$(sample zpull_replication_bytes_total)" -v b="$first_bytes" 'BEGIN { exit !(a > b && b > 0) }' ||
  zp_fail "bytes did not carry forward: $first_bytes then $(sample zpull_replication_bytes_total)"
[ -n "$(sample zpull_replication_last_success_timestamp_seconds)" ] || zp_fail "no last success"
grep -q zpull_replication_lag_seconds "$prom" && zp_fail "a textfile must not carry a lag gauge"
promtool check metrics <"$prom" || zp_fail "promtool check metrics"
ls "$ZP_TMP" | grep -q 'zpull.prom.tmp' && zp_fail "temporary file left behind"

zp_log "hooks: a failing pre_snapshot hook skips the cycle; both hooks see the cycle's facts"
before=$(zp_snapshots "$src/data")
hookcfg="$ZP_TMP/hooks.yml"
sed "s|^sources:|hooks:\n  pre_snapshot: {command: [sh, -c, 'echo not now >\&2; exit 4'], timeout: 10s}\nsources:|" "$cfg" >"$hookcfg"
set +e
out=$("$ZPULL_BIN" once --config "$hookcfg" 2>&1)
set -e
zp_assert_contains "$out" "FAILED $dst/hosts/here/data reason=hook_failed" "failing pre hook"
zp_assert_contains "$out" "pre_snapshot hook (sh on local): exit 4: not now" "the hook's words"
zp_assert_eq "$before" "$(zp_snapshots "$src/data")" "no snapshot after a failing pre hook"
sed "s|^sources:|hooks:\n  pre_snapshot: {command: [sh, -c, 'echo \$ZPULL_HOOK \$ZPULL_SOURCE_DATASET > $ZP_TMP/pre']}\n  post_replication: {command: [sh, -c, 'echo \$ZPULL_RESULT \$ZPULL_SNAPSHOT \$ZPULL_DATASET > $ZP_TMP/post']}\nsources:|" "$cfg" >"$hookcfg"
out=$("$ZPULL_BIN" once --config "$hookcfg") || zp_fail "once with hooks failed: $out"
zp_assert_eq "pre_snapshot $src/data" "$(cat "$ZP_TMP/pre")" "pre hook environment"
newest=$(zp_snapshots "$dst/hosts/here/data" | awk '{ print $NF }')
zp_assert_eq "ok $newest $dst/hosts/here/data" "$(cat "$ZP_TMP/post")" "post hook environment"
