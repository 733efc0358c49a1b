#!/usr/bin/env bash
# End to end against the real monitoring stack: zpull on zfs-fuse pools over
# a real sshd, a real prometheus (1 s scrape and evaluation) loaded with the
# shipped rules (generated with --for 0s so alerts fire at once; the shipped
# for: values are covered by tests/alerts), a real alertmanager with the
# example routing (its group_wait/group_interval shortened) pointed at a
# webhook receiver this test runs. Checks: every dashboard and rule
# expression evaluates (dashboard ones with data, bar an allow-list); a
# stopped source sshd and a corrupted pool reach the webhook as
# ZpullReplicationFailing and ZpullScrubErrors with their labels;
# promtool check metrics passes on the live exposition; docs/metrics.md
# documents exactly the exposed metrics; ZpullDown inhibits the rest.
ZP_TEST_NAME=prometheus_e2e
source "$(dirname "$0")/../integration/lib.sh"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

zp_test_pool src s
zp_test_pool dst d
zp_test_pool bad x
zfs create "$src/data"
zp_fill "$src/data" 200
zfs create -o mountpoint=none "$dst/b"
zfs create "$bad/data"
for i in 1 2 3 4; do zp_fill "$bad/data" $((30 * 1024)); done
zp_start_sshd

zport=$(zp_free_port)
cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
interval: 2s
listen: 127.0.0.1:$zport
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
parity: {interval: 2s}
scrub: {interval: 1s, every: 1h, pools: [$dst, $bad]}
retries: 0
sources:
$(zp_ssh_source_yaml web1 "    connect_timeout: 2s")
datasets:
  - source: web1
    source_dataset: $src/data
    destination: $dst/b/data
    drill: {every: 1h, restore_test: true, directory: $ZP_TMP/drills, source_directory: $ZP_TMP/drills-src}
YAML
# A first replication, so that the daemon's first drill has a snapshot.
"$ZPULL_BIN" once --config "$cfg" >"$ZP_TMP/once.log" 2>&1 || zp_fail "first replication: $(cat "$ZP_TMP/once.log")"

hook_port=$(zp_free_port)
node "$here/webhook.mjs" "$hook_port" "$ZP_TMP/webhook.jsonl" &
hook_pid=$!
zp_cleanup "kill $hook_pid 2>/dev/null; wait $hook_pid 2>/dev/null; true"

am_port=$(zp_free_port)
mkdir -p "$ZP_TMP/am"
sed -e "s|http://127.0.0.1:5001/|http://127.0.0.1:$hook_port/|" -e 's/group_wait: 30s/group_wait: 1s/' \
  -e 's/group_interval: 5m/group_interval: 1s/' "$root/alerts/alertmanager.yml" >"$ZP_TMP/am/alertmanager.yml"
prometheus-alertmanager --config.file="$ZP_TMP/am/alertmanager.yml" --storage.path="$ZP_TMP/am/data" \
  --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= >"$ZP_TMP/am/log" 2>&1 &
am_pid=$!
zp_cleanup "kill $am_pid 2>/dev/null; wait $am_pid 2>/dev/null; true"

"$ZPULL_BIN" run --config "$cfg" >"$ZP_TMP/run.log" 2>&1 &
zpull_pid=$!
zp_cleanup "kill $zpull_pid 2>/dev/null; wait $zpull_pid 2>/dev/null; true"

prom_port=$(zp_free_port)
mkdir -p "$ZP_TMP/prom"
node "$root/alerts/generate.mjs" --for 0s >"$ZP_TMP/prom/rules.yml"
cat >"$ZP_TMP/prom/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [rules.yml]
alerting:
  alertmanagers: [{static_configs: [{targets: ['127.0.0.1:$am_port']}]}]
scrape_configs:
  - job_name: zpull
    static_configs: [{targets: ['127.0.0.1:$zport']}]
YAML
prometheus --config.file="$ZP_TMP/prom/prometheus.yml" --storage.tsdb.path="$ZP_TMP/prom/data" \
  --web.listen-address="127.0.0.1:$prom_port" >"$ZP_TMP/prom/log" 2>&1 &
prom_pid=$!
zp_cleanup "kill $prom_pid 2>/dev/null; wait $prom_pid 2>/dev/null; true"
PROM="http://127.0.0.1:$prom_port"

# promql EXPR: the first sample's value of an instant query ('' if none).
promql() {
  curl -sfG --data-urlencode "query=$1" "$PROM/api/v1/query" 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const r=JSON.parse(s).data.result;process.stdout.write(r.length?r[0].value[1]:"")}catch(e){}})'
}
wait_for() {  # seconds what command...
  local limit=$1 what=$2
  shift 2
  local deadline=$((SECONDS + limit))
  while ((SECONDS < deadline)); do
    "$@" && return 0
    sleep 0.5
  done
  zp_fail "timed out after ${limit}s waiting for: $what (zpull: $(tail -3 "$ZP_TMP/run.log"))"
}
has() { [ -n "$(promql "$1")" ]; }

wait_for 60 "prometheus scrapes zpull" has 'up{job="zpull"} == 1'
wait_for 60 "a replication in this daemon" has "zpull_replication_runs_total{dataset=\"$dst/b/data\"} >= 1"
wait_for 90 "a restore drill" has "zpull_drill_last_success_timestamp_seconds{dataset=\"$dst/b/data\"}"
wait_for 60 "scrubs of both pools" has "count(zpull_scrub_last_completed_timestamp_seconds) == 2"
wait_for 30 "a parity check" has "zpull_parity_holes{dataset=\"$dst/b/data\"}"
zp_log "zpull scraped; replication, drill, scrub and parity seen"

zp_log "inducing: the source's sshd stops; the pool $bad is overwritten in part and scrubbed"
kill "$ZP_SSH_PID"
zpool export "$bad"
dd if=/dev/urandom of="$ZP_TMP/$bad.img" bs=1M seek=64 count=1 conv=notrunc status=none
zpool import -d "$ZP_TMP" "$bad" >/dev/null
zpool scrub "$bad"

delivered() {  # alertname label=value...: a firing notification at /pager carries it
  node -e '
const fs = require("fs");
const [file, name, ...want] = process.argv.slice(1);
let lines = [];
try { lines = fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map(JSON.parse); } catch (e) { process.exit(1); }
const ok = lines.some(({ path, body }) => path === "/pager" && body.alerts.some((a) => a.status === "firing" &&
  a.labels.alertname === name && want.every((kv) => a.labels[kv.split("=")[0]] === kv.split("=").slice(1).join("="))));
process.exit(ok ? 0 : 1);' "$ZP_TMP/webhook.jsonl" "$@"
}
wait_for 120 "ZpullReplicationFailing at the webhook" delivered ZpullReplicationFailing "dataset=$dst/b/data" \
  severity=critical job=zpull "instance=127.0.0.1:$zport"
wait_for 120 "ZpullScrubErrors at the webhook" delivered ZpullScrubErrors "pool=$bad" host=local severity=critical job=zpull
zp_log "both alerts reached the webhook through alertmanager"

zp_log "every dashboard and rule expression"
node "$here/check_queries.mjs" "$PROM" "$root/dashboards/zpull.json" "$ZP_TMP/prom/rules.yml" ||
  zp_fail "dashboard or rule expressions failed"

curl -sf "http://127.0.0.1:$zport/metrics" >"$ZP_TMP/metrics.txt" || zp_fail "scrape"
[ -z "${ZPULL_E2E_SAVE_METRICS:-}" ] || cp "$ZP_TMP/metrics.txt" "$ZPULL_E2E_SAVE_METRICS"
promtool check metrics <"$ZP_TMP/metrics.txt" || zp_fail "promtool check metrics"
exposed=$(awk '$1 == "#" && $2 == "TYPE" { print $3 }' "$ZP_TMP/metrics.txt" | sort -u)
# Families of the "## Opt-in families" section appear only with metrics.detail.
families_of() { (grep -oE '^\| `zpull_[a-z0-9_]+`' || true) | tr -d '|` ' | sort -u; }
documented=$(families_of <"$root/docs/metrics.md")
opt_in=$(awk '/^## / { inside = ($0 == "## Opt-in families") } inside' "$root/docs/metrics.md" | families_of)
[ -n "$opt_in" ] || zp_fail "docs/metrics.md has no '## Opt-in families' section"
undocumented=$(comm -23 <(echo "$exposed") <(echo "$documented"))
missing=$(comm -13 <(echo "$exposed") <(comm -23 <(echo "$documented") <(echo "$opt_in")))
opt_in_exposed=$(comm -12 <(echo "$exposed") <(echo "$opt_in"))
[ -z "$undocumented" ] || zp_fail "exposed but not in docs/metrics.md: $undocumented"
[ -z "$missing" ] || zp_fail "in docs/metrics.md but not exposed: $missing"
[ -z "$opt_in_exposed" ] || zp_fail "opt-in families exposed without metrics.detail: $opt_in_exposed"
zp_log "docs/metrics.md documents all $(echo "$exposed" | wc -l) exposed metrics"
# The series budget: at most 44 per dataset by default (docs/metrics.md).
per_dataset=$(grep -c "=\"$dst/b/data\"" "$ZP_TMP/metrics.txt")
[ "$per_dataset" -le 44 ] || zp_fail "$per_dataset series for $dst/b/data: more than the budget of 44"
zp_log "$per_dataset series for $dst/b/data (budget 44)"
# With every detail group, every documented family has samples (the bench's
# page fills every family the daemon has).
: "${ZPULL_BENCH_CONTROL_PLANE:?the zpull-bench-control-plane binary}"
"$ZPULL_BENCH_CONTROL_PLANE" metrics --datasets 2 --rounds 1 --detail all --dump "$ZP_TMP/all.txt" >/dev/null
sampled=$(awk '$1 !~ /^#/ { sub(/\{.*/, "", $1); print $1 }' "$ZP_TMP/all.txt" |
  sed -E 's/_(bucket|sum|count)$//' | sort -u)
unsampled=$(comm -13 <(echo "$sampled") <(echo "$documented"))
[ -z "$unsampled" ] || zp_fail "documented families without a sample in the bench's page with --detail all: $unsampled"

zp_log "zpull stops: ZpullDown fires and inhibits the instance's other alerts"
kill -TERM "$zpull_pid"
wait "$zpull_pid" 2>/dev/null || true
wait_for 60 "ZpullDown at the webhook" delivered ZpullDown "instance=127.0.0.1:$zport"
suppressed() {
  curl -sf "http://127.0.0.1:$am_port/api/v2/alerts?filter=alertname%3D%22ZpullReplicationFailing%22" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const a=JSON.parse(s);process.exit(a.length && a.every(x=>x.status.state==="suppressed"&&x.status.inhibitedBy.length)?0:1)})'
}
wait_for 60 "ZpullReplicationFailing inhibited by ZpullDown" suppressed
