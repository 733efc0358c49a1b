#!/usr/bin/env bash
# Notifications of zpull run against local HTTPS receivers with a test CA
# (docs/notifications.md): a failing dataset posts `failing` after
# after_failures cycles, then `recovered`; a receiver that is down (retried,
# counted), one that hangs (timeout; cycles go on), one whose certificate
# comes from another CA (refused, nothing sent to it); the dead-man ping
# hits URL/fail, then URL as the state changes; no secret in any log line.
ZP_TEST_NAME=notify
source "$(dirname "$0")/lib.sh"
here="$(cd "$(dirname "$0")" && pwd)"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/good"
zfs create -o mountpoint=none "$dst/b"
cd "$ZP_TMP"
# Two CAs; a server certificate for 127.0.0.1 from each.
for ca in ca other; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$ca.key" -out "$ca.pem" -days 1 \
    -subj "/CN=zpull test $ca" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$ca-srv.key" -out "$ca-srv.csr" \
    -subj /CN=127.0.0.1 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\n' >san.ext
  openssl x509 -req -in "$ca-srv.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial -out "$ca-srv.pem" -days 1 \
    -extfile san.ext 2>/dev/null
done
good=$(zp_free_port); hang=$(zp_free_port); other=$(zp_free_port); down=$(zp_free_port)
: >good.log; : >other.log
for spec in "$good ca record good.log" "$hang ca hang hang.log" "$other other record other.log"; do
  set -- $spec
  node "$here/notify-receiver.mjs" "$1" "$2-srv.pem" "$2-srv.key" "$4" "$3" &
  zp_cleanup "kill $! 2>/dev/null"
done
for p in $good $hang $other; do
  for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.1; done
done
port=$(zp_free_port)
cat >zpull.yml <<YAML
snapshot_prefix: zpt
interval: 3s
retries: 0
listen: 127.0.0.1:$port
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
notify:
  webhooks: [{url: "https://127.0.0.1:$good/hook/SECRET-GOOD-TOKEN", after_failures: 1}]
  healthcheck_url: https://127.0.0.1:$good/ping/SECRET-PING-UUID
  healthcheck_interval: 10s
  ca_file: $ZP_TMP/ca.pem
  timeout: 2s
sources: [{name: here, host: local}]
datasets:
  - {source: here, source_dataset: $src/good, destination: $dst/b/good}
  - source: here
    source_dataset: $src/late
    destination: $dst/b/late
    notify:
      webhooks:
        - {url: "https://127.0.0.1:$good/hook/SECRET-GOOD-TOKEN", after_failures: 2}
        - {url: "https://127.0.0.1:$down/hook/SECRET-DOWN", after_failures: 2}
        - {url: "https://127.0.0.1:$hang/hook/SECRET-HANG", after_failures: 2}
        - {url: "https://127.0.0.1:$other/hook/SECRET-OTHER", after_failures: 2}
YAML
"$ZPULL_BIN" run --config zpull.yml >run.log 2>&1 &
pid=$!
zp_cleanup "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
value() { curl -sf "http://127.0.0.1:$port/metrics" | awk -v want="$1" '$1 == want { print $2 }'; }
posts() {  # the good receiver's POSTs: "status dataset consecutive"
  node -e 'const fs=require("fs");for(const l of fs.readFileSync(process.argv[1],"utf8").split("\n")){if(!l)continue;const r=JSON.parse(l);if(r.method!=="POST")continue;const b=JSON.parse(r.body);console.log(b.status,b.dataset,b.consecutive_failures,b.version,b.reason)}' good.log
}
gets() { node -e 'const fs=require("fs");for(const l of fs.readFileSync(process.argv[1],"utf8").split("\n")){if(!l)continue;const r=JSON.parse(l);if(r.method==="GET")console.log(r.url)}' good.log; }

zp_log "failing after two failed cycles, on the good receiver"
for _ in $(seq 1 150); do grep -q "failing $dst/b/late" <(posts) && break; sleep 0.2; done
zp_assert_contains "$(posts)" "failing $dst/b/late 2 1 source_missing" "failing after after_failures=2: $(posts)"
[[ "$(posts)" != *"$dst/b/good"* ]] || zp_fail "the healthy dataset was reported: $(posts)"
zp_log "the ping: /fail while a dataset fails"
for _ in $(seq 1 100); do grep -q "/ping/SECRET-PING-UUID/fail" <(gets) && break; sleep 0.2; done
zp_assert_contains "$(gets)" "/ping/SECRET-PING-UUID/fail" "ping to URL/fail"

zp_log "the cycles go on while a receiver hangs and another is down"
runs=$(value "zpull_replication_runs_total{dataset=\"$dst/b/good\"}")
sleep 7
later=$(value "zpull_replication_runs_total{dataset=\"$dst/b/good\"}")
[ "${later%.*}" -gt "${runs%.*}" ] || zp_fail "no cycle while a receiver hangs: $runs -> $later"
[ "$(grep -c 'notification failed' run.log)" -ge 2 ] || zp_fail "the hanging and refused receivers were not tried meanwhile"

zp_log "recovered once the source dataset exists"
zfs create "$src/late"
for _ in $(seq 1 150); do grep -q "recovered $dst/b/late" <(posts) && break; sleep 0.2; done
zp_assert_contains "$(posts)" "recovered $dst/b/late" "recovered: $(posts)"
zp_log "the ping: URL once every dataset is fine, after the /fail ones"
for _ in $(seq 1 150); do gets | grep -qx "/ping/SECRET-PING-UUID" && break; sleep 0.2; done
gets | grep -qx "/ping/SECRET-PING-UUID" || zp_fail "no healthy ping: $(gets)"
[ "$(gets | head -1)" = "/ping/SECRET-PING-UUID/fail" ] || zp_fail "the first ping was not /fail: $(gets)"
zp_log "the good receiver heard failing before recovered"
order=$(posts | awk '$2 == "'"$dst/b/late"'" { print $1 }' | paste -sd' ' -)
zp_assert_eq "failing recovered" "$order" "failing, then recovered, once each"

zp_log "failures counted; nothing reached the receiver of another CA"
failures=$(value 'zpull_notification_failures_total{kind="webhook"}')
[ "${failures%.*}" -ge 3 ] || zp_fail "webhook failures counted: [$failures]"
sent=$(value 'zpull_notifications_sent_total{kind="webhook"}')
[ "${sent%.*}" -ge 2 ] || zp_fail "webhooks sent: [$sent]"
[ ! -s other.log ] || zp_fail "a request reached the receiver with another CA's certificate: $(cat other.log)"
zp_assert_contains "$(cat run.log)" "notification failed, retrying" "failures logged"
zp_assert_contains "$(grep 'notification failed' run.log)" "SSL peer certificate" "the other CA's certificate refused"
zp_assert_contains "$(grep 'notification failed' run.log)" "no answer within 2s" "the hanging receiver timed out"
zp_assert_contains "$(grep 'notification failed' run.log)" "Couldn't connect" "the receiver that is down"
status=$(curl -sf "http://127.0.0.1:$port/status")
zp_assert_contains "$status" '"target": "127.0.0.1"' "the status shows the last delivery by host"

kill "$pid"; wait "$pid" 2>/dev/null || true
zp_log "no secret in any log line or on the status page"
for secret in SECRET-GOOD-TOKEN SECRET-PING-UUID SECRET-DOWN SECRET-HANG SECRET-OTHER; do
  ! grep -q "$secret" run.log || zp_fail "$secret in the log: $(grep "$secret" run.log | head -3)"
  [[ "$status" != *"$secret"* ]] || zp_fail "$secret on /status"
done
