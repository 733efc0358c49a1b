#!/usr/bin/env bash
# `zpull once` on a terminal (a pty from script(1)) draws a live progress
# line for a running transfer and erases it; in a pipe it prints only the
# outcome lines.
ZP_TEST_NAME=progress
source "$(dirname "$0")/lib.sh"
here="$(cd "$(dirname "$0")" && pwd)"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/a"
zfs create "$src/b"
zp_fill "$src/a" 1500
zp_fill "$src/b" 1500
zfs create -o mountpoint=none "$dst/t"
zfs create -o mountpoint=none "$dst/p"
cfg() {  # destination-parent
  cat <<YAML
snapshot_prefix: zpt
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
sources:
  - {name: slow, host: local, zfs_command: [$here/throttled-zfs.sh]}
datasets:
  - {source: slow, source_dataset: $src/a, destination: $dst/$1/a}
YAML
}
cfg t >"$ZP_TMP/tty.yml"
cfg p >"$ZP_TMP/pipe.yml"

script -qec "'$ZPULL_BIN' once --config '$ZP_TMP/tty.yml'" /dev/null >"$ZP_TMP/tty.out" 2>&1 || zp_fail "once on a pty: $(cat "$ZP_TMP/tty.out")"
tty_out=$(cat -v "$ZP_TMP/tty.out")
zp_assert_contains "$tty_out" "^[[J$dst/t/a  " "a progress line at the start of a cleared area"
grep -qE "$dst/t/a  [0-9.]+ (B|KiB|MiB) at [0-9.]+ (B|KiB|MiB)/s" <<<"$tty_out" || zp_fail "bytes and rate: $tty_out"
zp_assert_contains "$tty_out" "^[[1A" "the line is redrawn in place"
zp_assert_contains "$tty_out" "ok $dst/t/a full" "the outcome"

"$ZPULL_BIN" once --config "$ZP_TMP/pipe.yml" >"$ZP_TMP/pipe.out" 2>&1 || zp_fail "once in a pipe: $(cat "$ZP_TMP/pipe.out")"
grep -q $'\033' "$ZP_TMP/pipe.out" && zp_fail "escape sequences in a pipe: $(cat -v "$ZP_TMP/pipe.out")"
zp_assert_eq 1 "$(wc -l <"$ZP_TMP/pipe.out")" "only the outcome line in a pipe"
zp_assert_contains "$(cat "$ZP_TMP/pipe.out")" "ok $dst/p/a full" "the outcome in a pipe"
