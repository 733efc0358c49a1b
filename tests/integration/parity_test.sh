#!/usr/bin/env bash
# Snapshot parity on real zfs-fuse over a real sshd: all zero after
# replication; one hole after destroying a destination snapshot in the
# middle; a guid mismatch after replacing one with a same-named snapshot;
# seen both in /metrics (scraped over HTTP) and in `zpull verify` exit codes.
ZP_TEST_NAME=parity
source "$(dirname "$0")/lib.sh"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/data"
zfs create -o mountpoint=none "$dst/b"
zp_start_sshd
port=$(zp_free_port)
cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
# Holes are measured between snapshots both sides keep: the source keeps
# zpull's older snapshots here (pruned by default).
source_retention: {prune: false}
interval: 1h
parity: {interval: 1s}
listen: 127.0.0.1:$port
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
sources:
$(zp_ssh_source_yaml web1)
datasets:
  - {source: web1, source_dataset: $src/data, destination: $dst/b/data}
YAML
for i in 1 2; do
  zp_fill "$src/data" 50
  zfs snapshot "$src/data@foreign_$i"
  "$ZPULL_BIN" once --config "$cfg" >/dev/null || zp_fail "replication $i failed"
done
snaps=$(zp_snapshots "$dst/b/data")
zp_log "destination: $snaps"
# verify also judges the destination pool: give it a completed scrub.
zpool scrub "$dst"
for _ in $(seq 1 50); do zpool status "$dst" | grep -q "scrub completed" && break; sleep 0.2; done

verify() {
  set +e
  vout=$("$ZPULL_BIN" verify --config "$cfg" 2>&1)
  vrc=$?
  set -e
}
verify
zp_assert_eq 0 "$vrc" "verify after replication: $vout"
zp_assert_contains "$vout" "OK $dst/b/data <- web1:$src/data" "verify report"
zp_assert_contains "$vout" "OK pool $dst (ONLINE)" "verify pool report"

"$ZPULL_BIN" run --config "$cfg" >"$ZP_TMP/run.log" 2>&1 &
pid=$!
zp_cleanup "kill $pid 2>/dev/null; wait $pid"
d="dataset=\"$dst/b/data\""
value() { curl -sf "http://127.0.0.1:$port/metrics" | awk -v want="$1{$2}" '$1 == want { print $2 }'; }
wait_value() {  # metric labels expected what
  local i
  for i in $(seq 1 100); do
    [ "$(value "$1" "$2")" = "$3" ] && return 0
    sleep 0.2
  done
  zp_fail "$4: $1{$2} is [$(value "$1" "$2")], expected $3"
}
wait_value zpull_check_success "check=\"parity\",host=\"web1\",target=\"$dst/b/data\"" 1 "parity ran"
wait_value zpull_parity_not_replicated_snapshots "$d" 0 "nothing unreplicated"
wait_value zpull_parity_holes "$d" 0 "no holes"
wait_value zpull_parity_guid_mismatches "$d" 0 "no mismatch"
wait_value zpull_parity_diverged_snapshots "$d" 0 "no divergence"
[ -n "$(value zpull_source_newest_snapshot_timestamp_seconds "$d")" ] || zp_fail "newest source snapshot time missing"

zp_log "exec switched on by hand: CRITICAL, counted, brought into line by the next cycle"
wait_value zpull_replica_unsafe_properties "$d" 0 "a replica as zpull leaves it is safe"
# (after the cycle zpull run starts with, whose receive would force exec off)
for _ in $(seq 1 100); do grep -q "replicated dataset=" "$ZP_TMP/run.log" && break; sleep 0.2; done
zfs set exec=on "$dst/b/data"
wait_value zpull_replica_unsafe_properties "$d" 1 "exec=on counted"
verify
zp_assert_eq 2 "$vrc" "verify exit code with exec=on: $vout"
zp_assert_contains "$vout" "CRITICAL: exec=on on $dst/b/data (local): unsafe; zpull sets exec=off" "exec=on named"
sed 's/^snapshot_prefix: zpt$/snapshot_prefix: zpt\nreceive: {set: {exec: "on"}}/' "$cfg" >"$ZP_TMP/asked.yml"
set +e
aout=$("$ZPULL_BIN" verify --config "$ZP_TMP/asked.yml" 2>&1)
arc=$?
set -e
zp_assert_eq 1 "$arc" "verify where receive.set asks for exec=on: $aout"
zp_assert_contains "$aout" "WARNING: exec=on on $dst/b/data (local): unsafe, as receive.set asks" "asked for: a warning"
"$ZPULL_BIN" replicate --config "$cfg" "$dst/b/data" >/dev/null || zp_fail "replicate now"
wait_value zpull_replica_unsafe_properties "$d" 0 "brought into line"
zp_assert_eq "off" "$(zfs get -H -o value exec "$dst/b/data")" "exec after the next cycle"
line="brought into line dataset=$dst/b/data change=\"$dst/b/data exec=off\""
for _ in $(seq 1 100); do grep -qF "$line" "$ZP_TMP/run.log" && break; sleep 0.2; done
zp_assert_contains "$(cat "$ZP_TMP/run.log")" "$line" "logged"
snaps=$(zp_snapshots "$dst/b/data")

zp_log "destroy a destination snapshot in the middle: one hole"
zp_assert_contains "$snaps" " foreign_2 " "foreign_2 sits between two zpull snapshots"
zfs destroy "$dst/b/data@foreign_2"
wait_value zpull_parity_holes "$d" 1 "one hole"
verify
zp_assert_eq 2 "$vrc" "verify exit code with a hole: $vout"
zp_assert_contains "$vout" "1 hole(s): missing on the destination although retention keeps them: @foreign_2" "hole named"

zp_log "replace a destination snapshot with a same-named one of another guid: mismatch"
zfs snapshot "$dst/b/data@foreign_2"
wait_value zpull_parity_guid_mismatches "$d" 1 "one mismatch"
wait_value zpull_parity_diverged_snapshots "$d" 1 "the new one is also newer than the newest common"
verify
zp_assert_eq 2 "$vrc" "verify exit code with a mismatch"
zp_assert_contains "$vout" "different guids on the two sides: @foreign_2" "mismatch named"
curl -sf "http://127.0.0.1:$port/metrics" | promtool check metrics || zp_fail "promtool"

zp_log "source unreachable: verify says UNKNOWN (3)"
kill "$ZP_SSH_PID"
wait "$ZP_SSH_PID" 2>/dev/null || true
verify
zp_assert_eq 3 "$vrc" "verify exit code without the source: $vout"

zp_log "start-up: a destination the first cycle creates is not reported missing"
kill "$pid"
wait "$pid" 2>/dev/null || true
zfs create "$src/fresh"
zp_fill "$src/fresh" 20
cat >"$ZP_TMP/fresh.yml" <<YAML
snapshot_prefix: zpt
interval: 1h
parity: {interval: 1h}
listen: 127.0.0.1:$port
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
metrics: {detail: [inventory]}
sources: [{name: here, host: local}]
datasets:
  - {source: here, source_dataset: $src/fresh, destination: $dst/b/fresh}
YAML
"$ZPULL_BIN" run --config "$ZP_TMP/fresh.yml" >"$ZP_TMP/fresh.log" 2>&1 &
pid=$!
zp_cleanup "kill $pid 2>/dev/null; wait $pid"
f="dataset=\"$dst/b/fresh\""
# Parity's next pass is an hour away: the value comes from the pass after
# the first cycle.
wait_value zpull_parity_destination_exists "$f" 1 "parity after the first cycle"
zp_assert_contains "$(cat "$ZP_TMP/fresh.log")" "replicated" "the first cycle ran"
if grep -q "does not exist" "$ZP_TMP/fresh.log"; then
  zp_fail "start-up parity reported the destination missing: $(grep 'does not exist' "$ZP_TMP/fresh.log")"
fi
