#!/usr/bin/env bash
# zpull restore on zfs-fuse through sshd: a dry run changes nothing; --yes
# sends the newest backup snapshot (full) to a new dataset on the source,
# then an incremental; a target with a snapshot of its own needs -F, which
# is refused without --force (nothing destroyed) and done with it; bad
# input is named.
ZP_TEST_NAME=restore
source "$(dirname "$0")/lib.sh"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/data"
zfs create -o mountpoint=none "$dst/b"
zp_fill "$src/data" 200
zp_start_sshd
cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
sources:
$(zp_ssh_source_yaml web1)
datasets:
  - {source: web1, source_dataset: $src/data, destination: $dst/b/data}
YAML
"$ZPULL_BIN" once --config "$cfg" >/dev/null || zp_fail "first replication"
first=$(zp_snapshots "$dst/b/data" | awk '{print $NF}')
restore() { "$ZPULL_BIN" restore --config "$cfg" "$@" 2>&1; }

out=$(restore "$dst/b/data" --to "web1:$src/restored") || zp_fail "dry run: $out"
zp_assert_contains "$out" "restore $dst/b/data@$first -> web1:$src/restored (does not exist: created)" "dry run plan"
zp_assert_contains "$out" "send: full stream of @$first" "dry run send"
zp_assert_contains "$out" "dry run: nothing changed; add --yes to restore" "dry run says so"
zfs list -H -o name "$src/restored" >/dev/null 2>&1 && zp_fail "the dry run created the target"

out=$(restore "$dst/b/data" --to "web1:$src/restored" --yes) || zp_fail "full restore: $out"
zp_assert_contains "$out" "restored web1:$src/restored@$first bytes=" "full restore done"
zp_assert_eq "$(zp_guid "$dst/b/data@$first")" "$(zp_guid "$src/restored@$first")" "guid of the restored snapshot"

zp_fill "$src/data" 50
"$ZPULL_BIN" once --config "$cfg" >/dev/null || zp_fail "second replication"
second=$(zp_snapshots "$dst/b/data" | awk '{print $NF}')
out=$(restore "$dst/b/data@$second" --to "web1:$src/restored" --yes) || zp_fail "incremental restore: $out"
zp_assert_contains "$out" "send: incremental from @$first with 1 snapshot(s): @$second" "incremental plan"
zp_assert_eq "$(zp_guid "$dst/b/data@$second")" "$(zp_guid "$src/restored@$second")" "guid after the incremental"

zp_log "a target snapshot of its own: -F is needed and refused without --force"
zfs snapshot "$src/restored@local-change"
out=$(restore "$dst/b/data" --to "web1:$src/restored") || zp_fail "dry run with -F: $out"
zp_assert_contains "$out" "nothing to send: the target has @$second already" "already there"
zp_fill "$src/data" 20
"$ZPULL_BIN" once --config "$cfg" >/dev/null || zp_fail "third replication"
third=$(zp_snapshots "$dst/b/data" | awk '{print $NF}')
out=$(restore "$dst/b/data" --to "web1:$src/restored") || zp_fail "dry run with -F: $out"
zp_assert_contains "$out" "receive -F would destroy on the target: @local-change" "what -F destroys"
set +e
out=$(restore "$dst/b/data" --to "web1:$src/restored" --yes); rc=$?
set -e
zp_assert_eq 1 "$rc" "refused without --force"
zp_assert_contains "$out" "refused: the receive needs -F" "refusal named"
zfs list -H -o name "$src/restored@local-change" >/dev/null 2>&1 || zp_fail "the refused restore destroyed @local-change"
out=$(restore "$dst/b/data" --to "web1:$src/restored" --yes --force) || zp_fail "forced restore: $out"
zfs list -H -o name "$src/restored@local-change" >/dev/null 2>&1 && zp_fail "@local-change survived -F"
zp_assert_eq "$(zp_guid "$dst/b/data@$third")" "$(zp_guid "$src/restored@$third")" "guid after the forced restore"

zp_log "an unrelated target: a full stream replaces it with -F"
zfs create "$src/other"
zfs snapshot "$src/other@mine"
out=$(restore "$dst/b/data" --to "web1:$src/other") || zp_fail "dry run, unrelated: $out"
zp_assert_contains "$out" "receive -F would destroy on the target: its current contents @mine" "what a full -F destroys"
out=$(restore "$dst/b/data" --to "web1:$src/other" --yes --force) || zp_fail "forced full restore: $out"
zp_assert_eq "$(zp_guid "$dst/b/data@$third")" "$(zp_guid "$src/other@$third")" "guid after the forced full restore"
zfs list -H -o name "$src/other@mine" >/dev/null 2>&1 && zp_fail "@mine survived a full -F receive"

zp_log "bad input"
set +e
out=$(restore "$dst/b/data" --to "nohost:$src/x"); rc=$?
set -e
zp_assert_eq 2 "$rc" "unknown host: usage error"
zp_assert_contains "$out" "--to names host 'nohost', not a configured source (local, web1)" "unknown host named"
set +e
out=$(restore "$dst/b/data@nope" --to "web1:$src/x" --yes); rc=$?
set -e
zp_assert_eq 1 "$rc" "missing snapshot"
zp_assert_contains "$out" "the backup has no snapshot @nope" "missing snapshot named"
set +e
out=$(restore "$dst/b/data" --to "web1:$src/no/such/parent" --yes); rc=$?
set -e
zp_assert_eq 1 "$rc" "missing parent"
zp_assert_contains "$out" "the target's parent $src/no/such does not exist on web1" "missing parent named"
