#!/usr/bin/env bash
# A hostile source over a real sshd: its `zfs` (hostile-zfs.sh) answers the
# send zpull asks for with a stream of the attacker's making. Each attack
# fails with reason unexpected_stream, names what was wrong, and leaves the
# destination as it was (docs/security.md). Before the stream check, the
# -R stream created a child with the attacker's mountpoint and canmount=on,
# the imposter was received, the full stream counted as `diverged`, and the
# extra snapshot stayed on the destination.
ZP_TEST_NAME=hostile_source
source "$(dirname "$0")/lib.sh"
here="$(cd "$(dirname "$0")" && pwd)"

zp_test_pool src s
zp_test_pool dst d
zfs create -o mountpoint=none "$dst/b"
for fs in data other imp inc ext; do zfs create "$src/$fs"; done
zfs create -o mountpoint="$ZP_TMP/target" -o canmount=on "$src/data/kid"
zp_fill "$src/data" 20
zp_fill "$src/other" 20
zfs snapshot -r "$src/data@s1"
for fs in other imp inc ext; do zfs snapshot "$src/$fs@s1"; done
zp_start_sshd

mode_file="$ZP_TMP/mode"
cfg="$ZP_TMP/zpull.yml"
once() {  # source-dataset destination [extra top-level YAML]: zpull once with the hostile source; output in $out, status in $rc
  cat >"$cfg" <<YAML
snapshot_prefix: zpt
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
retries: 0
${3:-}
sources:
$(zp_ssh_source_yaml evil "    zfs_command: [$here/hostile-zfs.sh, $mode_file]")
datasets:
  - {source: evil, source_dataset: $1, destination: $2, snapshot: false}
YAML
  set +e
  out=$("$ZPULL_BIN" once --config "$cfg" 2>&1)
  rc=$?
  set -e
}
attack() {  # mode [other]
  printf '%s\n%s\n' "$1" "${2:-}" >"$mode_file"
}
honest() { rm -f "$mode_file"; }
refused() {  # destination what-the-message-names case
  [ "$rc" -ne 0 ] || zp_fail "$3: zpull once succeeded: $out"
  zp_assert_contains "$out" "FAILED $1 reason=unexpected_stream" "$3"
  zp_assert_contains "$out" "$2" "$3: the message names the problem"
}
guids() { zfs get -H -o value -r -d 1 guid "$1" 2>/dev/null | tail -n +2 | sort | tr '\n' ' '; }

zp_log "a -R stream with a child whose mountpoint is a host path"
attack replicate
once "$src/data" "$dst/b/r1"
refused "$dst/b/r1" "compound" "replication stream"
zfs list "$dst/b/r1" >/dev/null 2>&1 && zp_fail "the -R stream created $dst/b/r1"
zfs list "$dst/b/r1/kid" >/dev/null 2>&1 && zp_fail "the -R stream created a child with mountpoint $ZP_TMP/target"

zp_log "a -p stream of another dataset"
attack other-props "$src/other"
once "$src/data" "$dst/b/r2"
refused "$dst/b/r2" "compound" "property stream of another dataset"
zfs list "$dst/b/r2" >/dev/null 2>&1 && zp_fail "the -p stream created $dst/b/r2"

zp_log "the same two where zpull itself asks for -p"
attack replicate
once "$src/data" "$dst/b/r1p" "send: {properties: true}"
refused "$dst/b/r1p" "-R" "replication stream for a -p send"
zfs list "$dst/b/r1p" >/dev/null 2>&1 && zp_fail "the -R stream created $dst/b/r1p"
attack other-props "$src/other"
once "$src/data" "$dst/b/r2p" "send: {properties: true}"
refused "$dst/b/r2p" "not of $src/data" "-p stream of another dataset for a -p send"
zfs list "$dst/b/r2p" >/dev/null 2>&1 && zp_fail "the -p stream created $dst/b/r2p"
zfs list -H -o name -r "$dst" | grep -q '/kid$' && zp_fail "a child of the attacker's made it to the destination"

zp_log "an imposter: the planned name, another guid"
attack imposter
once "$src/imp" "$dst/b/r3"
refused "$dst/b/r3" "imposter" "imposter snapshot"
zfs list "$dst/b/r3" >/dev/null 2>&1 && zp_fail "the imposter was received into $dst/b/r3"

zp_log "a full stream where an incremental was planned"
honest
once "$src/inc" "$dst/b/r4"
[ "$rc" -eq 0 ] || zp_fail "honest first run: $out"
before=$(guids "$dst/b/r4")
zfs snapshot "$src/inc@s2"
attack full
once "$src/inc" "$dst/b/r4"
refused "$dst/b/r4" "a full stream where an incremental" "full for incremental"
zp_assert_eq "$before" "$(guids "$dst/b/r4")" "full for incremental: destination unchanged"
case "$out" in *force*|*"-F"*) zp_fail "the message suggests force: $out" ;; esac

zp_log "an -I stream with a snapshot outside the plan"
honest
once "$src/ext" "$dst/b/r5"
[ "$rc" -eq 0 ] || zp_fail "honest first run: $out"
zfs snapshot "$src/ext@s2"
attack extra
once "$src/ext" "$dst/b/r5"
refused "$dst/b/r5" "@extra" "extra snapshot"
zp_assert_eq "s1 s2" "$(zp_snapshots "$dst/b/r5")" "extra snapshot: refused before it reached zfs receive, the planned one kept"

zp_log "the honest source replicates again"
honest
zfs destroy "$src/ext@extra"
zfs snapshot "$src/ext@s3"
once "$src/ext" "$dst/b/r5"
[ "$rc" -eq 0 ] || zp_fail "honest run after the attacks: $out"
zp_assert_eq "s1 s2 s3" "$(zp_snapshots "$dst/b/r5")" "honest run"
# Issue 20: after every receive (no recv -o on zfs-fuse: zfs set right after).
zp_assert_eq "noauto off off off on" "$(zfs get -H -o value canmount,setuid,devices,exec,readonly "$dst/b/r5" | paste -sd' ' -)" \
  "forced properties on the replica"
