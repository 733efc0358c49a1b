#!/usr/bin/env bash
# `zpull verify DATASET` is light (issue 25), on zfs-fuse with a local
# source: every zfs and zpool process of both sides is counted through
# wrappers used as zfs_command/zpool_command.
#   - a fresh verify (nothing cached: the probes it would need are
#     skipped) spawns at most 6 (5: zpool status once, in the form `zfs
#     version` tells), and says which checks it skipped;
#   - after a `zpull once` has probed both hosts and cached the features
#     on disk (cache_directory), verify takes them from there: at most 6
#     again, `zpool status` asked once, in the form the cache says works;
#   - a cache written for another `zfs version` is not used.
ZP_TEST_NAME=verify_light
source "$(dirname "$0")/lib.sh"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/data"
zfs create -o mountpoint=none "$dst/b"
zp_fill "$src/data" 20
for side in src dst; do
  for cmd in zfs zpool; do
    cat >"$ZP_TMP/$side-$cmd" <<EOF
#!/bin/sh
printf '%s\n' "$cmd \$*" >>"$ZP_TMP/$side.calls"
exec $cmd "\$@"
EOF
    chmod +x "$ZP_TMP/$side-$cmd"
  done
done
cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
zfs_command: [$ZP_TMP/dst-zfs]
zpool_command: [$ZP_TMP/dst-zpool]
sources: [{name: here, host: local, zfs_command: [$ZP_TMP/src-zfs], zpool_command: [$ZP_TMP/src-zpool]}]
datasets:
  - {source: here, source_dataset: $src/data, destination: $dst/b/data}
YAML
"$ZPULL_BIN" once --config "$cfg" >/dev/null || zp_fail "replication failed"
zpool scrub "$dst"
for _ in $(seq 1 50); do zpool status "$dst" | grep -q "scrub completed" && break; sleep 0.2; done

# verify_counted NAME: runs verify on the dataset; sets vout, vrc and the
# process counts src_n, dst_n, status_n (zpool status of the destination).
verify_counted() {
  rm -f "$ZP_TMP/src.calls" "$ZP_TMP/dst.calls"
  touch "$ZP_TMP/src.calls" "$ZP_TMP/dst.calls"
  set +e
  vout=$("$ZPULL_BIN" verify --config "$cfg" "$dst/b/data" 2>&1)
  vrc=$?
  set -e
  src_n=$(wc -l <"$ZP_TMP/src.calls")
  dst_n=$(wc -l <"$ZP_TMP/dst.calls")
  status_n=$(grep -c '^zpool status' "$ZP_TMP/dst.calls" || true)
  zp_log "$1: $src_n source + $dst_n destination processes: $(cat "$ZP_TMP/src.calls" "$ZP_TMP/dst.calls" | cut -c1-60 | paste -sd'|' -)"
  zp_assert_eq 0 "$vrc" "$1: verify passes: $vout"
  zp_assert_contains "$vout" "OK $dst/b/data <- here:$src/data" "$1: dataset verified"
  zp_assert_contains "$vout" "OK pool $dst" "$1: pool verified"
  [ $((src_n + dst_n)) -le 6 ] || zp_fail "$1: $((src_n + dst_n)) zfs/zpool processes, at most 6: $(cat "$ZP_TMP/src.calls" "$ZP_TMP/dst.calls")"
}

zp_log "fresh: nothing cached"
rm -rf "$ZP_TMP/cache"
verify_counted fresh
zp_assert_contains "$vout" "not probed yet" "fresh: the skipped checks are named"
# zfs-fuse has no `zfs version`: no zpool status -j (OpenZFS 2.3 brought it)
zp_assert_eq 1 "$status_n" "fresh: zpool status asked once"
zp_assert_contains "$(tail -1 <<<"$vout")" "note: " "the note comes after the report"

zp_log "cached by zpull once"
"$ZPULL_BIN" once --config "$cfg" >/dev/null || zp_fail "second replication failed"
[ -n "$(ls "$ZP_TMP/cache")" ] || zp_fail "once cached nothing in $ZP_TMP/cache"
verify_counted cached
zp_assert_eq 1 "$status_n" "cached: zpool status asked once"
case "$vout" in *"not probed yet"*) zp_fail "cached: checks still skipped: $vout" ;; esac

zp_log "a cache of another zfs version is not used"
for f in "$ZP_TMP"/cache/*; do sed -i 's/^fingerprint .*/fingerprint 0000/' "$f"; done
verify_counted other_version
zp_assert_contains "$vout" "not probed yet" "stale cache ignored"
zp_log "passed"
