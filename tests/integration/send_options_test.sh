#!/usr/bin/env bash
# Send options on zfs-fuse over a real sshd: with send: {properties: true}
# the source's properties arrive, but never its mountpoint (zfs-fuse has no
# recv -x, so zpull resets it with zfs inherit; likewise a configured
# exclude, and a configured override is set after the receive); a new replica is
# readonly=on and canmount=noauto; flags zfs-fuse lacks (-c -L -e -w) are
# not used (the probe says so), and the transfers still work.
ZP_TEST_NAME=send_options
source "$(dirname "$0")/lib.sh"

zp_test_pool src s
zp_test_pool dst d
zfs create -o mountpoint="$ZP_TMP/srcmount" -o compression=on "$src/data"
zfs set zpull-test:label=kept "$src/data"
zfs set atime=off "$src/data"
zp_fill "$src/data" 500
zfs create -o mountpoint=none "$dst/b"
zp_start_sshd
cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
send: {properties: true}
receive: {exclude: [atime], set: {"zpull-test:site": backup}}
sources:
$(zp_ssh_source_yaml web1)
datasets:
  - {source: web1, source_dataset: $src/data, destination: $dst/b/data}
YAML
out=$("$ZPULL_BIN" once --config "$cfg") || zp_fail "once failed: $out"
zp_assert_contains "$out" "ok $dst/b/data full" "full send with -p"
get() { zfs get -H -o value,source "$1" "$dst/b/data" | tr '\t' ' '; }
zp_assert_eq "kept received" "$(get zpull-test:label)" "a user property came with -p"
zp_assert_eq "on received" "$(get compression)" "compression came with -p"
zp_assert_eq "none inherited from $dst/b" "$(get mountpoint)" "the source's mountpoint was not kept"
zp_assert_eq "on default" "$(get atime)" "a configured exclude"
zp_assert_eq "backup local" "$(get zpull-test:site)" "a configured override"
zp_assert_eq "on local" "$(get readonly)" "replica readonly"
zp_assert_eq "noauto local" "$(get canmount)" "replica not automounted"
grep -q "$ZP_TMP/srcmount" /proc/mounts && [ "$(grep -c "$ZP_TMP/srcmount" /proc/mounts)" -gt 1 ] &&
  zp_fail "something else mounted over the source's mountpoint"

zp_log "incremental with -p: the mountpoint stays inherited"
zp_fill "$src/data" 100
out=$("$ZPULL_BIN" once --config "$cfg") || zp_fail "incremental failed: $out"
zp_assert_contains "$out" "ok $dst/b/data incremental" "incremental with -p"
zp_assert_eq "none inherited from $dst/b" "$(get mountpoint)" "mountpoint after the incremental"
