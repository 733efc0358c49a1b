#!/usr/bin/env bash
# check-config shows what bounds each host (issue 21): its replication
# slots (sources[].parallelism, or the default share of the global one)
# and its command_timeout. Offline: check-config touches no host.
set -euo pipefail
zpull=${1:?usage: $0 ZPULL_BINARY}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/zpull.yml" <<'YAML'
parallelism: 4
command_timeout: 2m
sources:
  - {name: here, host: local, command_timeout: 90s, parallelism: 3}
  - {name: there, host: local}
datasets:
  - {source: here, source_dataset: tank/a, destination: backup/a}
YAML
out=$("$zpull" check-config --config "$dir/zpull.yml")
fail() { echo "FAIL: $*"; echo "$out"; exit 1; }
grep -qx "  this host: command_timeout 2m, parallelism 4 in all" <<<"$out" || fail "this host's limits"
grep -qx "  source here: parallelism 3, command_timeout 1m30s" <<<"$out" || fail "a source's own limits"
grep -qx "  source there: parallelism 2 (default), command_timeout 10m" <<<"$out" || fail "a source's defaults"
echo "ok: check-config shows each host's slots and command timeout"
