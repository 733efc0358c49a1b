#!/usr/bin/env bash
# The status page at / rendered by headless Chromium (Debian's chromium,
# --dump-dom), /status as JSON, and `zpull status` as a table: one dataset
# replicated (ok, lag), one mid-transfer (running, bytes, rate), pool health
# and scrub state, a drill outcome.
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
YAML
# fast has a snapshot for the daemon's first drill; slow starts with a long full transfer.
head -n -1 "$cfg" >"$ZP_TMP/fast-only.yml"
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
    [ "$(field "$dst/b/slow" bytes)" -gt 0 ] 2>/dev/null && [ "$(field "$dst/b/fast" drill_outcome)" = ok ] && break
  sleep 0.2
done
zp_assert_eq ok "$(field "$dst/b/fast" last_result)" "fast replicated"
zp_assert_eq running "$(field "$dst/b/slow" state)" "slow mid-transfer"
zp_assert_eq ok "$(field "$dst/b/fast" drill_outcome)" "drill outcome"

dom=$(timeout 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$ZP_TMP/chromium" \
  --dump-dom "http://127.0.0.1:$port/" 2>"$ZP_TMP/chromium.log") || zp_fail "chromium: $(tail -3 "$ZP_TMP/chromium.log")"
echo "$dom" >"$ZP_TMP/dom.html"
# Each assertion names a rendered row: <tr data-dataset=…> … <td class=…>value</td>.
row() { tr -d '\n' <"$ZP_TMP/dom.html" | grep -oE "<tr data-$1=\"$2\">.*?</tr>" | head -1 | sed 's|</tr>.*||'; }
fast=$(row dataset "$dst/b/fast")
slow=$(row dataset "$dst/b/slow")
pool=$(row pool "$dst")
zp_assert_contains "$fast" '<td class="state">idle</td>' "fast is idle"
zp_assert_contains "$fast" '<td class="result ok">ok</td>' "fast last result"
grep -qE '<td class="lag">[0-9]+s</td>' <<<"$fast" || zp_fail "fast lag: $fast"
zp_assert_contains "$fast" '<td class="drill">ok, passed ' "fast drill"
zp_assert_contains "$slow" '<td class="state">running</td>' "slow is running"
grep -qE '<td class="transfer">[0-9.]+ (B|KiB|MiB) at [0-9.]+ (B|KiB|MiB)/s</td>' <<<"$slow" || zp_fail "slow transfer: $slow"
zp_assert_contains "$pool" '<td class="health">ONLINE</td>' "pool health"
zp_assert_contains "$(grep -o '<h1>[^<]*</h1>' "$ZP_TMP/dom.html")" "<h1>zpull " "title"

table=$("$ZPULL_BIN" status --config "$cfg") || zp_fail "zpull status: $table"
grep -qE "^$dst/b/slow +running +" <<<"$table" || zp_fail "table: slow running: $table"
grep -qE "^$dst/b/fast +idle +[0-9]+s +[0-9]+s ago +ok +- +ok, passed " <<<"$table" || zp_fail "table: fast: $table"
grep -qE "^$dst +local +ONLINE +" <<<"$table" || zp_fail "table: pool: $table"
zp_log "$table"
