#!/usr/bin/env bash
# Text from a source is data (issue 23): a source over a real sshd whose
# `zpool status` and `zfs send` errors carry invalid UTF-8, terminal escapes,
# quotes, backslashes, a forged log field and a forged log line
# (hostile-text.sh). zpull run keeps running; /status, /metrics, /healthz
# and / answer 200 with valid UTF-8 and no control characters; the logs in
# every format carry no raw ESC, no forged field and no forged line. Before
# the sinks made their input safe, GET /status aborted the daemon (nlohmann
# type_error 316) and the logfmt formatter took zpullforged=1 for a field.
ZP_TEST_NAME=hostile_text
source "$(dirname "$0")/lib.sh"
here="$(cd "$(dirname "$0")" && pwd)"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/data"
zfs create -o mountpoint=none "$dst/b"
zp_fill "$src/data" 5
zp_start_sshd
port=$(zp_free_port)
cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
interval: 1h
retries: 0
listen: 127.0.0.1:$port
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
scrub: {interval: 1s, source_pools: true}
sources:
$(zp_ssh_source_yaml evil "    zfs_command: [$here/hostile-text.sh, zfs]
    zpool_command: [$here/hostile-text.sh, zpool]")
datasets:
  - {source: evil, source_dataset: $src/data, destination: $dst/b/data}
YAML

# check-text WHAT FILE [log]: FILE is valid UTF-8 without control characters
# (but newline; tab outside logs), and as a log has no forged field or line.
check_text() {
  node - "$1" "$2" "${3:-}" <<'JS' || zp_fail "$1: $(head -c 2000 "$2" | od -c | head -20)"
const [what, file, log] = process.argv.slice(2);
const bytes = require("fs").readFileSync(file);
let text;
try { text = new TextDecoder("utf-8", { fatal: true }).decode(bytes); } catch (e) { console.error(`${what}: not UTF-8`); process.exit(1); }
const bad = [...text].find((c) => { const p = c.codePointAt(0); return (p < 0x20 && c !== "\n" && (log || c !== "\t")) || (p >= 0x7f && p < 0xa0); });
if (bad) { console.error(`${what}: control character U+${bad.codePointAt(0).toString(16)}`); process.exit(1); }
if (!log) process.exit(0);
// Keys of a logfmt line (values quoted with \-escapes or bare).
const keys = (line) => { const out = []; const re = /(?:^| )([A-Za-z_.][A-Za-z0-9_.]*)=("(?:[^"\\]|\\.)*"|\S*)/gy; let m;
  for (let i = 0; i < line.length; ) { re.lastIndex = i; m = re.exec(line); if (!m) { const q = line.indexOf(" ", i + 1); if (q < 0) break; i = q; continue; } out.push(m[1]); i = re.lastIndex; } return out; };
for (const line of text.split("\n").filter(Boolean)) {
  if (/^ts=2026-01-01T00:00:00Z/.test(line)) { console.error(`${what}: forged line: ${line}`); process.exit(1); }
  let fields;
  if (log === "json") { try { fields = Object.keys(JSON.parse(line)); } catch (e) { console.error(`${what}: not JSON: ${line}`); process.exit(1); } }
  else fields = keys(log === "text" ? line.replace(/^\[[^\]]*\] \[[^\]]*\] \[[^\]]*\] /, "") : line);
  if (fields.includes("zpullforged")) { console.error(`${what}: forged field: ${line}`); process.exit(1); }
}
JS
}

zp_log "zpull once with a send that fails with hostile text, in every log format"
for format in text logfmt json; do
  set +e
  "$ZPULL_BIN" once --config "$cfg" --log.format "$format" >"$ZP_TMP/once-$format.out" 2>"$ZP_TMP/once-$format.log"
  rc=$?
  set -e
  [ "$rc" -ne 0 ] || zp_fail "zpull once succeeded with a failing send"
  grep -q "cannot send" "$ZP_TMP/once-$format.log" || zp_fail "$format: the source's error is not logged: $(cat "$ZP_TMP/once-$format.log")"
  check_text "once --log.format $format (log)" "$ZP_TMP/once-$format.log" "$format"
  # The outcome line on stdout is for a terminal: lines and text, no escapes.
  grep -q "^FAILED $dst/b/data reason=send_failed: .*cannot send" "$ZP_TMP/once-$format.out" ||
    zp_fail "$format: outcome line: $(cat "$ZP_TMP/once-$format.out")"
  check_text "once --log.format $format (stdout)" "$ZP_TMP/once-$format.out"
done

zp_log "zpull run with the hostile zpool status and send errors"
"$ZPULL_BIN" run --config "$cfg" --log.format logfmt >"$ZP_TMP/run.log" 2>&1 &
pid=$!
zp_cleanup "kill -9 $pid 2>/dev/null; true"
# The source's vdev name reaches its label: U+FFFD, then its escapes made
# visible, as the exposition escapes them.
want_vdev='vdev="ev'$'\xef\xbf\xbd''\\x1b[2J\\u009b\"q\\il"'
# (Into a file, not a pipe: grep -q would end curl with SIGPIPE, which
# pipefail counts as a failure.)
has_vdev() { curl -sf -o "$ZP_TMP/scrape" "http://127.0.0.1:$port/metrics" 2>/dev/null && grep -qF "$want_vdev" "$ZP_TMP/scrape"; }
for _ in $(seq 1 100); do
  has_vdev && grep -q "attempt failed\|replication failed" "$ZP_TMP/run.log" && break
  kill -0 "$pid" 2>/dev/null || zp_fail "zpull run exited: $(tail -5 "$ZP_TMP/run.log")"
  sleep 0.2
done
has_vdev || zp_fail "the source's vdev name is not in /metrics as escaped text: $(grep '^zpull_vdev_errors{host="evil"' "$ZP_TMP/scrape")"
for path in /status /metrics /healthz /; do
  code=$(curl -s -o "$ZP_TMP/body" -w '%{http_code}' "http://127.0.0.1:$port$path" || true)
  zp_assert_eq 200 "$code" "GET $path"
  check_text "GET $path" "$ZP_TMP/body"
done
sleep 2  # more pool checks and scrapes
curl -s "http://127.0.0.1:$port/status" >/dev/null || true
kill -0 "$pid" 2>/dev/null || zp_fail "zpull run died: $(tail -5 "$ZP_TMP/run.log")"
zp_assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" "healthz after the scrapes"
curl -s -o "$ZP_TMP/status" "http://127.0.0.1:$port/status"
grep -qF '"health": "ONLINE'$'\xef\xbf\xbd''\\x1b[31m"' "$ZP_TMP/status" ||
  zp_fail "/status lacks the source pool's health as escaped text: $(grep health "$ZP_TMP/status")"
grep -qF 'error="' "$ZP_TMP/run.log" && grep -q 'zpullforged=1' "$ZP_TMP/run.log" ||
  zp_fail "the source's error text is not in the run log: $(tail -3 "$ZP_TMP/run.log")"
kill -TERM "$pid"
wait "$pid" || true
check_text "zpull run --log.format logfmt" "$ZP_TMP/run.log" logfmt
