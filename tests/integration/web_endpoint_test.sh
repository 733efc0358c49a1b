#!/usr/bin/env bash
# --web.listen-address and --web.config.file (exporter-toolkit format) with
# curl against a real zpull run: basic auth (bcrypt) over HTTP and HTTPS,
# 401 without or with wrong credentials; TLS with a test CA; mutual TLS that
# refuses clients without a certificate or with one from another CA; a
# minimum TLS version; a SIGHUP keeps the listener when nothing changed and
# serves a certificate renewed in place; configuration errors named at start.
set -euo pipefail
: "${ZPULL_BIN:?}"
tmp="$(mktemp -d /tmp/zpull-web.XXXXXX)"
pid=
cleanup() { [ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAILED: $*" >&2; [ ! -f "$tmp/run.log" ] || tail -5 "$tmp/run.log" >&2; exit 1; }
free_port() { local p; while :; do p=$((20000 + RANDOM % 20000)); (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done; }

cd "$tmp"
cert() {  # name CN CA-prefix: a P-256 key and a 1-day certificate signed by that CA
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\n' >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$3.crt" -CAkey "$3.key" -CAcreateserial -out "$1.crt" -days 1 -extfile "$1.ext" 2>/dev/null
}
for ca in ca otherca; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$ca.key" -out "$ca.crt" -days 1 \
    -subj "/CN=zpull test $ca" 2>/dev/null
done
cert server 127.0.0.1 ca
cert client prometheus ca
cert stranger prometheus otherca
# bcrypt of "U*U" (OpenBSD's test vector)
hash='$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'

cat >zpull.yml <<YAML
listen: 127.0.0.1:1
lock_directory: $tmp/locks
sources: []
datasets: []
YAML

start() {  # web-config-file [flags…]: zpull run on a fresh port (PORT), waiting until it answers
  [ -z "$pid" ] || { kill "$pid"; wait "$pid" 2>/dev/null || true; }
  PORT=$(free_port)
  local file=$1
  shift
  "$ZPULL_BIN" run --config zpull.yml --web.listen-address "127.0.0.1:$PORT" --web.config.file "$file" "$@" >run.log 2>&1 &
  pid=$!
  for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || fail "zpull run exited"
    sleep 0.1
  done
  fail "zpull run did not listen on $PORT"
}
code() { curl -s -o /dev/null -w '%{http_code}' "$@" || true; }
expect() {  # code what curl-args...
  local want=$1 what=$2 got
  shift 2
  got=$(code "$@")
  [ "$got" = "$want" ] || fail "$what: HTTP $got, expected $want"
}

# head_without_body PATH: HEAD answers the headers of GET and no body (read
# raw: curl -I would not read one).
head_without_body() {
  local fd reply
  exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
  printf 'HEAD %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$1" >&$fd
  reply=$(timeout 5 cat <&$fd | od -An -c | tr -d ' \n')
  exec {fd}>&-
  case "$reply" in *'\r\n\r\n') ;; *) fail "HEAD $1 sent a body: $reply" ;; esac
}

echo "basic auth over HTTP"
printf 'basic_auth_users:\n  prometheus: %s\n' "'$hash'" >auth.yml
start auth.yml
expect 401 "no credentials" "http://127.0.0.1:$PORT/metrics"
expect 401 "wrong password" -u 'prometheus:U*V' "http://127.0.0.1:$PORT/metrics"
expect 401 "unknown user" -u 'grafana:U*U' "http://127.0.0.1:$PORT/metrics"
expect 401 "healthz too" "http://127.0.0.1:$PORT/healthz"
head_without_body /metrics  # the 401 too
expect 200 "right password" -u 'prometheus:U*U' "http://127.0.0.1:$PORT/metrics"
curl -s -u 'prometheus:U*U' "http://127.0.0.1:$PORT/metrics" | grep -q '^zpull_build_info{' || fail "no metrics"
curl -s -D - -o /dev/null "http://127.0.0.1:$PORT/metrics" | grep -qi '^WWW-Authenticate: Basic realm="zpull"' ||
  fail "401 without WWW-Authenticate"

echo "TLS and basic auth"
printf 'tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  prometheus: %s\n' \
  server.crt server.key "'$hash'" >tls.yml
start tls.yml --log.format logfmt
grep -qE "^ts=[0-9T:.-]+Z level=info msg=\"serving metrics\" url=https://127.0.0.1:$PORT/metrics auth=basic " run.log ||
  fail "logfmt start line: $(cat run.log)"
expect 200 "TLS, right password" --cacert ca.crt -u 'prometheus:U*U' "https://127.0.0.1:$PORT/metrics"
expect 401 "TLS, wrong password" --cacert ca.crt -u 'prometheus:nope' "https://127.0.0.1:$PORT/metrics"
expect 401 "TLS, no credentials" --cacert ca.crt "https://127.0.0.1:$PORT/metrics"
expect 000 "plain HTTP on the TLS port" "http://127.0.0.1:$PORT/metrics"
expect 000 "a server certificate from an unknown CA" --cacert otherca.crt "https://127.0.0.1:$PORT/metrics"
served_cert() { openssl s_client -connect "127.0.0.1:$PORT" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256; }
first=$(served_cert)
[ "$first" = "$(openssl x509 -in server.crt -noout -fingerprint -sha256)" ] || fail "served certificate: $first"
kill -HUP "$pid"  # nothing changed: the listener is kept
for _ in $(seq 1 50); do [ "$(grep -c 'serving metrics' run.log)" = 2 ] && break; sleep 0.1; done
[ "$(grep -c 'serving metrics' run.log)" = 2 ] || fail "no reload: $(cat run.log)"
! grep -q "new HTTP listener" run.log || fail "listener restarted for an unchanged configuration: $(cat run.log)"
cert server 127.0.0.1 ca  # renewed in place, as certbot would
renewed=$(openssl x509 -in server.crt -noout -fingerprint -sha256)
[ "$renewed" != "$first" ] || fail "the renewed certificate is the old one"
kill -HUP "$pid"
for _ in $(seq 1 50); do [ "$(served_cert)" = "$renewed" ] && break; sleep 0.1; done
[ "$(served_cert)" = "$renewed" ] || fail "after SIGHUP the old certificate is still served"
grep -q "new HTTP listener" run.log || fail "no log line for the new listener: $(cat run.log)"
expect 200 "TLS with the renewed certificate" --cacert ca.crt -u 'prometheus:U*U' "https://127.0.0.1:$PORT/metrics"

echo "mutual TLS"
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n' >mtls.yml
start mtls.yml --log.format=json
node -e 'const l=require("fs").readFileSync("run.log","utf8").trim().split("\n").map(JSON.parse);
  if(!l.some(x=>x.level==="info"&&x.msg==="serving metrics"&&x.auth==="none"))process.exit(1)' || fail "json log: $(cat run.log)"
expect 200 "client certificate" --cacert ca.crt --cert client.crt --key client.key "https://127.0.0.1:$PORT/metrics"
expect 000 "no client certificate" --cacert ca.crt "https://127.0.0.1:$PORT/metrics"
expect 000 "client certificate from another CA" --cacert ca.crt --cert stranger.crt --key stranger.key \
  "https://127.0.0.1:$PORT/metrics"

echo "minimum TLS version"
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\n' >tls13.yml
start tls13.yml --log.level warn
[ ! -s run.log ] || fail "--log.level warn still logs: $(cat run.log)"
expect 200 "TLS 1.3" --cacert ca.crt "https://127.0.0.1:$PORT/metrics"
expect 000 "TLS 1.2 at most" --cacert ca.crt --tls-max 1.2 "https://127.0.0.1:$PORT/metrics"

echo "idle connections, CORS preflight, HEAD"
: >plain.yml
start plain.yml
# 50 connections that send nothing: each holds a worker until the request
# timeout (5 s); with 64 workers a scrape is still answered at once.
idle=()
for _ in $(seq 1 50); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
  idle+=("$fd")
done
sleep 0.5
took=$(curl -s -o /dev/null -w '%{time_total}' --max-time 10 "http://127.0.0.1:$PORT/metrics")
awk -v t="$took" 'BEGIN { exit !(t < 1) }' || fail "a scrape behind 50 idle connections took ${took}s"
echo "  scrape behind 50 idle connections: ${took}s"
for fd in "${idle[@]}"; do exec {fd}>&-; done
headers=$(curl -s -D - -o /dev/null -X OPTIONS -H 'Origin: https://evil.example' \
  -H 'Access-Control-Request-Method: GET' "http://127.0.0.1:$PORT/metrics")
! grep -qi '^Access-Control-' <<<"$headers" || fail "a CORS preflight is answered with: $headers"
for path in /metrics /status /healthz /; do head_without_body "$path"; done

echo "errors are named"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
printf 'basic_auth_users:\n  prometheus: [unclosed\n' >syntax.yml
set +e
out=$("$ZPULL_BIN" run --config zpull.yml --web.config.file syntax.yml 2>&1); rc=$?
set -e
[ "$rc" = 2 ] || fail "web config syntax error: exit $rc"
case "$out" in *"syntax.yml:3:1: a '[' opened before here is not closed with ']'"*) ;; *) fail "web config syntax error: $out" ;; esac
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS9\n' >bad.yml
set +e
out=$("$ZPULL_BIN" run --config zpull.yml --web.config.file bad.yml 2>&1); rc=$?
set -e
[ "$rc" = 2 ] || fail "bad web config: exit $rc"
case "$out" in *"bad.yml:4:16: 'min_version': expected TLS10, TLS11, TLS12 or TLS13, got 'TLS9'"*) ;; *) fail "bad web config: $out" ;; esac
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n' >mismatch.yml
set +e
out=$("$ZPULL_BIN" run --config zpull.yml --web.listen-address "127.0.0.1:$(free_port)" --web.config.file mismatch.yml 2>&1); rc=$?
set -e
[ "$rc" = 1 ] || fail "mismatched key: exit $rc ($out)"
case "$out" in *"key_file client.key"*"mismatch"*) ;; *) fail "mismatched key: $out" ;; esac
# Listen addresses as the ecosystem writes them: a wrong one is named, a
# busy port says so, and the log gives a URL a browser can open.
set +e
out=$("$ZPULL_BIN" run --config zpull.yml --web.listen-address "localhost" 2>&1); rc=$?
set -e
[ "$rc" = 2 ] || fail "listen address without a port: exit $rc ($out)"
case "$out" in *"listen address 'localhost'"*":PORT"*) ;; *) fail "listen address without a port: $out" ;; esac
busy=$(free_port)
node -e "require('net').createServer().listen($busy, '0.0.0.0'); setTimeout(() => process.exit(0), 30000)" &
holder=$!
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$busy") 2>/dev/null && break; sleep 0.1; done
set +e
out=$("$ZPULL_BIN" run --config zpull.yml --web.listen-address ":$busy" 2>&1); rc=$?
set -e
kill "$holder"; wait "$holder" 2>/dev/null || true
[ "$rc" != 0 ] || fail "a busy port: exit 0"
case "$out" in *"cannot listen on $busy"*"already in use"*) ;; *) fail "a busy port: $out" ;; esac
PORT=$(free_port)
"$ZPULL_BIN" run --config zpull.yml --web.listen-address ":$PORT" >run.log 2>&1 &
pid=$!
for _ in $(seq 1 50); do grep -q 'serving metrics' run.log && break; sleep 0.1; done
grep -q "url=http://$(hostname):$PORT/metrics " run.log || fail ":PORT: no URL a browser can open: $(cat run.log)"
grep -q "status_page=http://$(hostname):$PORT/" run.log || fail ":PORT: no status page URL: $(cat run.log)"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
echo "web endpoint: ok"
