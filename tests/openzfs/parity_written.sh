#!/usr/bin/env bash
# OpenZFS `written`: a replica mounted and written to is reported as modified
# (zpull verify CRITICAL, and the daemon's gauge) before the next
# incremental fails; zfs-fuse lacks the property, so only this tier shows it.
OZ_NAME=parity_written
source "$(dirname "$0")/lib.sh"
oz_pool src
oz_pool dst
g zfs create "$src/data"
g zfs create -o mountpoint=none "$dst/b"
oz_fill "$src/data" 256
gsh "cat > /root/written.yml" <<YAML
snapshot_prefix: zpt
sources:
$(oz_ssh_source_yaml guest)
datasets:
  - {source: guest, source_dataset: $src/data, destination: $dst/b/data}
YAML
g /opt/zpull/zpull once --config /root/written.yml >/dev/null || oz_fail "replication failed"
g zpool scrub -w "$dst"
out=$(g /opt/zpull/zpull verify --config /root/written.yml) || oz_fail "verify before the write: $out"
oz_assert_contains "$out" "OK $dst/b/data" "clean replica"
# zpull leaves replicas readonly=on; someone turns that off and writes.
oz_assert_eq "on" "$(g zfs get -H -o value readonly "$dst/b/data")" "replica is readonly"
gsh "zfs set readonly=off '$dst/b/data' && zfs set mountpoint=/var/tmp/mnt/$dst-data '$dst/b/data' && zfs mount '$dst/b/data' 2>/dev/null; echo oops > /var/tmp/mnt/$dst-data/touched && zpool sync '$dst'"
set +e
out=$(g /opt/zpull/zpull verify --config /root/written.yml)
rc=$?
set -e
oz_assert_eq 2 "$rc" "verify exit after writing to the replica: $out"
oz_assert_contains "$out" "destination modified since its newest snapshot" "finding: $out"
out=$(g /opt/zpull/zpull once --config /root/written.yml) && oz_fail "the incremental should fail: $out"
oz_assert_contains "$out" "reason=destination_modified" "replication failure reason"
