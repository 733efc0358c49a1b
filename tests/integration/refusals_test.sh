#!/usr/bin/env bash
# Refused cycles cost nothing and shared parents do not race (issue 24), on
# zfs-fuse with a local source:
#   - six datasets into one missing deep parent with parallelism 6, twenty
#     times over: every run succeeds (each cycle used to fail with
#     destination_missing when another created the parent first);
#   - a destination pool that does not exist, a diverged replica and a
#     modified one (zfs-fuse has no `written`: its receive refuses): each
#     cycle fails naming the fix, three times, and the source holds no more
#     snapshots than before; `once --dry-run` names the missing pool and
#     exits non-zero.
ZP_TEST_NAME=refusals
source "$(dirname "$0")/lib.sh"

zp_test_pool src s
zp_test_pool dst d
for i in 1 2 3 4 5 6; do
  zfs create "$src/x$i"
  zp_fill "$src/x$i" 4
  zfs snapshot "$src/x$i@s1"
done
cfg="$ZP_TMP/zpull.yml"
{
  echo "snapshot_prefix: zpt"
  echo "lock_directory: $ZP_TMP/locks"
  echo "cache_directory: $ZP_TMP/cache"
  echo "parallelism: 6"
  echo "retries: 0"
  echo "sources: [{name: here, host: local}]"
  echo "datasets:"
  for i in 1 2 3 4 5 6; do
    echo "  - {source: here, source_dataset: $src/x$i, destination: $dst/run/deep/x$i, snapshot: false}"
  done
} >"$cfg"
zp_log "six datasets under one missing parent, parallelism 6, 20 runs"
for run in $(seq 1 20); do
  set +e
  out=$("$ZPULL_BIN" once --config "$cfg" 2>&1)
  rc=$?
  set -e
  [ "$rc" -eq 0 ] || zp_fail "run $run: $out"
  for i in 1 2 3 4 5 6; do zfs release zpt "$dst/run/deep/x$i@s1"; done
  zfs destroy -r "$dst/run"
done

snapshots() { zfs list -H -t snapshot -o name -r "$src" | sort | tr '\n' ' '; }
once() {  # destination [extra dataset YAML]: zpull once of src/x1 into it; output in $out, exit in $rc
  cat >"$cfg" <<YAML
snapshot_prefix: zpt
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
retries: 0
sources: [{name: here, host: local}]
datasets:
  - {source: here, source_dataset: $src/x1, destination: $1${2:-}}
YAML
  set +e
  out=$("$ZPULL_BIN" once --config "$cfg" ${DRY:-} 2>&1)
  rc=$?
  set -e
}
refused_thrice() {  # destination reason what-the-message-says case
  local before i
  before=$(snapshots)
  for i in 1 2 3; do
    once "$1"
    [ "$rc" -ne 0 ] || zp_fail "$4: zpull once succeeded: $out"
    zp_assert_contains "$out" "FAILED $1 reason=$2" "$4"
    zp_assert_contains "$out" "$3" "$4: the message names the fix"
  done
  zp_assert_eq "$before" "$(snapshots)" "$4: source snapshots after three refused cycles"
}

zp_log "a destination pool that does not exist"
refused_thrice "nopool$ZP_TAG/b/x1" destination_missing "destination pool nopool$ZP_TAG does not exist on this host" \
  "missing pool"
DRY=--dry-run once "nopool$ZP_TAG/b/x1"
[ "$rc" -ne 0 ] || zp_fail "dry-run with a missing pool exited 0: $out"
zp_assert_contains "$out" "destination pool nopool$ZP_TAG does not exist" "dry-run names the missing pool"

zp_log "a diverged replica"
zfs create -o mountpoint=none "$dst/b"
once "$dst/b/x1"
[ "$rc" -eq 0 ] || zp_fail "first replication: $out"
zfs snapshot "$dst/b/x1@manual"
refused_thrice "$dst/b/x1" diverged "force_on_divergence: true would destroy @manual" "diverged"
zfs destroy "$dst/b/x1@manual"

zp_log "a modified replica"
zfs set readonly=off "$dst/b/x1"
zfs set mountpoint="$ZP_TMP/mnt-x1" "$dst/b/x1"
zfs mount "$dst/b/x1"
echo changed >"$ZP_TMP/mnt-x1/new-file"
zfs unmount "$dst/b/x1"
refused_thrice "$dst/b/x1" destination_modified "rollback_destination: true" "modified"
