#!/usr/bin/env bash
# `zpull once --dry-run` says what the next real run does (issue 24): on
# zfs-fuse with a local source, retention on both sides, a foreign snapshot
# and a same-second name; after each dry-run a real run, whose plan and
# prune counts must equal the dry-run's, names compared without their
# timestamps. Before, the dry-run pruned the destination as it stood before
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
retries: 0
sources: [{name: here, host: local}]
datasets:
  - source: here
    source_dataset: $src/data
    destination: $dst/b/data
    retention: {keep_last: 2}
    source_retention: {keep_last: 1}
YAML
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
  pd=$(printf '%s\n' "$out" | sed -nE 's/.* pruned_destination=([0-9]+).*/\1/p')
  ps=$(printf '%s\n' "$out" | sed -nE 's/.* pruned_source=([0-9]+).*/\1/p')
  count() { printf '%s\n' "$dry" | sed -nE "s/.*would prune $1 ([^;]*).*/\1/p" | tr ',' '\n' | grep -c @ || true; }
  zp_assert_eq "$pd" "$(count destination)" "round $round: destination prunes"
  zp_assert_eq "${ps:-0}" "$(count source)" "round $round: source prunes"
done
