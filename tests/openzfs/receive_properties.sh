#!/usr/bin/env bash
# Received properties on OpenZFS 2.3 (recv -x / -o): with send: {properties:
# true} the source's properties arrive except its mountpoint (and shares),
# a configured exclude stays at its default, a configured override is set.
OZ_NAME=receive_properties
source "$(dirname "$0")/lib.sh"
oz_pool src
oz_pool dst
g zfs create -o mountpoint=/var/tmp/mnt/$src-custom -o atime=off "$src/data"
g zfs set zpull-test:label=kept "$src/data"
# What a hostile source would like the replica to have (all sent with -p).
g zfs set canmount=on setuid=on exec=on devices=on zpull:last_success=99 "$src/data"
g zfs create -o mountpoint=none "$dst/b"
oz_fill "$src/data" 256
gsh "cat > /root/props.yml" <<YAML
snapshot_prefix: zpt
send: {properties: true}
receive: {exclude: [atime], set: {"zpull-test:site": backup}}
sources:
$(oz_ssh_source_yaml guest)
datasets:
  - {source: guest, source_dataset: $src/data, destination: $dst/b/data}
YAML
out=$(g /opt/zpull/zpull once --config /root/props.yml) || oz_fail "once failed: $out"
oz_assert_contains "$out" "ok $dst/b/data full" "full send with -p"
get() { g zfs get -H -o value,source "$1" "$dst/b/data" | tr '\t' ' '; }
oz_assert_eq "kept received" "$(get zpull-test:label)" "a user property came with -p"
oz_assert_eq "none inherited from $dst/b" "$(get mountpoint)" "mountpoint excluded (recv -x)"
oz_assert_eq "on default" "$(get atime)" "a configured exclude"
oz_assert_eq "backup local" "$(get zpull-test:site)" "a configured override (recv -o)"
oz_assert_eq "noauto local" "$(get canmount)" "replica not automounted"
for p in setuid devices exec; do oz_assert_eq "off local" "$(get $p)" "$p forced off over the received on (recv -o)"; done
last=$(get zpull:last_success)
case "$last" in "99 "*|*received*) oz_fail "zpull:last_success came from the stream: $last" ;; esac
oz_fill "$src/data" 64
out=$(g /opt/zpull/zpull once --config /root/props.yml) || oz_fail "incremental failed: $out"
oz_assert_contains "$out" "ok $dst/b/data incremental" "incremental with -p, -x and -o"
oz_assert_eq "none inherited from $dst/b" "$(get mountpoint)" "mountpoint after the incremental"
# Issue 20: forced through recv -o on every receive (full and incremental):
# the replica never mounts by itself, runs no setuid file or device node.
for p in setuid devices exec; do oz_assert_eq "off local" "$(get $p)" "$p forced off (recv -o)"; done
oz_assert_eq "noauto local" "$(get canmount)" "canmount after the incremental"
oz_assert_eq "on local" "$(get readonly)" "readonly after the incremental"

# A volume replicates, full then incremental, with volmode=none and no
# filesystem-only property (which a volume would refuse).
g zfs create -V 16M "$src/vol"
gsh "cat > /root/vol.yml" <<YAML
snapshot_prefix: zpt
sources:
$(oz_ssh_source_yaml guest)
datasets:
  - {source: guest, source_dataset: $src/vol, destination: $dst/b/vol}
YAML
out=$(g /opt/zpull/zpull once --config /root/vol.yml) || oz_fail "volume, full: $out"
oz_assert_contains "$out" "ok $dst/b/vol full" "volume full"
sleep 1
out=$(g /opt/zpull/zpull once --config /root/vol.yml) || oz_fail "volume, incremental: $out"
oz_assert_contains "$out" "ok $dst/b/vol incremental" "volume incremental"
oz_assert_eq "none local" "$(g zfs get -H -o value,source volmode "$dst/b/vol" | tr '\t' ' ')" "volmode=none on the replica"
oz_assert_eq "volume" "$(g zfs get -H -o value type "$dst/b/vol")" "the replica is a volume"
# The replica safety check lists volumes too (zfs get -t, volmode).
out=$(g /opt/zpull/zpull verify --config /root/vol.yml) || true
case "$out" in *volmode*) oz_fail "a replica with volmode=none reported unsafe: $out" ;; esac
g zfs set volmode=dev "$dst/b/vol"
set +e
out=$(g /opt/zpull/zpull verify --config /root/vol.yml)
rc=$?
set -e
oz_assert_eq 2 "$rc" "verify with volmode=dev: $out"
oz_assert_contains "$out" "CRITICAL: volmode=dev on $dst/b/vol (local): unsafe; zpull sets volmode=none" "volmode named"

# A setuid-root program in the source is replicated as it is, but does not
# run as root from the replica: setuid=off (and by default exec=off).
mnt=/var/tmp/mnt
g zfs create -o mountpoint=$mnt/$src-suid "$src/suid"
gsh "cp /usr/bin/id $mnt/$src-suid/id && chown root:root $mnt/$src-suid/id && chmod 4755 $mnt/$src-suid/id"
as_nobody() { g setpriv --reuid=65534 --regid=65534 --clear-groups "$1" -u; }
oz_assert_eq 0 "$(as_nobody $mnt/$src-suid/id)" "control: setuid root is effective on the source"
gsh "cat > /root/suid.yml" <<YAML
snapshot_prefix: zpt
sources:
$(oz_ssh_source_yaml guest)
datasets:
  - {source: guest, source_dataset: $src/suid, destination: $dst/b/suid}
  - {source: guest, source_dataset: $src/suid, destination: $dst/b/suidx, receive: {set: {exec: "on"}}}
YAML
out=$(g /opt/zpull/zpull once --config /root/suid.yml) || oz_fail "setuid source: $out"
for r in suid suidx; do
  g zfs set mountpoint=$mnt/$dst-$r "$dst/b/$r"  # the operator's choice, to look inside
  g zfs mount "$dst/b/$r"
  oz_assert_contains "$(g stat -c %A $mnt/$dst-$r/id)" "rws" "$r: the mode is kept"
done
set +e
denied=$(as_nobody $mnt/$dst-suid/id 2>&1)
set -e
oz_assert_contains "$denied" "Permission denied" "exec=off: the program does not run from the replica"
oz_assert_eq 65534 "$(as_nobody $mnt/$dst-suidx/id)" "setuid=off: with exec on (receive.set), it runs, but not as root"
for r in suid suidx; do g zfs unmount "$dst/b/$r"; done
