#!/usr/bin/env bash
# `zpull once DESTINATION...` runs only the entries named (by destination,
# as metrics and logs name them), in a dry run too; a name that is none
# is refused before anything runs, with the nearest destination.
ZP_TEST_NAME=once_selection
source "$(dirname "$0")/lib.sh"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/a"
zfs create "$src/b"
zfs create -o mountpoint=none "$dst/b"
cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
retries: 0
sources: [{name: here, host: local}]
datasets:
  - {source: here, source_dataset: $src/a, destination: $dst/b/a}
  - {source: here, source_dataset: $src/b, destination: $dst/b/b}
YAML

dry=$("$ZPULL_BIN" once --config "$cfg" --dry-run "$dst/b/b" 2>&1) || zp_fail "dry run: $dry"
zp_assert_contains "$dry" "$dst/b/b" "the named entry previewed"
[[ "$dry" != *"$dst/b/a"* ]] || zp_fail "the other entry previewed too: $dry"

out=$("$ZPULL_BIN" once --config "$cfg" "$dst/b/b" 2>&1) || zp_fail "once: $out"
zp_assert_contains "$out" "ok $dst/b/b" "the named entry ran"
[[ "$out" != *"$dst/b/a"* ]] || zp_fail "the other entry ran too: $out"
zfs list "$dst/b/b" >/dev/null 2>&1 || zp_fail "$dst/b/b not received"
! zfs list "$dst/b/a" >/dev/null 2>&1 || zp_fail "$dst/b/a received though not named"
[ -z "$(zp_snapshots "$src/a")" ] || zp_fail "$src/a snapshotted though not named"

rc=0; out=$("$ZPULL_BIN" once --config "$cfg" "$dst/b/x" 2>&1) || rc=$?
zp_assert_eq 2 "$rc" "an unknown destination is a usage error"
zp_assert_contains "$out" "no configured destination '$dst/b/x' (did you mean" "named with the nearest"
rc=0; out=$("$ZPULL_BIN" once --config "$cfg" "$src/a" 2>&1) || rc=$?
zp_assert_eq 2 "$rc" "a source dataset is not a destination"
zp_assert_contains "$out" "it is a source dataset; name its entries by destination: $dst/b/a" "the way named"
! zfs list "$dst/b/a" >/dev/null 2>&1 || zp_fail "a refused selection ran something"

# A parent selects the entries below it.
out=$("$ZPULL_BIN" once --config "$cfg" "$dst/b" 2>&1) || zp_fail "once parent: $out"
zp_assert_contains "$out" "ok $dst/b/a" "entries below a named parent run"
