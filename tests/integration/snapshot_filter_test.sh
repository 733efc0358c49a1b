#!/usr/bin/env bash
# Existing snapshots only (snapshot: false, as for a source sanoid already
# snapshots), filtered by name: the hourlies are left out, so zfs-fuse gets
# a chain of -i sends; zpull verify does not count them as missing.
ZP_TEST_NAME=snapshot_filter
source "$(dirname "$0")/lib.sh"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/data"
zfs create -o mountpoint=none "$dst/b"
snap() { zp_fill "$src/data" 50; zfs snapshot "$src/data@$1"; }
snap autosnap_2026-11-27_00:00:00_daily
snap autosnap_2026-11-27_01:00:00_hourly
cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
sources:
  - {name: here, host: local}
datasets:
  - source: here
    source_dataset: $src/data
    destination: $dst/b/data
    snapshot: false
    snapshots: {exclude: ["*_hourly"]}
YAML
out=$("$ZPULL_BIN" once --config "$cfg") || zp_fail "first run failed: $out"
zp_assert_contains "$out" "ok $dst/b/data full @autosnap_2026-11-27_00:00:00_daily" "full of the selected snapshot"
snap autosnap_2026-11-27_02:00:00_hourly
snap autosnap_2026-11-28_00:00:00_daily
snap autosnap_2026-11-28_01:00:00_hourly
snap autosnap_2026-11-29_00:00:00_daily
out=$("$ZPULL_BIN" once --config "$cfg") || zp_fail "second run failed: $out"
zp_assert_contains "$out" "incremental @autosnap_2026-11-27_00:00:00_daily -> @autosnap_2026-11-28_00:00:00_daily, then incremental @autosnap_2026-11-28_00:00:00_daily -> @autosnap_2026-11-29_00:00:00_daily" "chain of -i"
zp_assert_eq "autosnap_2026-11-27_00:00:00_daily autosnap_2026-11-28_00:00:00_daily autosnap_2026-11-29_00:00:00_daily" \
  "$(zp_snapshots "$dst/b/data")" "only the dailies arrived"
for s in $(zp_snapshots "$dst/b/data"); do
  zp_assert_eq "$(zp_guid "$src/data@$s")" "$(zp_guid "$dst/b/data@$s")" "guid of @$s"
done
snap autosnap_2026-11-29_01:00:00_hourly
set +e
verify=$("$ZPULL_BIN" verify --config "$cfg" 2>&1)
set -e
# (The pool's missing scrub is a warning of its own; the dataset is OK.)
zp_assert_contains "$verify" "OK $dst/b/data" "verify: left-out hourlies are neither missing nor holes"
case "$verify" in *hole* | *"not replicated"*) zp_fail "verify counted left-out snapshots: $verify" ;; esac
out=$("$ZPULL_BIN" once --config "$cfg") || zp_fail "third run failed: $out"
zp_assert_contains "$out" "ok $dst/b/data up to date" "only an hourly is new"
