#!/usr/bin/env bash
# The status page at / rendered by headless Chromium (Debian's chromium,
# --dump-dom) at desktop and phone widths, /status as JSON, and `zpull
# status` as a table: the verdict banner with the host's name, one dataset
# replicated (ok, lag against its interval, next run, parity), one
# mid-transfer (running, bytes, rate), one failing (reason, message,
# remedy), pool health, capacity and scrub state, a drill outcome; the page
# no wider than the window at either width.
ZP_TEST_NAME=status_page
source "$(dirname "$0")/lib.sh"
here="$(cd "$(dirname "$0")" && pwd)"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/fast"
zfs create "$src/slow"
zfs create -o mountpoint=none "$dst/b"
zp_fill "$src/fast" 100
zp_fill "$src/slow" 6000
port=$(zp_free_port)
cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
interval: 1h
listen: 127.0.0.1:$port
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
scrub: {interval: 1s, pools: [$dst]}
sources:
  - {name: here, host: local}
  - {name: slowhost, host: local, zfs_command: [$here/throttled-zfs.sh]}
datasets:
  - source: here
    source_dataset: $src/fast
    destination: $dst/b/fast
    drill: {every: 1h, directory: $ZP_TMP/drills, source_directory: $ZP_TMP/drills-src}
  - {source: slowhost, source_dataset: $src/slow, destination: $dst/b/slow}
  - {source: here, source_dataset: $src/gone-with-a-rather-long-name-that-must-wrap-on-a-phone, destination: $dst/b/gone-with-a-rather-long-name-that-must-wrap-on-a-phone}
YAML
# fast has a snapshot for the daemon's first drill; slow starts with a long full transfer.
head -n -2 "$cfg" >"$ZP_TMP/fast-only.yml"
"$ZPULL_BIN" once --config "$ZP_TMP/fast-only.yml" >"$ZP_TMP/once.log" 2>&1 || zp_fail "once: $(cat "$ZP_TMP/once.log")"
"$ZPULL_BIN" run --config "$cfg" >"$ZP_TMP/run.log" 2>&1 &
pid=$!
zp_cleanup "kill $pid 2>/dev/null; wait $pid 2>/dev/null; true"
# fast replicated moments ago: not due for an interval (restarts keep the schedule), so ask.
for _ in $(seq 1 50); do "$ZPULL_BIN" replicate --config "$cfg" "$dst/b/fast" >/dev/null 2>&1 && break; sleep 0.2; done

json() { curl -sf "http://127.0.0.1:$port/status" 2>/dev/null || echo "{\"datasets\":[]}"; }
field() {  # dataset key: one value of /status
  json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);const d=j.datasets.find(x=>x.dataset===process.argv[1]);process.stdout.write(String(d?d[process.argv[2]]:""))})' "$1" "$2"
}
for _ in $(seq 1 100); do
  [ "$(field "$dst/b/fast" last_result)" = ok ] && [ "$(field "$dst/b/slow" state)" = running ] &&
    [ "$(field "$dst/b/slow" bytes)" -gt 0 ] 2>/dev/null && [ "$(field "$dst/b/fast" drill_outcome)" = ok ] &&
    [ "$(field "$dst/b/gone-with-a-rather-long-name-that-must-wrap-on-a-phone" last_result)" = failed ] &&
    [ -n "$(field "$dst/b/fast" parity)" ] && [ "$(field "$dst/b/fast" parity)" != null ] && break
  sleep 0.2
done
zp_assert_eq ok "$(field "$dst/b/fast" last_result)" "fast replicated"
zp_assert_eq running "$(field "$dst/b/slow" state)" "slow mid-transfer"
zp_assert_eq ok "$(field "$dst/b/fast" drill_outcome)" "drill outcome"

gone="$dst/b/gone-with-a-rather-long-name-that-must-wrap-on-a-phone"
host=$(hostname | cut -d. -f1)
for width in 1280 375; do
  # (12 s of the page's time: its refresh, every 10 s, runs once.)
  dom=$(timeout 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$ZP_TMP/chromium" \
    --window-size="$width,900" --virtual-time-budget=12000 \
    --dump-dom "http://127.0.0.1:$port/#check-layout" 2>"$ZP_TMP/chromium.log") ||
    zp_fail "chromium: $(tail -3 "$ZP_TMP/chromium.log")"
  echo "$dom" >"$ZP_TMP/dom-$width.html"
  zp_assert_contains "$dom" 'data-overflow-x="false"' "no horizontal overflow at $width px"
  zp_assert_contains "$dom" 'data-refreshed="1"' "refreshed in place at $width px"
  zp_assert_contains "$dom" "<h1>zpull on <span class=\"host\">$host</span></h1>" "the host's name at $width px"
  zp_assert_contains "$dom" '<section id="verdict" class="verdict attention"><strong class="headline">1 needs attention</strong>' "the verdict at $width px"
  zp_assert_contains "$dom" "<li>$gone: failing: source_missing</li>" "what needs attention, at $width px"
done
cp "$ZP_TMP/dom-375.html" "$ZP_TMP/dom.html"
# Each assertion names a rendered card: <article … data-dataset=…> … <dd class=…>value</dd>.
card() { tr -d '\n' <"$ZP_TMP/dom.html" | grep -oE "<article [^>]*data-$1=\"$2\">.*?</article>" | head -1 | sed 's|</article>.*||'; }
fast=$(card dataset "$dst/b/fast")
slow=$(card dataset "$dst/b/slow")
failing=$(card dataset "$gone")
pool=$(card pool "$dst")
zp_assert_contains "$fast" '<dd class="state">idle</dd>' "fast is idle"
zp_assert_contains "$fast" '<dd class="result ok">ok</dd>' "fast last result"
grep -qE '<dd class="lag">[0-9]+s \(interval 1h00m\)</dd>' <<<"$fast" || zp_fail "fast lag: $fast"
grep -qE '<dd class="next-run">in [0-9]+m[0-9]+s</dd>' <<<"$fast" || zp_fail "fast next run: $fast"
grep -qE '<dd class="parity">(in step|[0-9]+ not replicated yet)</dd>' <<<"$fast" || zp_fail "fast parity: $fast"
zp_assert_contains "$fast" '<dd class="drill">ok, passed ' "fast drill"
zp_assert_contains "$slow" '<dd class="state">running</dd>' "slow is running"
grep -qE '<dd class="transfer">[0-9.]+ (B|KiB|MiB) at [0-9.]+ (B|KiB|MiB)/s</dd>' <<<"$slow" || zp_fail "slow transfer: $slow"
zp_assert_contains "$failing" '<dd class="result failed">failed (source_missing)<span class="message">' "the failure's message"
zp_assert_contains "$failing" '<span class="remedy">Fix: ' "its remedy"
zp_assert_contains "$failing" 'failure-reasons.md">runbook</a>' "its runbook link"
zp_assert_contains "$pool" '<dd class="health">ONLINE</dd>' "pool health"
grep -qE '<dd class="capacity">[0-9]+% of [0-9.]+ MiB \([0-9.]+ MiB free\)</dd>' <<<"$pool" || zp_fail "pool capacity: $pool"
zp_assert_eq 2 "$(json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);process.stdout.write(String(j.schema_version))})')" "the JSON's schema version"

table=$("$ZPULL_BIN" status --config "$cfg") || zp_fail "zpull status: $table"
grep -qE "^$dst/b/slow +running +" <<<"$table" || zp_fail "table: slow running: $table"
grep -qE "^$dst/b/fast +idle +[0-9]+s +[0-9]+s ago +ok +- +ok, passed " <<<"$table" || zp_fail "table: fast: $table"
grep -qE "^$dst +local +ONLINE +" <<<"$table" || zp_fail "table: pool: $table"
zp_log "$table"
