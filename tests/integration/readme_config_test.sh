#!/usr/bin/env bash
# The README's minimal configuration works as written: extracted from the
# README (the block after its readme-minimal-config marker), with only the
# test's host, port, key files and pools put in for the example's, it
# passes check-config, and `once --dry-run` and `once` replicate with it.
ZP_TEST_NAME=readme_config
source "$(dirname "$0")/lib.sh"
repo="$(cd "$(dirname "$0")/../.." && pwd)"

yaml=$(awk '/<!-- readme-minimal-config/ { marker = 1; next }
            marker && /^```yaml/ { inside = 1; next }
            inside && /^```/ { exit }
            inside { print }' "$repo/README.md")
[ -n "$yaml" ] || zp_fail "no minimal configuration found in the README"
lines=$(printf '%s\n' "$yaml" | wc -l)
[ "$lines" -le 14 ] || zp_fail "the README's minimal configuration has $lines lines"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/home"
zp_fill "$src/home" 5
zp_start_sshd
cfg="$ZP_TMP/zpull.yml"
# The example's names, each replaced once; a name the README no longer
# uses fails the test (the substitutions would not apply).
for name in "host: web1.example.net" "user: zpull" "identity_file: /etc/zpull/id_ed25519" "known_hosts: /etc/zpull/known_hosts" \
  "source_dataset: tank/home" "destination: backup/web1/home"; do
  grep -qF "$name" <<<"$yaml" || zp_fail "the README's configuration lacks '$name'"
done
printf '%s\n' "$yaml" | sed \
  -e "s|host: web1.example.net|host: 127.0.0.1\n    port: $ZP_SSH_PORT|" \
  -e "s|user: zpull|user: root|" \
  -e "s|/etc/zpull/id_ed25519|$ZP_SSH_KEY|" \
  -e "s|/etc/zpull/known_hosts|$ZP_KNOWN_HOSTS|" \
  -e "s|tank/home|$src/home|" \
  -e "s|backup/web1/home|$dst/web1/home|" >"$cfg"
# Where a test may write (the defaults are /run/zpull, /var/cache/zpull).
printf 'lock_directory: %s\ncache_directory: %s\n' "$ZP_TMP/locks" "$ZP_TMP/cache" >>"$cfg"
zp_log "$(cat "$cfg")"

out=$("$ZPULL_BIN" check-config "$cfg" 2>&1) || zp_fail "check-config: $out"
[[ "$out" != *warning* ]] || zp_fail "check-config warned: $out"
out=$("$ZPULL_BIN" once --dry-run --config "$cfg" 2>&1) || zp_fail "once --dry-run: $out"
zp_assert_contains "$out" "would send" "the dry run's plan"
out=$("$ZPULL_BIN" once --config "$cfg" 2>&1) || zp_fail "once: $out"
zp_assert_contains "$out" "ok $dst/web1/home full" "replicated"
zfs list "$dst/web1/home" >/dev/null || zp_fail "no replica"
