#!/usr/bin/env bash
# zpull-guard as the forced command of zpull's key on a real sshd: zpull's
# whole cycle (full, incremental, compress: zstd), parity, a restore drill
# and source pruning work through it; other zfs verbs, other programs, shell
# metacharacters, extra arguments and an interactive login are refused, and
# nothing they name is touched.
ZP_TEST_NAME=guard
source "$(dirname "$0")/lib.sh"
: "${ZPULL_GUARD_BIN:?ZPULL_GUARD_BIN must point at zpull-guard}"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/data"
zfs create "$src/zdata"
zfs create -o mountpoint=none "$dst/b"
zp_fill "$src/data" 200
zp_fill "$src/zdata" 100
zp_start_sshd
key=$(cat "$ZP_TMP/ssh/client_ed25519.pub")
echo "command=\"$ZPULL_GUARD_BIN --drills --drill-prefix zpt_ --drill-dir $ZP_TMP/drills-src --zstd --destroy\",restrict $key" \
  >"$ZP_TMP/ssh/authorized_keys"

cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
lock_directory: $ZP_TMP/locks
source_retention: {keep_last: 2}
sources:
$(zp_ssh_source_yaml web1)
datasets:
  - source: web1
    source_dataset: $src/data
    destination: $dst/b/data
    drill: {directory: $ZP_TMP/drills, source_directory: $ZP_TMP/drills-src}
  - {source: web1, source_dataset: $src/zdata, destination: $dst/b/zdata, compress: zstd}
YAML
for round in 1 2 3; do
  out=$("$ZPULL_BIN" once --config "$cfg" 2>&1) || zp_fail "round $round through the guard: $out"
  zp_fill "$src/data" 10
done
zp_assert_contains "$out" "ok $dst/b/data incremental" "incremental through the guard"
zp_assert_contains "$out" "ok $dst/b/zdata incremental" "zstd pipeline through the guard"
zp_assert_eq 2 "$(zp_snapshots "$src/data" | wc -w)" "source pruning through the guard (--destroy)"
set +e
out=$("$ZPULL_BIN" verify --config "$cfg" 2>&1); rc=$?
set -e
# 1: the new backup pool has no scrub on record yet (a warning, not the guard's doing).
[ "$rc" -le 1 ] || zp_fail "verify through the guard: exit $rc: $out"
zp_assert_contains "$out" "OK $dst/b/data <- web1:$src/data" "parity through the guard"
out=$("$ZPULL_BIN" drill --config "$cfg" "$dst/b/data" 2>&1) || zp_fail "drill through the guard: $out"
zp_assert_contains "$out" "ok $dst/b/data" "drill passed"

zp_log "what the guard refuses"
ssh_raw() {  # the command line as zpull would send it, or anything else
  ssh -p "$ZP_SSH_PORT" -i "$ZP_SSH_KEY" -o UserKnownHostsFile="$ZP_KNOWN_HOSTS" -o BatchMode=yes root@127.0.0.1 "$@" 2>&1
}
refused() {  # command-line description
  local out rc
  set +e
  out=$(ssh_raw "$1")
  rc=$?
  set -e
  [ "$rc" = 126 ] || zp_fail "$2: exit $rc, expected 126 ($out)"
  zp_assert_contains "$out" "zpull-guard: refused:" "$2"
}
first=$(zp_snapshots "$src/data" | awk '{print $1}')
refused "'zfs' 'destroy' '-r' '$src/data'" "zfs destroy -r"
refused "'zfs' 'destroy' '$src/data'" "destroying a filesystem"
refused "'zfs' 'rollback' '$src/data@$first'" "another zfs verb"
refused "'zfs' 'set' 'readonly=on' '$src/data'" "zfs set"
refused "'zfs' 'receive' '-F' '$src/data'" "a receive on the source"
refused "'zfs' 'snapshot' '$src/data@x1' '$src/zdata@x1'" "extra arguments"
refused "'zfs' 'send' '-R' '$src/data@$first'" "an option zpull does not use"
refused "'rm' '-rf' '$src'" "another program"
refused "'sha256sum' '-z' '--' '/etc/shadow'" "reading outside snapshots and drill clones"
refused "zfs list; touch $ZP_TMP/owned" "a semicolon"
refused "zfs list | sh" "a pipe"
refused "zfs list \$(touch $ZP_TMP/owned)" "command substitution"
refused "'sh' '-c' 'touch $ZP_TMP/owned' 'sh' 'zfs' 'send' '$src/data@$first'" "sh -c with another script"
refused "" "an interactive login"
[ -e "$ZP_TMP/owned" ] && zp_fail "a refused command ran"
zfs list -H -o name "$src/data" >/dev/null || zp_fail "the source dataset is gone"
zp_assert_eq 2 "$(zp_snapshots "$src/data" | wc -w)" "no snapshot of the source was touched"
out=$(ssh_raw "'zfs' 'list' '-H' '-o' 'name' '$src/data'") || zp_fail "an allowed command: $out"
zp_assert_eq "$src/data" "$out" "an allowed command runs"

zp_log "restore needs a receive, which the guard does not allow"
set +e
out=$("$ZPULL_BIN" restore --config "$cfg" "$dst/b/data" --to "web1:$src/restored" --yes 2>&1); rc=$?
set -e
zp_assert_eq 1 "$rc" "restore through the guard fails"
zp_assert_contains "$out" "zpull-guard: refused: zfs receive: only the probe" "the refusal reaches zpull"
