#!/usr/bin/env bash
# zpull run inside the guest; /metrics scraped from the host through the
# forwarded port: runs, bytes, lag, a failure reason, each side's space and
# the source's `written` (zfs-fuse has no such property: only this tier
# shows zpull_source_written_bytes); promtool accepts it.
OZ_NAME=run_metrics
source "$(dirname "$0")/lib.sh"
oz_pool src
oz_pool dst
g zfs create "$src/data"
g zfs create -o mountpoint=none "$dst/b"
oz_fill "$src/data" 1024
gsh "cat > /root/run.yml" <<YAML
snapshot_prefix: zpt
interval: 5s
listen: 0.0.0.0:9720
scrub: {interval: 2s, source_pools: true}
parity: {interval: 2s}
sources:
$(oz_ssh_source_yaml guest)
datasets:
  - {source: guest, source_dataset: $src/data, destination: $dst/b/data}
  - {source: guest, source_dataset: $src/missing, destination: $dst/b/missing}
YAML
pid=$(gsh 'setsid /opt/zpull/zpull run --config /root/run.yml >/root/run.log 2>&1 < /dev/null & echo $!')
# Keeps the scenario's exit status for oz_on_exit (it reads $?).
trap 'rc=$?; g kill -TERM '"$pid"' 2>/dev/null || true; (exit $rc); oz_on_exit' EXIT
url="http://127.0.0.1:$OZ_METRICS_PORT/metrics"
m=/tmp/zpull-openzfs-metrics.$$
value() { awk -v want="$1" '$1 == want { print $2 }' "$m"; }
ok=0
for _ in $(seq 1 120); do
  if curl -sf "$url" >"$m" 2>/dev/null && [ "$(value "zpull_replication_runs_total{dataset=\"$dst/b/data\"}")" -ge 2 ] 2>/dev/null; then
    ok=1
    break
  fi
  sleep 1
done
[ "$ok" = 1 ] || oz_fail "no two runs seen on $url; guest log: $(g tail -5 /root/run.log)"
bytes=$(value "zpull_replication_bytes_total{dataset=\"$dst/b/data\"}")
[ "${bytes%.*}" -gt 1000000 ] || oz_fail "bytes too small: $bytes"
lag=$(value "zpull_replication_lag_seconds{dataset=\"$dst/b/data\"}")
[ -n "$lag" ] && [ "${lag%.*}" -lt 60 ] || oz_fail "lag: [$lag]"
[ "$(value "zpull_replication_failures_total{dataset=\"$dst/b/missing\",reason=\"source_missing\"}")" -ge 1 ] ||
  oz_fail "no source_missing failure"
# Scrub tracking: the destination pool (host local) and, over SSH, the
# source pool (host guest); read through zpool status -j on OpenZFS 2.3.
oz_assert_eq 1 "$(value "zpull_pool_health{host=\"local\",pool=\"$dst\",state=\"ONLINE\"}")" "destination pool health"
oz_assert_eq 1 "$(value "zpull_pool_health{host=\"guest\",pool=\"$src\",state=\"ONLINE\"}")" "source pool health over SSH"
oz_assert_eq 1 "$(value "zpull_check_success{check=\"scrub\",host=\"guest\",target=\"$src\"}")" "source pool check"
[ -n "$(value "zpull_pool_size_bytes{host=\"guest\",pool=\"$src\"}")" ] || oz_fail "source pool size"
# OpenZFS 2.3 estimates sends: the probe finds it and the gauge is there.
oz_assert_eq 1 "$(value "zpull_zfs_feature{host=\"guest\",feature=\"send_estimate\"}")" "probed: send -nvP"
oz_assert_eq 1 "$(value "zpull_zfs_feature{host=\"local\",feature=\"recv_resumable\"}")" "probed: recv -s"
expected=$(value "zpull_replication_expected_bytes{dataset=\"$dst/b/data\"}")
[ -n "$expected" ] && [ "${expected%.*}" -gt 0 ] || oz_fail "expected bytes: [$expected]"
# The space series come with the parity pass's listings.
for _ in $(seq 1 30); do
  curl -sf "$url" >"$m" 2>/dev/null
  [ -n "$(value "zpull_source_written_bytes{dataset=\"$dst/b/data\"}")" ] && break
  sleep 1
done
[ -n "$(value "zpull_source_written_bytes{dataset=\"$dst/b/data\"}")" ] || oz_fail "no zpull_source_written_bytes"
for side in source destination; do
  used=$(value "zpull_dataset_used_bytes{dataset=\"$dst/b/data\",side=\"$side\"}")
  [ -n "$used" ] && [ "${used%.*}" -gt 1000000 ] || oz_fail "$side used bytes: [$used]"
  [ -n "$(value "zpull_dataset_snapshots_used_bytes{dataset=\"$dst/b/data\",side=\"$side\"}")" ] || oz_fail "$side snapshots used"
done
promtool check metrics <"$m" || oz_fail "promtool check metrics"
rm -f "$m"
g kill -TERM "$pid"
for _ in $(seq 1 30); do g kill -0 "$pid" 2>/dev/null || break; sleep 1; done
oz_assert_contains "$(g cat /root/run.log)" "stopped" "clean stop"
