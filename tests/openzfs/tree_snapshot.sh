#!/usr/bin/env bash
# A recursive entry with snapshot: true on OpenZFS 2.3: with a child the
# entry does not select, its members are snapshotted with several names in
# one `zfs snapshot` (one name, one transaction group; the child gets none);
# a member whose destination refuses (a snapshot made there by hand) keeps
# the tree's snapshot on its source while the others replicate it, and
# catches up once the destination is put right.
OZ_NAME=tree_snapshot
source "$(dirname "$0")/lib.sh"
oz_pool src
oz_pool dst
tree="data data/a data/b"
for fs in $tree data/off; do g zfs create "$src/$fs"; oz_fill "$src/$fs" 64; done
g zfs set zpull:backup=off "$src/data/off"
g zfs create -o mountpoint=none "$dst/b"
gsh "cat > /root/tree.yml" <<YAML
snapshot_prefix: zpt
sources:
$(oz_ssh_source_yaml guest)
datasets:
  - {source: guest, source_dataset: $src/data, destination: $dst/b/data, recursive: true}
YAML
newest() { oz_snapshots "$1" | awk '{print $NF}'; }
txg() { g zfs get -Hp -o value createtxg "$1"; }
assert_one_point() {  # name: every member's newest, all in one txg
  local t
  t=$(txg "$src/data@$1")
  for fs in $tree; do
    oz_assert_eq "$1" "$(newest "$src/$fs")" "$fs's newest source snapshot"
    oz_assert_eq "$t" "$(txg "$src/$fs@$1")" "$fs@$1 in the tree's one transaction group"
  done
  oz_assert_eq "" "$(oz_snapshots "$src/data/off")" "the unselected child has no snapshot"
}

# The first receives snapshot each on its own; from the second run on, the tree.
out=$(g /opt/zpull/zpull once --config /root/tree.yml 2>&1) || oz_fail "first once: $out"
sleep 1
out=$(g /opt/zpull/zpull once --config /root/tree.yml 2>&1) || oz_fail "second once: $out"
first=$(newest "$src/data")
assert_one_point "$first"
for fs in $tree; do oz_assert_eq "$first" "$(newest "$dst/b/$fs")" "$fs replicated"; done

# Refused on one member: the others go on, its source keeps the snapshot.
g zfs snapshot "$dst/b/data/a@by_hand"
for fs in $tree; do oz_fill "$src/$fs" 16; done
sleep 1
set +e
out=$(g /opt/zpull/zpull once --config /root/tree.yml 2>&1)
set -e
oz_log "$out"
second=$(newest "$src/data")
assert_one_point "$second"
oz_assert_contains "$out" "FAILED $dst/b/data/a reason=diverged" "the refused member"
oz_assert_eq "$second" "$(newest "$dst/b/data")" "the root replicated"
oz_assert_eq "$second" "$(newest "$dst/b/data/b")" "the other child replicated"
g zfs destroy "$dst/b/data/a@by_hand"
sleep 1
out=$(g /opt/zpull/zpull once --config /root/tree.yml 2>&1) || oz_fail "catching up: $out"
third=$(newest "$src/data")
assert_one_point "$third"
for fs in $tree; do oz_assert_eq "$third" "$(newest "$dst/b/$fs")" "$fs caught up"; done
oz_log "ok"
