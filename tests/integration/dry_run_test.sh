#!/usr/bin/env bash
# `zpull once --dry-run` says what the next real run does (issue 24): on
# zfs-fuse with a local source, retention on both sides, a foreign snapshot,
# a same-second name and a never-sent snapshot of zpull's; after each
# dry-run a real run, whose plan must equal the dry-run's (names without
# their timestamps: the run is a second later) and whose prunes and
# replaced snapshots must be the very ones the dry-run named. Before, the dry-run pruned the destination as it stood before
# the receive and the source without the new snapshot, and knew no _1.
ZP_TEST_NAME=dry_run
source "$(dirname "$0")/lib.sh"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/data"
zfs create -o mountpoint=none "$dst/b"
zp_fill "$src/data" 20
cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
retries: 0
sources: [{name: here, host: local}]
datasets:
  - source: here
    source_dataset: $src/data
    destination: $dst/b/data
    retention: {keep_last: 2}
    source_retention: {keep_last: 1}
YAML
seen=""
mask() { sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z(_[0-9]+)?/TIME/g'; }
for round in 1 2 3 4; do
  [ "$round" -ne 3 ] || zfs snapshot "$src/data@foreign$round"
  # Round 4 runs in a second whose name is taken already: the dry-run and
  # the run both take the _1 name (the run, a second later, may not need it).
  # (A second later than the earlier rounds: a name the destination holds
  # from them, taken anew on the source, would be another guid under it.)
  if [ "$round" -eq 4 ]; then sleep 1.1; zfs snapshot "$src/data@zpt_$(date -u +%Y-%m-%dT%H:%M:%SZ)" 2>/dev/null || true; fi
  dry=$("$ZPULL_BIN" once --config "$cfg" --dry-run 2>&1) || zp_fail "round $round: dry-run: $dry"
  out=$("$ZPULL_BIN" once --config "$cfg" 2>&1) || zp_fail "round $round: run: $out"
  zp_log "round $round: $dry"
  zp_log "round $round: $out"
  plan=$(printf '%s\n' "$out" | sed -nE "s|^ok $dst/b/data (.*) bytes=.*|\1|p" | mask)
  zp_assert_contains "$(printf '%s' "$dry" | mask)" "would send $plan" "round $round: the plan"
  # What is pruned or replaced exists before the run: the same names.
  would() { printf '%s\n' "$dry" | sed -nE "s/.*would $1 ([^;]*)${2:-}.*/\1/p" | sed 's/, / /g'; }
  did() { printf '%s\n' "$out" | tr -d '"' | sed -nE "s/.* $1 dataset=[^ ]* $2snapshots=(@[^=]*)( by=.*)?$/\1/p"; }
  zp_assert_eq "$(did pruned 'side=destination count=[0-9]+ ')" "$(would 'prune destination')" "round $round: destination prunes"
  zp_assert_eq "$(did pruned 'side=source count=[0-9]+ ')" "$(would 'prune source')" "round $round: source prunes"
  zp_assert_eq "$(did 'never-sent snapshots' '')" "$(would destroy ' \(never sent')" "round $round: replaced"
  seen+=" $(did pruned 'side=destination count=[0-9]+ ' | sed 's/^@.*/dst/') $(did pruned 'side=source count=[0-9]+ ' | sed 's/^@.*/src/')"
  seen+=" $(did 'never-sent snapshots' '' | sed 's/^@.*/replaced/')"
done
# Each kind happened at least once (else the comparisons above compared nothing).
for kind in dst src replaced; do zp_assert_contains "$seen" "$kind" "some round did: $kind"; done
