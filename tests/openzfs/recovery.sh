#!/usr/bin/env bash
# Recovery paths zfs-fuse lacks, on real OpenZFS 2.3 with zpull pulling over
# SSH inside the guest: an interrupted transfer resumes from its token; a
# token whose snapshot is gone is aborted (recv -A) and the plan redone; a
# killed `zfs send` fails as send_failed and the next cycle resumes;
# SIGTERM keeps the token for the next start; the source bookmark replaces a
# destroyed common snapshot; an encrypted source arrives raw; the inventory
# (holds, bookmarks, token) is exported.
OZ_NAME=recovery
source "$(dirname "$0")/lib.sh"
oz_pool src
oz_pool dst
g zfs create "$src/data"
g zfs create -o mountpoint=none "$dst/b"
oz_fill "$src/data" 4096
write_cfg() {  # extra top-level YAML lines
  gsh "cat > /root/recovery.yml" <<YAML
snapshot_prefix: zpt
retries: 0
lock_directory: /root/zpull-locks
metrics: {detail: [inventory]}
$1
sources:
$(oz_ssh_source_yaml guest)
datasets:
  - {source: guest, source_dataset: $src/data, destination: $dst/b/data}
  - {source: guest, source_dataset: $src/enc, destination: $dst/b/enc}
YAML
}
once() {  # runs zpull once; the line for $dst/b/data in $out, the enc line in $enc_out
  set +e
  local all
  all=$(g /opt/zpull/zpull once --config /root/recovery.yml 2>&1)
  set -e
  out=$(printf '%s\n' "$all" | grep " $dst/b/data" || true)
  enc_out=$(printf '%s\n' "$all" | grep " $dst/b/enc" || true)
}
token() { g zfs get -H -o value receive_resume_token "$dst/b/data"; }
guids() { g zfs list -Hp -t snapshot -o guid -s createtxg "$1" | paste -sd' ' -; }
# Every snapshot the source holds is on the destination, the newest last
# on both (the source prunes its own older snapshots after each receive;
# the destination keeps them by its retention).
caught_up() {
  local s src_guids dst_guids missing=""
  src_guids=$(guids "$src/data")
  dst_guids=$(guids "$dst/b/data")
  for s in $src_guids; do [[ " $dst_guids " == *" $s "* ]] || missing+=" $s"; done
  [ -z "$missing" ] || oz_fail "$1: source snapshots missing on the destination:$missing (source: $src_guids; destination: $dst_guids)"
  oz_assert_eq "${src_guids##* }" "${dst_guids##* }" "$1: newest snapshot"
}

gsh "echo zpull-test-passphrase > /var/tmp/$src.key"
g zfs create -o encryption=on -o keyformat=passphrase -o "keylocation=file:///var/tmp/$src.key" "$src/enc"
oz_fill "$src/enc" 512

oz_log "first replication; the encrypted source arrives raw"
write_cfg ""
once
oz_assert_contains "$out" "ok $dst/b/data full @zpt_" "full send"
oz_assert_contains "$enc_out" "ok $dst/b/enc full @zpt_" "encrypted full send"
oz_assert_eq "aes-256-gcm" "$(g zfs get -H -o value encryption "$dst/b/enc")" "replica stays encrypted"
# Raw: the replica's key was never loaded here, so its data cannot be read.
oz_assert_eq "unavailable" "$(g zfs get -H -o value keystatus "$dst/b/enc")" "raw receive (key not loaded)"
oz_assert_eq "on" "$(g zfs get -H -o value readonly "$dst/b/data")" "replica readonly"
oz_assert_eq "noauto" "$(g zfs get -H -o value canmount "$dst/b/data")" "replica not automounted"
bm=$(g zfs list -H -t bookmark -o name "$src/data")
oz_assert_contains "$bm" "$src/data#zpt_$dst:b:data_" "bookmark for this destination"

oz_log "an interrupted incremental keeps its token and resumes"
oz_fill "$src/data" 16384
before=$(guids "$dst/b/data")
write_cfg "bandwidth_limit: 2M
transfer_timeout: 2s"
once
oz_assert_contains "$out" "FAILED $dst/b/data reason=timeout" "transfer cut by its timeout"
[ "$(token)" != "-" ] || oz_fail "no resume token after the interrupted receive"
oz_assert_eq "$before" "$(guids "$dst/b/data")" "destination snapshots unchanged"
write_cfg ""
once
oz_assert_contains "$out" "ok $dst/b/data" "resumed cycle"
oz_assert_contains "$out" "resumed=1" "the token was used"
oz_assert_eq "-" "$(token)" "token gone"
caught_up "every source snapshot on the destination"

oz_log "a token whose snapshot was destroyed is aborted and the plan redone"
oz_fill "$src/data" 16384
write_cfg "bandwidth_limit: 2M
transfer_timeout: 2s"
once
oz_assert_contains "$out" "reason=timeout" "second interruption"
[ "$(token)" != "-" ] || oz_fail "no token"
newest=$(g zfs list -H -t snapshot -o name -s createtxg "$src/data" | tail -1)
g zfs destroy "$newest"
write_cfg ""
once
oz_assert_contains "$out" "ok $dst/b/data" "cycle after the stale token"
oz_assert_contains "$out" "resume_tokens_aborted=1" "stale token aborted"
oz_assert_eq "-" "$(token)" "token gone after recv -A"

oz_log "the real zfs send is killed mid-stream -> send_failed; the token lets the next cycle resume"
oz_fill "$src/data" 16384
before=$(guids "$dst/b/data")
write_cfg "bandwidth_limit: 2M"
gsh "setsid /opt/zpull/zpull once --config /root/recovery.yml >/root/kill.out 2>&1 < /dev/null &"
# The incremental's send (-I), not a probe or estimate (-n…).
for _ in $(seq 1 150); do gsh "pgrep -f '^zfs send .*-I ' >/dev/null" && break; sleep 0.2; done
sleep 1
gsh "pkill -TERM -f '^zfs send .*-I '" || oz_fail "no zfs send to kill: $(g cat /root/kill.out)"
for _ in $(seq 1 100); do gsh "pgrep -f 'zpull once' >/dev/null" || break; sleep 0.2; done
out=$(g cat /root/kill.out | grep " $dst/b/data" || true)
oz_assert_contains "$out" "FAILED $dst/b/data reason=send_failed" "killed sender"
[ "$(token)" != "-" ] || oz_fail "no token after the sender was killed"
oz_assert_eq "$before" "$(guids "$dst/b/data")" "destination snapshots unchanged"
write_cfg ""
once
oz_assert_contains "$out" "resumed=1" "resumed after the killed sender"
caught_up "caught up after the killed sender"

oz_log "SIGTERM mid-transfer keeps the token; the inventory shows it"
oz_fill "$src/data" 16384
write_cfg "bandwidth_limit: 2M
transfer_timeout: 2s"
once
[ "$(token)" != "-" ] || oz_fail "no token before the daemon run"
write_cfg "interval: 1h
parity: {interval: 1s}
bandwidth_limit: 300K
listen: 0.0.0.0:9720"
pid=$(gsh 'setsid /opt/zpull/zpull run --config /root/recovery.yml >/root/recovery-run.log 2>&1 < /dev/null & echo $!')
# Keeps the scenario's exit status for oz_on_exit (it reads $?).
trap 'rc=$?; g kill -TERM '"$pid"' 2>/dev/null || true; (exit $rc); oz_on_exit' EXIT
url="http://127.0.0.1:$OZ_METRICS_PORT/metrics"
m=/tmp/zpull-openzfs-recovery.$$
value() { awk -v want="$1" '$1 == want { print $2 }' "$m"; }
d="dataset=\"$dst/b/data\""
for _ in $(seq 1 90); do
  curl -sf "$url" >"$m" 2>/dev/null && [ -n "$(value "zpull_resume_token_present{$d}")" ] && break
  sleep 1
done
oz_assert_eq 1 "$(value "zpull_resume_token_present{$d}")" "token present in the inventory"
[ -n "$(value "zpull_resume_token_since_timestamp_seconds{$d}")" ] || oz_fail "token since"
oz_assert_eq 1 "$(value "zpull_holds{$d,side=\"source\"}")" "one zpull hold on the source"
oz_assert_eq 1 "$(value "zpull_holds{$d,side=\"destination\"}")" "one zpull hold on the destination"
[ -n "$(value "zpull_hold_oldest_timestamp_seconds{$d,side=\"source\"}")" ] || oz_fail "oldest hold time"
oz_assert_eq 1 "$(value "zpull_bookmarks{$d}")" "one bookmark"
oz_assert_eq 1 "$(value "zpull_zfs_feature{host=\"guest\",feature=\"list_holds\"}")" "probed: zfs holds"
promtool check metrics <"$m" || oz_fail "promtool check metrics"
# It succeeded moments ago: not due for an interval (restarts keep the
# schedule), so ask for the cycle that resumes the token.
g /opt/zpull/zpull replicate --config /root/recovery.yml "$dst/b/data" >/dev/null || oz_fail "replicate now"
for _ in $(seq 1 60); do
  curl -sf "$url" >"$m" 2>/dev/null
  [ "$(value "zpull_replication_in_progress{$d}")" = 1 ] && break
  sleep 1
done
oz_assert_eq 1 "$(value "zpull_replication_in_progress{$d}")" "the daemon's resume is under way"
t0=$(date +%s.%N)
g kill -TERM "$pid"
for _ in $(seq 1 100); do g kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
! g kill -0 "$pid" 2>/dev/null || oz_fail "zpull still running after SIGTERM"
elapsed=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
awk -v e="$elapsed" 'BEGIN { exit !(e < 10) }' || oz_fail "SIGTERM took ${elapsed}s"
oz_log "stopped ${elapsed}s after SIGTERM (includes the SSH round trips)"
oz_assert_contains "$(g cat /root/recovery-run.log)" "reason=shutdown" "cycle ended as shutdown"
[ "$(token)" != "-" ] || oz_fail "the token did not survive SIGTERM"
write_cfg ""
once
oz_assert_contains "$out" "resumed=1" "resumed after the restart"
caught_up "caught up after the restart"

oz_log "the common snapshot is destroyed on the source: the bookmark is the base"
for s in $(g zfs list -H -t snapshot -o name "$src/data"); do
  g zfs release "zpt_$dst:b:data" "$s" 2>/dev/null || true
  g zfs destroy "$s"
done
oz_fill "$src/data" 512
once
oz_assert_contains "$out" "ok $dst/b/data incremental #zpt_$dst:b:data_" "incremental from the bookmark"
newest_src=$(g zfs list -Hp -t snapshot -o guid "$src/data" | tail -1)
oz_assert_eq "$newest_src" "$(guids "$dst/b/data" | awk '{ print $NF }')" "newest snapshot arrived"
g rm -f "/var/tmp/$src.key"
