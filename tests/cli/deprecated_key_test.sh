#!/usr/bin/env bash
# `dataset:` (the old name of `source_dataset:`) still loads: check-config,
# which the systemd unit runs as ExecStartPre, exits 0 and warns on stderr,
# naming the line. Offline: check-config touches no host.
set -euo pipefail
zpull=${1:?usage: $0 ZPULL_BINARY}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/zpull.yml" <<'YAML'
sources: [{name: here, host: local}]
datasets:
  - {source: here, source_dataset: tank/a, destination: backup/a}
  - {source: here, dataset: tank/b, destination: backup/b}
YAML
set +e
"$zpull" check-config --config "$dir/zpull.yml" >"$dir/out" 2>"$dir/err"
rc=$?
set -e
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$dir/out"; echo "--- stderr"; cat "$dir/err"; exit 1; }
[ "$rc" -eq 0 ] || fail "check-config exited $rc"
grep -q "zpull.yml:4:.*'dataset': deprecated, rename it to 'source_dataset'" "$dir/err" || fail "no warning naming line 4"
grep -q ": ok (1 sources, 2 datasets" "$dir/out" || fail "not ok on stdout"
echo "ok: the old key loads with a warning"
