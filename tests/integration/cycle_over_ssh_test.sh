#!/usr/bin/env bash
# `zpull once` over a real sshd into real zfs-fuse pools: full send, an
# incremental that brings foreign snapshots, retention pruning, a dataset
# whose name has a space, and a failing dataset beside succeeding ones.
ZP_TEST_NAME=cycle_over_ssh
source "$(dirname "$0")/lib.sh"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/data"
zfs create "$src/with space"
zfs create "$dst/backup"
zp_fill "$src/data" 600
zp_fill "$src/with space" 300
zp_start_sshd

cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
parallelism: 2
retention:
  keep_last: 3
sources:
$(zp_ssh_source_yaml web1)
datasets:
  - source: web1
    source_dataset: $src/data
    destination: $dst/backup/data
  - source: web1
    source_dataset: $src/with space
    destination: $dst/backup/with space
  - source: web1
    source_dataset: $src/missing
    destination: $dst/backup/missing
YAML
"$ZPULL_BIN" check-config "$cfg" >/dev/null || zp_fail "check-config rejected a valid config"

run_once() {
  set +e
  out=$("$ZPULL_BIN" once --config "$cfg" 2>"$ZP_TMP/stderr")
  rc=$?
  set -e
}

zp_log "first cycle: full sends"
run_once
zp_assert_eq 1 "$rc" "exit code with one failing dataset"
zp_assert_contains "$out" "ok $dst/backup/data full @zpt_" "data line"
zp_assert_contains "$out" "ok $dst/backup/with space full @zpt_" "space line"
zp_assert_contains "$out" "FAILED $dst/backup/missing reason=source_missing" "missing line"
zp_assert_eq 3 "$(printf '%s\n' "$out" | wc -l)" "one line per dataset"
for fs in data "with space"; do
  s=$(zp_snapshots "$src/$fs")
  d=$(zp_snapshots "$dst/backup/$fs")
  zp_assert_eq "$s" "$d" "snapshots of $fs after full send"
  zp_assert_eq "$(zp_guid "$src/$fs@$s")" "$(zp_guid "$dst/backup/$fs@$d")" "guid of $fs@$s"
  zp_assert_eq "no" "$(zfs get -H mounted "$dst/backup/$fs" | cut -f3)" "replica stays unmounted"
  zp_assert_eq 1 "$(zfs get -Hp userrefs "$src/$fs@$s" | cut -f3)" "source base held"
  zp_assert_eq 1 "$(zfs get -Hp userrefs "$dst/backup/$fs@$d" | cut -f3)" "destination base held"
done
[ -n "$(zfs get -Hp zpull:last_success "$dst/backup/data" | cut -f3 | grep -E '^[0-9]+$')" ] ||
  zp_fail "last_success property not set"
first=$(zp_snapshots "$src/data")

zp_log "second cycle: incremental brings foreign snapshots"
zfs snapshot "$src/data@sanoid_hourly_1"
zp_fill "$src/data" 200
zfs snapshot "$src/data@manual snap"
zp_fill "$src/data" 200
run_once
zp_assert_contains "$out" "ok $dst/backup/data incremental @$first -> @zpt_" "incremental line"
src_snaps=$(zp_snapshots "$src/data")
# The old base is pruned from the source (zpull's own, older than the newest
# common snapshot: the default); the destination keeps it.
zp_assert_eq "$first $src_snaps" "$(zp_snapshots "$dst/backup/data")" "every snapshot arrived"
zp_assert_contains "$src_snaps" "sanoid_hourly_1 manual snap zpt_" "order of snapshots"
for s in "sanoid_hourly_1" "manual snap"; do
  zp_assert_eq "$(zp_guid "$src/data@$s")" "$(zp_guid "$dst/backup/data@$s")" "guid of @$s"
done
zfs list "$src/data@$first" >/dev/null 2>&1 && zp_fail "the old base @$first is still on the source (its hold not moved, or not pruned)"
zp_assert_eq 0 "$(zfs get -Hp userrefs "$dst/backup/data@$first" | cut -f3)" "old destination hold released"

zp_log "more cycles: retention keeps the last 3 own snapshots, never foreign ones"
for i in 1 2 3; do
  zp_fill "$src/data" 50
  run_once
  zp_assert_eq 1 "$rc" "exit code (cycle $i)"
done
dst_snaps=$(zp_snapshots "$dst/backup/data")
own=$(printf '%s\n' $dst_snaps | grep -c '^zpt_' || true)
zp_assert_eq 3 "$own" "own snapshots on the destination after pruning ($dst_snaps)"
zp_assert_contains "$dst_snaps" "sanoid_hourly_1 manual snap" "foreign snapshots kept"
case "$dst_snaps" in *"$first"*) zp_fail "oldest own snapshot $first not pruned" ;; esac
# The source keeps only zpull's newest (the base) and every foreign snapshot:
# source pruning is on by default.
zp_assert_eq 1 "$(printf '%s\n' $(zp_snapshots "$src/data") | grep -c '^zpt_')" "the source keeps zpull's base only"
zp_assert_contains "$(zp_snapshots "$src/data")" "sanoid_hourly_1 manual snap" "foreign snapshots kept on the source"
zp_assert_contains "$out" "pruned_destination=1" "pruning counted"
