#!/usr/bin/env bash
# A recursive entry with snapshot: true on real zfs-fuse: its tree is
# snapshotted at one point in time (`zfs snapshot -r`, through zpull-guard
# 3 over SSH: one name, one transaction group for every dataset); a member
# whose transfer fails does not hold the others back, keeps the tree's
# snapshot and catches up; with a child the entry does not select, each
# member is snapshotted on its own (zfs-fuse has no several-name form)
# under the one name, and that child gets nothing.
ZP_TEST_NAME=tree_snapshot
source "$(dirname "$0")/lib.sh"
: "${ZPULL_GUARD_BIN:?ZPULL_GUARD_BIN must point at zpull-guard}"
here="$(cd "$(dirname "$0")" && pwd)"

zp_test_pool src s
zp_test_pool dst d
tree="data data/a data/a/deep data/b"
for fs in $tree; do zfs create "$src/$fs"; zp_fill "$src/$fs" 20; done
zfs create -o mountpoint=none "$dst/b"
zp_start_sshd
key=$(cat "$ZP_TMP/ssh/client_ed25519.pub")
echo "command=\"$ZPULL_GUARD_BIN --destroy --snapshot-prefix zpt --datasets $src/data $src/data/*\",restrict $key" \
  >"$ZP_TMP/ssh/authorized_keys"
fault_file="$ZP_TMP/fault"
cfg="$ZP_TMP/zpull.yml"
write_cfg() {  # source: the entry's source
  cat >"$cfg" <<YAML
snapshot_prefix: zpt
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
retries: 0
sources:
$(zp_ssh_source_yaml web1)
  - {name: faulty, host: local, zfs_command: [$here/faulty-zfs.sh, $fault_file]}
datasets:
  - {source: $1, source_dataset: $src/data, destination: $dst/b/data, recursive: true}
YAML
}
newest() { zp_snapshots "$1" | awk '{print $NF}'; }
txg() { zfs get -Hp createtxg "$1" | cut -f3; }
# Every dataset of the tree has @$1 and it is one txg: one command.
assert_one_point() {
  local name=$1 t
  t=$(txg "$src/data@$name")
  for fs in $tree; do
    zp_assert_eq "$name" "$(newest "$src/$fs")" "$fs's newest source snapshot"
    zp_assert_eq "$t" "$(txg "$src/$fs@$name")" "$fs@$name in the tree's one transaction group"
  done
}

# Through the guard over SSH. The first receives snapshot each on its own
# (a dataset joins its tree once its destination exists); then the whole
# tree with one zfs snapshot -r.
write_cfg web1
out=$("$ZPULL_BIN" once --config "$cfg" 2>&1) || zp_fail "first once: $out"
for fs in $tree; do zp_assert_eq "$(newest "$src/$fs")" "$(newest "$dst/b/$fs")" "$fs replicated"; done
first=$(newest "$src/data/a")
sleep 1
zp_fill "$src/data/a" 10
out=$("$ZPULL_BIN" once --config "$cfg" 2>&1) || zp_fail "second once: $out"
second=$(newest "$src/data")
[ "$second" != "$first" ] || zp_fail "no new snapshot in the second run"
assert_one_point "$second"
zp_assert_contains "$out" "ok $dst/b/data/a incremental @$first -> @$second" "the member that changed"
for fs in $tree; do zp_assert_eq "$second" "$(newest "$dst/b/$fs")" "$fs replicated the tree's snapshot"; done

# One member's send dies (retries: 0): it fails alone, its source keeps
# the tree's snapshot, and it catches up in the next run.
write_cfg faulty
for fs in $tree; do zp_fill "$src/$fs" 600; done  # streams longer than the fault lets through
echo die >"$fault_file"
set +e
out=$("$ZPULL_BIN" once --config "$cfg" 2>&1)
set -e
zp_log "$out"
third=$(newest "$src/data")
assert_one_point "$third"
zp_assert_eq 1 "$(grep -c '^FAILED ' <<<"$out")" "one member failed"
zp_assert_eq 3 "$(grep -c '^ok ' <<<"$out")" "the others replicated"
behind=""
for fs in $tree; do
  [ "$(newest "$dst/b/$fs")" = "$third" ] || behind="$behind $fs"
done
zp_assert_eq 1 "$(wc -w <<<"$behind")" "one member without the tree's snapshot"
sleep 1
out=$("$ZPULL_BIN" once --config "$cfg" 2>&1) || zp_fail "catching up: $out"
fourth=$(newest "$src/data")
assert_one_point "$fourth"
for fs in $tree; do zp_assert_eq "$fourth" "$(newest "$dst/b/$fs")" "$fs caught up"; done

# A child the entry does not select: each member on its own, one name.
zfs create "$src/data/off"
zfs set zpull:backup=off "$src/data/off"
write_cfg web1
sleep 1
out=$("$ZPULL_BIN" once --config "$cfg" 2>&1) || zp_fail "with an unselected child: $out"
fifth=$(newest "$src/data")
for fs in $tree; do
  zp_assert_eq "$fifth" "$(newest "$src/$fs")" "$fs's snapshot name"
  zp_assert_eq "$fifth" "$(newest "$dst/b/$fs")" "$fs replicated"
done
[ -z "$(zp_snapshots "$src/data/off")" ] || zp_fail "the unselected child was snapshotted"
