#!/usr/bin/env bash
# zpull run as a user who cannot write lock_directory is told exactly that
# (the path and the errno), not "another zpull run is active".
set -uo pipefail
zpull=${1:?usage: $0 ZPULL_BINARY}
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
  echo "skipped: needs root and setpriv to run as nobody"
  exit 0
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
install -d -m 0700 "$dir/locks"
install -m 0755 "$zpull" "$dir/zpull"  # the build tree may be private
cat >"$dir/zpull.yml" <<YAML
lock_directory: $dir/locks
cache_directory: $dir/cache
control_socket: $dir/control.sock
listen: 127.0.0.1:0
sources: []
datasets: []
YAML
chmod 644 "$dir/zpull.yml"
out=$(timeout 20 setpriv --reuid=nobody --regid=nogroup --clear-groups "$dir/zpull" run --config "$dir/zpull.yml" 2>&1)
rc=$?
fail() { echo "FAIL: $*: exit $rc: $out"; exit 1; }
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "zpull run did not stop with an error"
[[ "$out" == *"cannot open lock file $dir/locks/daemon.lock: Permission denied"* ]] || fail "the cause not named"
[[ "$out" != *"another zpull"* ]] || fail "a wrong guess"
echo "ok: a lock file that cannot be opened is named with its errno"
