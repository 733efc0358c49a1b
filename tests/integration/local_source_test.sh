#!/usr/bin/env bash
# A `host: local` source: no SSH, same cycle. Also `initial: all`.
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
    dataset: $src/data
    destination: $dst/data
    initial: all
YAML
out=$("$ZPULL_BIN" once --config "$cfg") || zp_fail "zpull once failed: $out"
zp_assert_contains "$out" "ok $dst/data full @pre1, then incremental @pre1 -> @zpt_" "initial all plan"
zp_assert_eq "$(zp_snapshots "$src/data")" "$(zp_snapshots "$dst/data")" "all snapshots replicated"

zp_fill "$src/data" 100
out=$("$ZPULL_BIN" once --config "$cfg") || zp_fail "second run failed: $out"
zp_assert_contains "$out" "ok $dst/data incremental @zpt_" "incremental"
zp_assert_eq "$(zp_snapshots "$src/data")" "$(zp_snapshots "$dst/data")" "incremental replicated"
