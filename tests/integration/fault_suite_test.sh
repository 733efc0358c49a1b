#!/usr/bin/env bash
# The fault suite on real zfs-fuse pools and a real sshd, driving the real
# binary: each fault yields its reason label, the destination's snapshot
# guid set is the same before and after (nothing lost), and the next cycle
# (or a retry within the cycle) recovers where recovery is possible.
# Host-key changes and refused client keys are ssh_refusals_test's cases.
ZP_TEST_NAME=fault_suite
source "$(dirname "$0")/lib.sh"
here="$(cd "$(dirname "$0")" && pwd)"

zp_test_pool src s
zp_test_pool dst d
zp_test_pool small f 64M
zfs create "$src/data"
zfs create "$src/lost"
zfs create "$src/big"
zfs create -o mountpoint=none "$dst/r"
zp_fill "$src/data" 3000
zp_fill "$src/lost" 100
zp_start_sshd

# The proxy's port needs its own known_hosts line: the key is the sshd's.
proxy_port=$(zp_free_port)
sed "s/^\[127.0.0.1\]:$ZP_SSH_PORT /[127.0.0.1]:$proxy_port /" "$ZP_KNOWN_HOSTS" >>"$ZP_KNOWN_HOSTS.both"
cat "$ZP_KNOWN_HOSTS" >>"$ZP_KNOWN_HOSTS.both"
fault_file="$ZP_TMP/fault"

PROXY_PID=
start_proxy() {  # mode bytes
  stop_proxy
  rm -f "$ZP_TMP/proxy.state"
  perl "$here/fault-proxy.pl" "$proxy_port" "$ZP_SSH_PORT" "$1" "$2" "$ZP_TMP/proxy.state" &
  PROXY_PID=$!
  zp_cleanup "kill $PROXY_PID 2>/dev/null; wait $PROXY_PID 2>/dev/null; true"
  for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$proxy_port") 2>/dev/null && return 0; sleep 0.1; done
  zp_fail "proxy did not start"
}
stop_proxy() {
  [ -z "$PROXY_PID" ] && return 0
  kill "$PROXY_PID" 2>/dev/null || true
  wait "$PROXY_PID" 2>/dev/null || true
  PROXY_PID=
}

cfg="$ZP_TMP/zpull.yml"
write_cfg() {  # source dataset destination [extra top-level YAML]
  cat >"$cfg" <<YAML
snapshot_prefix: zpt
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
retries: ${RETRIES:-0}
retry_backoff: 1s
stall_timeout: 3s
${4:-}
sources:
  - {name: direct, host: 127.0.0.1, port: $ZP_SSH_PORT, identity_file: $ZP_SSH_KEY, known_hosts: $ZP_KNOWN_HOSTS}
  - {name: proxied, host: 127.0.0.1, port: $proxy_port, identity_file: $ZP_SSH_KEY, known_hosts: $ZP_KNOWN_HOSTS.both}
  - name: faulty
    host: 127.0.0.1
    port: $ZP_SSH_PORT
    identity_file: $ZP_SSH_KEY
    known_hosts: $ZP_KNOWN_HOSTS
    zfs_command: [$here/faulty-zfs.sh, $fault_file]
datasets:
  - {source: $1, source_dataset: $2, destination: $3}
YAML
}
once() {  # source dataset destination [extra]: runs zpull once, output in $out
  write_cfg "$@"
  set +e
  out=$("$ZPULL_BIN" once --config "$cfg" 2>&1)
  set -e
}
# No hold but zpull's one on the newest common snapshot: an aborted send
# must not leave zfs-fuse's temporary .send-* holds behind.
holds_ok() {  # source-fs what
  local newest_common line
  while IFS=$'\t' read -r name _ refs _; do
    case "$name" in *@*) ;; *) continue ;; esac
    [ "$refs" -le 1 ] || zp_fail "$2: $name has $refs holds (leaked temporary holds?)"
  done < <(zfs get -H userrefs -r -d 1 "$1")
}
# zpull run on $cfg in the background (pid in $pid), stopped on exit.
daemon_start() {  # log file
  "$ZPULL_BIN" run --config "$cfg" >"$1" 2>&1 &
  pid=$!
  zp_cleanup "kill $pid 2>/dev/null; wait $pid 2>/dev/null; true"
}
# sample NAME{LABELS}: one value from the daemon on $port.
sample() { curl -sf "http://127.0.0.1:$port/metrics" 2>/dev/null | awk -v want="$1" '$1 == want { print $2 }'; }
guids() { zfs get -Hp -r -d 1 guid "$1" | awk -F'\t' 'index($1, "@") { print $3 }' | sort | paste -sd' ' -; }
expect_ok() {  # what (the result line may follow logged warnings)
  case "$out" in "ok "* | *$'\n'"ok "*) ;; *) zp_fail "$1: expected success, got: $out" ;; esac
}
expect_failure() {  # reason what
  zp_assert_contains "$out" "FAILED " "$2"
  zp_assert_contains "$out" " reason=$1" "$2"
}

zp_log "initial replication"
once direct "$src/data" "$dst/r/data"
expect_ok "initial full receive"

zp_log "TCP stream cut mid-transfer -> network; nothing lost; next cycle recovers"
zp_fill "$src/data" 3000
before=$(guids "$dst/r/data")
start_proxy cut 1000000
once proxied "$src/data" "$dst/r/data"
expect_failure network "cut stream"
holds_ok "$src/data" "cut stream"
[ -f "$ZP_TMP/proxy.state" ] || zp_fail "the proxy never cut (stream under 1 MB?)"
zp_assert_eq "$before" "$(guids "$dst/r/data")" "destination guids after the cut"
once proxied "$src/data" "$dst/r/data"
expect_ok "the next cycle after the cut"

zp_log "cut again, with a retry inside the cycle"
zp_fill "$src/data" 3000
start_proxy cut 1000000
RETRIES=1 once proxied "$src/data" "$dst/r/data"
expect_ok "retry after the cut"
# Logged when the attempt failed, with the wait before the next (issue 21).
zp_assert_contains "$out" "attempt failed dataset=$dst/r/data reason=network retry_in=" "the failed attempt is logged"
zp_assert_contains "$out" "retried=network" "the retry is reported"

zp_log "stalled peer -> stalled after stall_timeout; retry recovers"
zp_fill "$src/data" 3000
start_proxy stall 1000000
t0=$SECONDS
RETRIES=1 once proxied "$src/data" "$dst/r/data"
expect_ok "retry after the stall"
holds_ok "$src/data" "stall"
zp_assert_contains "$out" "retried=stalled" "the stall is reported"
((SECONDS - t0 < 60)) || zp_fail "stall detection took $((SECONDS - t0)) s"
stop_proxy

zp_log "the sending side dies mid-stream -> send_failed; nothing lost; next cycle recovers"
zp_fill "$src/data" 3000
before=$(guids "$dst/r/data")
echo die >"$fault_file"
once faulty "$src/data" "$dst/r/data"
expect_failure send_failed "sender died"
holds_ok "$src/data" "sender died"
zp_assert_eq "$before" "$(guids "$dst/r/data")" "destination guids after the sender died"
once faulty "$src/data" "$dst/r/data"
expect_ok "the next cycle after the sender died"

zp_log "a corrupted stream -> stream_corrupt; nothing lost; next cycle recovers"
zp_fill "$src/data" 3000
before=$(guids "$dst/r/data")
echo corrupt >"$fault_file"
once faulty "$src/data" "$dst/r/data"
expect_failure stream_corrupt "corrupt stream"
holds_ok "$src/data" "corrupt stream"
zp_assert_eq "$before" "$(guids "$dst/r/data")" "destination guids after the corrupt stream"
once faulty "$src/data" "$dst/r/data"
expect_ok "the next cycle after the corrupt stream"

zp_log "the destination is modified -> destination_modified; rollback_destination recovers"
zfs set readonly=off "$dst/r/data"
zfs set mountpoint="$ZP_TMP/replica" "$dst/r/data"
# zfs-fuse may mount it right away when the mountpoint is set.
if [ "$(zfs get -H -o value mounted "$dst/r/data")" != yes ]; then
  zfs mount "$dst/r/data" || zp_fail "cannot mount the replica: $(ls -la "$ZP_TMP/replica"; zfs get -H mounted,canmount,readonly "$dst/r/data"; grep "$ZP_TMP" /proc/mounts)"
fi
echo local-change >"$ZP_TMP/replica/local-change"
sync
zfs umount "$dst/r/data"
zfs set mountpoint=none "$dst/r/data"
before=$(guids "$dst/r/data")
once direct "$src/data" "$dst/r/data"
expect_failure destination_modified "modified destination"
zp_assert_eq "$before" "$(guids "$dst/r/data")" "destination guids after the refusal"
once direct "$src/data" "$dst/r/data" "rollback_destination: true"
expect_ok "rollback_destination"
zp_assert_contains "$out" "rolled_back=yes" "the rollback is reported"

zp_log "the destination diverges -> diverged; force_on_divergence destroys exactly the newer snapshot"
zfs snapshot "$dst/r/data@manual"
before=$(guids "$dst/r/data")
once direct "$src/data" "$dst/r/data"
expect_failure diverged "diverged destination"
zp_assert_contains "$out" "@manual" "the conflict is named"
zp_assert_eq "$before" "$(guids "$dst/r/data")" "destination guids after the refusal"
manual_guid=$(zp_guid "$dst/r/data@manual")
once direct "$src/data" "$dst/r/data" "force_on_divergence: true"
expect_ok "force_on_divergence"
zp_assert_contains "$out" "destroyed_on_divergence=@manual" "the destroyed snapshot is named"
after=$(guids "$dst/r/data")
for g in $before; do
  [ "$g" = "$manual_guid" ] && continue
  case " $after " in *" $g "*) ;; *) zp_fail "force_on_divergence lost guid $g" ;; esac
done

zp_log "the common snapshot is destroyed on the source -> no_common_snapshot, nothing destroyed"
once direct "$src/lost" "$dst/r/lost"
expect_ok "initial receive of lost"
before=$(guids "$dst/r/lost")
for s in $(zp_snapshots "$src/lost"); do
  zfs release "$(zp_hold_tag zpt "$dst/r/lost")" "$src/lost@$s" 2>/dev/null || true
  zfs destroy "$src/lost@$s"
done
once direct "$src/lost" "$dst/r/lost"
expect_failure no_common_snapshot "common snapshot gone (zfs-fuse has no bookmarks)"
zp_assert_eq "$before" "$(guids "$dst/r/lost")" "destination guids after the refusal"

zp_log "the destination pool is full -> out_of_space, no partial dataset"
zp_fill "$src/big" 100000
once direct "$src/big" "$small/big"
expect_failure out_of_space "full destination pool"
if zfs list "$small/big" >/dev/null 2>&1; then
  zp_assert_eq "" "$(guids "$small/big")" "no snapshot from a failed full receive"
fi

zp_log "SIGTERM mid-transfer: exit within 10 s, nothing partial, next cycle recovers"
zp_fill "$src/data" 3000
before=$(guids "$dst/r/data")
port=$(zp_free_port)
write_cfg slow "$src/data" "$dst/r/data" "listen: 127.0.0.1:$port"
sed -i "s|^sources:|sources:\n  - {name: slow, host: 127.0.0.1, port: $ZP_SSH_PORT, identity_file: $ZP_SSH_KEY, known_hosts: $ZP_KNOWN_HOSTS, zfs_command: [$here/throttled-zfs.sh]}|" "$cfg"
daemon_start "$ZP_TMP/run.log"
# It replicated moments ago: not due for an interval (issue 21), so ask.
for _ in $(seq 1 50); do "$ZPULL_BIN" replicate --config "$cfg" "$dst/r/data" >/dev/null 2>&1 && break; sleep 0.2; done
moving() {
  curl -sf "http://127.0.0.1:$port/metrics" 2>/dev/null |
    awk -v ds="$dst/r/data" '$1 == "zpull_replication_bytes_total{dataset=\"" ds "\"}" && $2 > 100000 { ok = 1 } END { exit !ok }'
}
for _ in $(seq 1 150); do moving && break; sleep 0.2; done
moving || zp_fail "the throttled transfer did not start: $(tail -3 "$ZP_TMP/run.log")"
t0=$(date +%s.%N)
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
elapsed=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
zp_assert_eq 0 "$rc" "exit status after SIGTERM"
awk -v e="$elapsed" 'BEGIN { exit !(e < 10) }' || zp_fail "SIGTERM took ${elapsed}s"
zp_log "stopped ${elapsed}s after SIGTERM"
zp_assert_contains "$(cat "$ZP_TMP/run.log")" "reason=shutdown" "the aborted cycle says shutdown"
zp_assert_eq "$before" "$(guids "$dst/r/data")" "destination guids after SIGTERM"
holds_ok "$src/data" "SIGTERM"
once direct "$src/data" "$dst/r/data"
expect_ok "the next cycle after SIGTERM"

zp_log "SIGHUP: an invalid config is refused and the old one kept; a valid one is loaded; every scrape meanwhile is answered"
port=$(zp_free_port)
write_cfg direct "$src/data" "$dst/r/data" "listen: 127.0.0.1:$port"
sed -i 's/^retries: .*/interval: 1h/' "$cfg"
daemon_start "$ZP_TMP/hup.log"
metrics() { curl -sf "http://127.0.0.1:$port/metrics" 2>/dev/null || true; }
has_dataset() { metrics | grep -q "^zpull_replication_runs_total{dataset=\"$1\"}"; }
for _ in $(seq 1 100); do has_dataset "$dst/r/data" && break; sleep 0.1; done
has_dataset "$dst/r/data" || zp_fail "daemon did not come up: $(tail -3 "$ZP_TMP/hup.log")"
# A scraper until the reloads are done: each status code on a line (000: no
# answer — refused, reset or timed out).
( while [ ! -e "$ZP_TMP/hup.done" ]; do
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 5 "http://127.0.0.1:$port/metrics" || true
  done >"$ZP_TMP/hup.codes" ) &
scraper=$!
zp_cleanup "touch $ZP_TMP/hup.done; wait $scraper 2>/dev/null; true"
cp "$cfg" "$cfg.good"
echo "retries: many" >>"$cfg"
kill -HUP "$pid"
for _ in $(seq 1 50); do grep -q "reload refused" "$ZP_TMP/hup.log" && break; sleep 0.1; done
zp_assert_contains "$(cat "$ZP_TMP/hup.log")" "reload refused, keeping the running configuration error=\"$cfg:" "invalid reload named"
kill -0 "$pid" || zp_fail "zpull died on an invalid reload"
has_dataset "$dst/r/data" || zp_fail "metrics gone after an invalid reload"
sed "s|^datasets:|datasets:\n  - {source: direct, source_dataset: $src/lost, destination: $dst/r/lost2}|" "$cfg.good" >"$cfg"
kill -HUP "$pid"
for _ in $(seq 1 100); do has_dataset "$dst/r/lost2" && break; sleep 0.1; done
has_dataset "$dst/r/lost2" || zp_fail "the reloaded dataset is not served: $(tail -5 "$ZP_TMP/hup.log")"
touch "$ZP_TMP/hup.done"
wait "$scraper"
scrapes=$(wc -l <"$ZP_TMP/hup.codes")
[ "$scrapes" -ge 10 ] || zp_fail "only $scrapes scrapes across the reloads"
unanswered=$(grep -vc '^200$' "$ZP_TMP/hup.codes" || true)
zp_assert_eq 0 "$unanswered" "scrapes not answered 200 across two reloads (of $scrapes: $(sort "$ZP_TMP/hup.codes" | uniq -c | paste -sd' ' -))"
zp_log "$scrapes scrapes across the reloads, all answered"
kill -TERM "$pid"
wait "$pid" || zp_fail "exit status after SIGTERM following a reload"

zp_log "the source's host key changes between cycles of a running daemon -> hostkey, nothing received"
port=$(zp_free_port)
write_cfg direct "$src/data" "$dst/r/data" "listen: 127.0.0.1:$port"
sed -i 's/^retries: .*/interval: 2s/' "$cfg"
daemon_start "$ZP_TMP/hostkey.log"
runs="zpull_replication_runs_total{dataset=\"$dst/r/data\"}"
hostkey="zpull_replication_failures_total{dataset=\"$dst/r/data\",reason=\"hostkey\"}"
failed="zpull_replication_failed_runs_total{dataset=\"$dst/r/data\"}"
for _ in $(seq 1 100); do [ "$(sample "$runs")" = 1 ] && break; sleep 0.1; done
zp_assert_eq 1 "$(sample "$runs")" "first cycle of the daemon"
zp_assert_eq 0 "$(sample "$failed")" "no failure yet"
zp_assert_eq "" "$(sample "$hostkey")" "no hostkey series before the first hostkey failure"
# The same sshd, same port, a new host key: a man in the middle, or a
# reinstalled source. Either way zpull must refuse it.
kill "$ZP_SSH_PID"
wait "$ZP_SSH_PID" 2>/dev/null || true
rm -f "$ZP_TMP/ssh/host_ed25519" "$ZP_TMP/ssh/host_ed25519.pub"
ssh-keygen -q -t ed25519 -N '' -f "$ZP_TMP/ssh/host_ed25519" -C impostor
/usr/sbin/sshd -f "$ZP_TMP/ssh/sshd_config" -D -e 2>>"$ZP_TMP/ssh/sshd.log" &
new_sshd=$!
zp_cleanup "kill $new_sshd 2>/dev/null; wait $new_sshd 2>/dev/null; true"
before=$(guids "$dst/r/data")
zp_fill "$src/data" 100
for _ in $(seq 1 100); do [ "$(sample "$hostkey")" -ge 1 ] 2>/dev/null && break; sleep 0.1; done
[ "$(sample "$hostkey")" -ge 1 ] 2>/dev/null || zp_fail "no hostkey failure after the key changed: $(tail -3 "$ZP_TMP/hostkey.log")"
zp_assert_contains "$(cat "$ZP_TMP/hostkey.log")" "host key CHANGED" "the log names the changed key"
zp_assert_eq "$before" "$(guids "$dst/r/data")" "nothing received from the impostor"
kill -TERM "$pid"
wait "$pid" || zp_fail "exit status after SIGTERM"
