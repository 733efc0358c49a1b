#!/usr/bin/env bash
# A source user that is not root, with only the documented `zfs allow` set
# (docs/source-setup.md) and zpull-guard as its key's forced command: full,
# incremental with bookmarks and holds, and source pruning work; taking away
# one permission (snapshot) makes the cycle fail with the permission named.
OZ_NAME=delegated_source
source "$(dirname "$0")/lib.sh"
oz_pool src
oz_pool dst
user="zs${OZ_TAG: -6}"
g zfs create "$src/data"
g zfs create -o mountpoint=none "$dst/b"
oz_fill "$src/data" 512
gsh "useradd -m -s /bin/sh $user && mkdir -p /home/$user/.ssh &&
     echo \"command=\\\"/opt/zpull/zpull-guard --destroy --snapshot-prefix zpt --drills --drill-prefix zpt_ --datasets $src/data\\\",restrict \$(cat /root/.ssh/zpull_id.pub)\" > /home/$user/.ssh/authorized_keys &&
     chown -R $user: /home/$user/.ssh && chmod 700 /home/$user/.ssh && chmod 600 /home/$user/.ssh/authorized_keys" ||
  oz_fail "cannot create user $user"
trap 'rc=$?; g userdel -r '"$user"' >/dev/null 2>&1 || true; (exit $rc); oz_on_exit' EXIT
g zfs allow -u "$user" send,snapshot,hold,release,bookmark,destroy,mount "$src/data"

gsh "cat > /root/delegated.yml" <<YAML
snapshot_prefix: zpt
lock_directory: /run/zpull-delegated
source_retention: {keep_last: 2}
sources:
  - name: guest
    host: 127.0.0.1
    user: $user
    identity_file: /root/.ssh/zpull_id
    known_hosts: /root/.ssh/zpull_known_hosts
datasets:
  - {source: guest, source_dataset: $src/data, destination: $dst/b/data, drill: {directory: /var/tmp/zpull-drills-delegated}}
YAML
for round in 1 2 3; do
  out=$(g /opt/zpull/zpull once --config /root/delegated.yml 2>&1) || oz_fail "round $round as $user: $out"
  oz_fill "$src/data" 64
done
oz_assert_contains "$out" "ok $dst/b/data incremental" "incremental as a delegated user"
oz_assert_eq 2 "$(g zfs list -H -t snapshot -o name -d 1 "$src/data" | wc -l)" "source pruning as a delegated user"
oz_assert_contains "$(g zfs list -H -t bookmark -o name -d 1 "$src/data")" "$src/data#zpt_" "a bookmark as a delegated user"
oz_assert_contains "$(g zfs holds -H "$(g zfs list -H -t snapshot -o name -d 1 "$src/data" | tail -1)")" "zpt" "a hold as a delegated user"
oz_assert_eq "$user" "$(g su -s /bin/sh "$user" -c id\ -un)" "the source user is not root"
# A drill through zpull-guard 2 reads the source snapshot through
# .zfs/snapshot: the guard finds it mounted as a ZFS snapshot by the mount
# table, and hashes the files itself beneath it.
g ln -s /etc "$(g zfs get -H -o value mountpoint "$src/data")/escape"
g zfs snapshot "$src/data@zpt_9999-01-01T00:00:00Z"
out=$(g /opt/zpull/zpull once --config /root/delegated.yml 2>&1) || oz_fail "replicating the link: $out"
out=$(g /opt/zpull/zpull drill --config /root/delegated.yml "$dst/b/data" 2>&1) || oz_fail "drill through the guard: $out"
oz_assert_contains "$out" "ok $dst/b/data" "the drill passed through the guard"
case "$out" in *files_skipped=0*) oz_fail "the link was not skipped: $out" ;; esac

g zfs unallow -u "$user" snapshot "$src/data"
set +e
out=$(g /opt/zpull/zpull once --config /root/delegated.yml 2>&1)
rc=$?
set -e
oz_assert_eq 1 "$rc" "without the snapshot permission the cycle fails"
oz_assert_contains "$out" "permission denied" "the missing permission is named"
