#!/usr/bin/env bash
# The Debian package installed in the guest (dpkg -i) and its hardened unit
# run by systemd: it replicates over SSH with keys in /etc/zpull (ProtectHome
# hides /root), runs a restore drill (clone, mount, read under PrivateTmp),
# serves /metrics, reloads on `systemctl reload` and stops cleanly.
OZ_NAME=systemd_unit
source "$(dirname "$0")/lib.sh"
: "${ZPULL_DEB:?ZPULL_DEB must point at the .deb (ctest fixture package_build)}"
oz_pool src
oz_pool dst
g zfs create "$src/data"
g zfs create -o mountpoint=none "$dst/b"
oz_fill "$src/data" 1024
gsh "cat > /root/zpull.deb" <"$ZPULL_DEB"
g dpkg -i /root/zpull.deb >/dev/null || oz_fail "dpkg -i in the guest: $(g dpkg -i /root/zpull.deb 2>&1 | tail -5)"
trap 'rc=$?; g systemctl stop zpull >/dev/null 2>&1; g dpkg --purge zpull >/dev/null 2>&1; g rm -rf /etc/zpull; (exit $rc); oz_on_exit' EXIT
gsh "mkdir -p /etc/zpull && cp /root/.ssh/zpull_id /etc/zpull/id && cp /root/.ssh/zpull_known_hosts /etc/zpull/known_hosts"
gsh "cat > /etc/zpull/zpull.yml" <<YAML
snapshot_prefix: zpt
interval: 5s
listen: 0.0.0.0:9720
sources:
  - name: guest
    host: 127.0.0.1
    identity_file: /etc/zpull/id
    known_hosts: /etc/zpull/known_hosts
datasets:
  - source: guest
    source_dataset: $src/data
    destination: $dst/b/data
    drill: {every: 1h}
YAML
g zpull once --config /etc/zpull/zpull.yml >/dev/null || oz_fail "a first replication (so that the unit's first drill has a snapshot)"
g systemctl daemon-reload
g systemctl start zpull || oz_fail "systemctl start: $(g journalctl -u zpull -n 20 --no-pager)"
oz_assert_eq active "$(g systemctl is-active zpull)" "the unit is active"
url="http://127.0.0.1:$OZ_METRICS_PORT/metrics"
m=/tmp/zpull-openzfs-unit.$$
value() { awk -v want="$1" '$1 == want { print $2 }' "$m"; }
ok=0
for _ in $(seq 1 120); do
  if curl -sf "$url" >"$m" 2>/dev/null && [ "$(value "zpull_replication_runs_total{dataset=\"$dst/b/data\"}")" -ge 2 ] 2>/dev/null &&
    [ "$(value "zpull_drill_last_outcome{dataset=\"$dst/b/data\",outcome=\"ok\"}")" = 1 ]; then
    ok=1
    break
  fi
  sleep 1
done
[ "$ok" = 1 ] || oz_fail "no runs or drill under systemd: $(g journalctl -u zpull -n 30 --no-pager)"
failed=$(awk -v d="zpull_replication_failures_total{dataset=\"$dst/b/data\"" 'index($1, d) == 1 && $2 > 0' "$m")
[ -z "$failed" ] || oz_fail "failures under systemd: $failed"
rm -f "$m"
g systemctl reload zpull
for _ in $(seq 1 30); do g journalctl -u zpull --no-pager | grep -q 'msg="reloading (running cycles finish first)" config=' && break; sleep 1; done
oz_assert_contains "$(g journalctl -u zpull --no-pager)" 'msg="reloading (running cycles finish first)" config=' "systemctl reload sends SIGHUP (logfmt in the journal)"
oz_assert_eq active "$(g systemctl is-active zpull)" "active after the reload"
g systemctl stop zpull
oz_assert_eq inactive "$(g systemctl is-active zpull || true)" "stopped"
oz_assert_contains "$(g journalctl -u zpull --no-pager)" "msg=stopped" "a clean stop"
