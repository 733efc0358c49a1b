#!/usr/bin/env bash
# zpull once inside the guest, pulling over SSH from the guest itself: a full
# send, then an -I incremental that brings foreign snapshots along.
OZ_NAME=once_incremental
source "$(dirname "$0")/lib.sh"
oz_pool src
oz_pool dst
g zfs create "$src/data"
g zfs create -o mountpoint=none "$dst/b"
oz_fill "$src/data" 2048
gsh "cat > /root/once.yml" <<YAML
snapshot_prefix: zpt
sources:
$(oz_ssh_source_yaml guest)
datasets:
  - {source: guest, source_dataset: $src/data, destination: $dst/b/data}
YAML
out=$(g /opt/zpull/zpull once --config /root/once.yml) || oz_fail "first zpull once failed: $out"
oz_assert_contains "$out" "ok $dst/b/data full @zpt_" "full send"
first=$(oz_snapshots "$src/data")
g zfs snapshot "$src/data@sanoid_hourly"
oz_fill "$src/data" 100
g zfs snapshot "$src/data@manual"
oz_fill "$src/data" 100
out=$(g /opt/zpull/zpull once --config /root/once.yml) || oz_fail "second zpull once failed: $out"
oz_assert_contains "$out" "ok $dst/b/data incremental @$first -> @zpt_" "incremental"
src_snaps=$(oz_snapshots "$src/data")
# The old base went from the source (own snapshots older than the newest
# common one are pruned by default); the destination keeps it.
oz_assert_eq "sanoid_hourly manual" "$(echo "$src_snaps" | cut -d' ' -f1-2)" "the source after pruning"
oz_assert_eq "$first $src_snaps" "$(oz_snapshots "$dst/b/data")" "every snapshot arrived"
for s in sanoid_hourly manual; do
  oz_assert_eq "$(g zfs get -Hp -o value guid "$src/data@$s")" "$(g zfs get -Hp -o value guid "$dst/b/data@$s")" "guid of @$s"
done
oz_assert_eq "no" "$(g zfs get -H -o value mounted "$dst/b/data")" "replica unmounted"
newest=${src_snaps##* }
holds=$(g zfs holds -H "$src/data@$newest" | cut -f2)
# One tag per entry on the source: <prefix>_<destination with / as :>.
oz_assert_eq "zpt_${dst}:b:data" "$holds" "hold on the source base, listed by zfs holds"
oz_assert_eq "zpt" "$(g zfs holds -H "$dst/b/data@$newest" | cut -f2)" "hold on the destination base"
oz_assert_eq "" "$(g zfs holds -H "$dst/b/data@$first" | cut -f2)" "old hold released on the destination"
