#!/usr/bin/env bash
# A restore drill that compares against the source through its
# .zfs/snapshot directory (OpenZFS has it; zfs-fuse does not), with source
# clones disabled so that nothing else could make it pass; and nothing left.
OZ_NAME=drill_zfs_snapshot
source "$(dirname "$0")/lib.sh"
oz_pool src
oz_pool dst
g zfs create "$src/data"
g zfs create -o mountpoint=none "$dst/b"
gsh "mp=\$(zfs get -H -o value mountpoint '$src/data'); mkdir -p \"\$mp/d i r\"; for i in \$(seq 1 30); do head -c \$((RANDOM % 5000 + 10)) /dev/urandom > \"\$mp/d i r/f\$i\"; done"
gsh "cat > /root/drill.yml" <<YAML
snapshot_prefix: zpt
drill: {sample_files: 100, source_clone: false, restore_test: true, directory: /var/tmp/drills}
sources:
$(oz_ssh_source_yaml guest)
datasets:
  - {source: guest, source_dataset: $src/data, destination: $dst/b/data}
YAML
g /opt/zpull/zpull once --config /root/drill.yml >/dev/null || oz_fail "replication failed"
out=$(g /opt/zpull/zpull drill --config /root/drill.yml "$dst/b/data") || oz_fail "drill failed: $out"
oz_assert_contains "$out" "ok $dst/b/data reason=ok" "drill passed"
oz_assert_contains "$out" "files_verified=30/30" "all files verified"
oz_assert_contains "$out" "restore_bytes_per_second=" "restore throughput"
oz_assert_eq 0 "$(g zfs list -H -o name -t filesystem | grep -c _drill_ || true)" "no scratch clone left"
