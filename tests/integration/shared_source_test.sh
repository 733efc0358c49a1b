#!/usr/bin/env bash
# Two entries pulling one source dataset (issue 24), on zfs-fuse with a
# local source and parallelism 2, ten runs of `zpull once`: the entries'
# cycles take turns (a lock per source dataset), so one's source pruning
# and replacing never races the other's snapshot and send; every run
# succeeds without a warning, each entry's base stays held by its own tag,
# and the source keeps exactly the two bases.
ZP_TEST_NAME=shared_source
source "$(dirname "$0")/lib.sh"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/data"
zfs create -o mountpoint=none "$dst/one"
zfs create -o mountpoint=none "$dst/two"
zp_fill "$src/data" 20
cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
parallelism: 2
retries: 0
sources: [{name: here, host: local}]
datasets:
  - {source: here, source_dataset: $src/data, destination: $dst/one/data}
  - {source: here, source_dataset: $src/data, destination: $dst/two/data}
YAML
for run in $(seq 1 10); do
  zp_fill "$src/data" 4
  set +e
  out=$("$ZPULL_BIN" once --config "$cfg" 2>&1)
  rc=$?
  set -e
  [ "$rc" -eq 0 ] || zp_fail "run $run: $out"
  case "$out" in *warn* | *WARN*) zp_fail "run $run warned: $out" ;; esac
  zp_assert_eq 2 "$(grep -c '^ok ' <<<"$out")" "run $run: both entries replicated"
done
base() { zp_snapshots "$dst/$1/data" | awk '{print $NF}'; }
own=$(printf '%s\n' $(zp_snapshots "$src/data") | grep '^zpt_' | sort -u | paste -sd' ' -)
zp_assert_eq "$(printf '%s\n' "$(base one)" "$(base two)" | sort -u | paste -sd' ' -)" "$own" \
  "the source keeps the two bases, nothing else of zpull's"
for d in one two; do
  zp_assert_eq 1 "$(zfs get -Hp -o value userrefs "$src/data@$(base $d)")" "$d's base is held"
  zfs release "$(zp_hold_tag zpt "$dst/$d/data")" "$src/data@$(base $d)" ||
    zp_fail "$d's base is not held by its own tag"
  zfs hold "$(zp_hold_tag zpt "$dst/$d/data")" "$src/data@$(base $d)"
done
zp_log "ok: 10 runs, the source holds $own"
