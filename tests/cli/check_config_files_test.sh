#!/usr/bin/env bash
# check-config (offline: the systemd unit runs it as ExecStartPre) names a
# missing, directory or unreadable identity_file or known_hosts with its
# path and errno and exits 2; a host with no known_hosts entry is only a
# warning (exit 0). Its first mistake: malformed YAML in a plain sentence.
set -uo pipefail
zpull=${1:?usage: $0 ZPULL_BINARY}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
fail() { echo "FAIL: $*"; exit 1; }
key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJb1n3WDUz2rXltFjYkgDNHqvTNT4diIY9ZitA2rdPe"
printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\n(not read by check-config)\n' >"$dir/id"
printf '[web1.example]:2222 %s\n' "$key" >"$dir/known_hosts"
config() {  # config IDENTITY KNOWN_HOSTS HOST
  cat >"$dir/zpull.yml" <<YAML
lock_directory: $dir/locks
sources:
  - {name: web1, host: $3, port: 2222, identity_file: $1, known_hosts: $2}
datasets:
  - {source: web1, source_dataset: tank/a, destination: backup/a}
YAML
}
run() { out=$("$zpull" check-config "$dir/zpull.yml" 2>&1); rc=$?; }
want() {  # want RC TEXT WHAT
  [ "$rc" = "$1" ] || fail "$3: exit $rc, wanted $1: $out"
  [[ "$out" == *"$2"* ]] || fail "$3: wanted [$2] in: $out"
}

config "$dir/id" "$dir/known_hosts" web1.example; run
want 0 ": ok (1 sources" "all files there and the host known"
[[ "$out" != *warning* ]] || fail "a known host warned: $out"

config "$dir/id" "$dir/known_hosts" web2.example; run
want 0 "warning: source web1: no key for [web2.example]:2222 in $dir/known_hosts: its datasets fail with reason hostkey" "an unknown host"

config "$dir/missing" "$dir/known_hosts" web1.example; run
want 2 "source web1: identity_file $dir/missing: No such file or directory" "a missing identity_file"
[[ "$out" != *"host key"* ]] || fail "a missing identity named as a host key problem: $out"

config "$dir/id" "$dir/nope" web1.example; run
want 2 "source web1: known_hosts $dir/nope: No such file or directory" "a missing known_hosts"

mkdir "$dir/khdir"
config "$dir/id" "$dir/khdir" web1.example; run
want 2 "source web1: known_hosts $dir/khdir: is a directory, not a file" "known_hosts a directory"

# Unreadable by the running user (root reads everything: run as nobody).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  config "$dir/id" "$dir/known_hosts" web1.example
  chmod 600 "$dir/id"
  chmod 644 "$dir/zpull.yml" "$dir/known_hosts"
  # (A copy nobody may run: the build tree may sit in a private directory.)
  install -m 0755 "$zpull" "$dir/zpull"
  out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$dir/zpull" check-config "$dir/zpull.yml" 2>&1); rc=$?
  want 2 "source web1: identity_file $dir/id: Permission denied" "an identity_file root-only"
fi

printf 'sources: []\ndatasets:\n  - source: a\n    source_dataset: t/a\n   destination: b/a\n' >"$dir/zpull.yml"; run
want 2 "zpull.yml:5:4: this line's indentation does not match the list above it" "malformed YAML"
[[ "$out" != *"not found"* ]] || fail "yaml-cpp's wording: $out"
"$zpull" check-config /nonexistent/z.yml >"$dir/o" 2>&1; rc=$?; out=$(cat "$dir/o")
want 2 "/nonexistent/z.yml: cannot read the configuration file: No such file or directory" "a missing configuration"
echo "ok: check-config names each file's problem"
