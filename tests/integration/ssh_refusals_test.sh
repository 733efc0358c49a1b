#!/usr/bin/env bash
# Host keys are verified against the configured known_hosts: an unknown or
# changed key is refused (reason hostkey), a refused client key is `auth`.
# Nothing happens on the source in any of these cases. A peer whose `zfs`
# answers garbage gets a clear error and nothing on the destination.
ZP_TEST_NAME=ssh_refusals
source "$(dirname "$0")/lib.sh"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/data"
zp_start_sshd

write_cfg() {  # known_hosts identity
  cat >"$ZP_TMP/zpull.yml" <<YAML
snapshot_prefix: zpt
sources:
  - name: web1
    host: 127.0.0.1
    port: $ZP_SSH_PORT
    identity_file: $2
    known_hosts: $1
datasets:
  - source: web1
    source_dataset: $src/data
    destination: $dst/data
YAML
}
expect_refusal() {  # reason text
  set +e
  out=$("$ZPULL_BIN" once --config "$ZP_TMP/zpull.yml" 2>&1)
  rc=$?
  set -e
  zp_assert_eq 1 "$rc" "exit code for $1"
  zp_assert_contains "$out" "FAILED $dst/data reason=$1" "reason $1"
  zp_assert_contains "$out" "$2" "message for $1"
  zp_assert_eq "" "$(zp_snapshots "$src/data")" "no snapshot taken on refusal ($1)"
}

zp_log "unknown host key"
: >"$ZP_TMP/empty_known_hosts"
write_cfg "$ZP_TMP/empty_known_hosts" "$ZP_SSH_KEY"
expect_refusal hostkey "host key unknown"

# A missing or unusable file is named as such (path and errno), at run
# time and in a dry run, not as an unknown host key.
zp_log "known_hosts missing, a directory; identity_file missing"
write_cfg "$ZP_TMP/no_known_hosts" "$ZP_SSH_KEY"
expect_refusal hostkey "source web1: known_hosts $ZP_TMP/no_known_hosts: No such file or directory"
[[ "$out" != *"host key unknown"* ]] || zp_fail "a missing known_hosts named an unknown key: $out"
mkdir "$ZP_TMP/kh_dir"
write_cfg "$ZP_TMP/kh_dir" "$ZP_SSH_KEY"
expect_refusal hostkey "source web1: known_hosts $ZP_TMP/kh_dir: is a directory, not a file"
write_cfg "$ZP_KNOWN_HOSTS" "$ZP_TMP/no_id"
expect_refusal auth "source web1: identity_file $ZP_TMP/no_id: No such file or directory"
set +e
out=$("$ZPULL_BIN" once --dry-run --config "$ZP_TMP/zpull.yml" 2>&1)
set -e
zp_assert_contains "$out" "identity_file $ZP_TMP/no_id: No such file or directory" "the dry run names the file"

zp_log "changed host key"
ssh-keygen -q -t ed25519 -N '' -f "$ZP_TMP/other_host" -C other
echo "[127.0.0.1]:$ZP_SSH_PORT $(cut -d' ' -f1-2 "$ZP_TMP/other_host.pub")" >"$ZP_TMP/wrong_known_hosts"
write_cfg "$ZP_TMP/wrong_known_hosts" "$ZP_SSH_KEY"
expect_refusal hostkey "host key CHANGED"

zp_log "client key not authorized"
ssh-keygen -q -t ed25519 -N '' -f "$ZP_TMP/stranger" -C stranger
write_cfg "$ZP_KNOWN_HOSTS" "$ZP_TMP/stranger"
expect_refusal auth "public key authentication refused"

zp_log "nothing listening"
kill "$ZP_SSH_PID"; wait "$ZP_SSH_PID" 2>/dev/null || true
write_cfg "$ZP_KNOWN_HOSTS" "$ZP_SSH_KEY"
expect_refusal network "cannot connect"

# broken_peer SCRIPT: zpull once against a source whose `zfs` is that sh
# script; its output in $out (it must exit 1).
broken_peer() {
  write_cfg "$ZP_KNOWN_HOSTS" "$ZP_SSH_KEY"
  printf '    zfs_command: [sh, -c, "%s", zfs]\n' "$1" >"$ZP_TMP/zfscmd"
  sed -i "/identity_file:/r $ZP_TMP/zfscmd" "$ZP_TMP/zpull.yml"
  set +e
  out=$("$ZPULL_BIN" once --config "$ZP_TMP/zpull.yml" 2>&1)
  local rc=$?
  set -e
  zp_assert_eq 1 "$rc" "exit code for a broken peer ($1)"
}

zp_log "a broken peer: zfs answers garbage"
zp_start_sshd
broken_peer "echo garbage; echo more garbage"
zp_assert_contains "$out" "FAILED $dst/data reason=other: dataset $dst/data: host web1: zfs get output line 1 has fewer than 4 fields: 'garbage'" "garbage named"
zp_assert_eq "" "$(zfs list -H -o name -r "$dst" | grep -v "^$dst\$" || true)" "nothing received from a garbage peer"

zp_log "a broken peer: zfs prints without end"
broken_peer "yes garbage-garbage-garbage-garbage"
zp_assert_contains "$out" "exceeds 128 MiB; stopped it (broken or hostile peer?)" "endless output named"

zp_log "the right key works"
write_cfg "$ZP_KNOWN_HOSTS" "$ZP_SSH_KEY"
out=$("$ZPULL_BIN" once --config "$ZP_TMP/zpull.yml") || zp_fail "valid setup failed: $out"
