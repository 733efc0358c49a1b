#!/usr/bin/env bash
# The HTTP endpoint under idle connections and password guessing (issue 23),
# no ZFS: `zpull run` with no datasets and basic auth.
#   1. a scrape behind N connections that send nothing (each holds a worker
#      until the 5 s request timeout): its time, median of R rounds;
#   2. how long a 401 takes for a known user with a wrong password and for
#      an unknown user, interleaved, median of R each, and their ratio (both
#      pay one bcrypt verify: the ratio stays near 1).
#   bash bench/http.sh [--idle 50] [--rounds 21]
#   bash bench/http.sh --smoke                  # 5 idle, 3 rounds: it still works
set -euo pipefail
: "${ZPULL_BIN:=$(dirname "$0")/../build/cli/zpull}"
idle=50 rounds=21
while [ $# -gt 0 ]; do
  case "$1" in
    --idle) idle=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --smoke) idle=5 rounds=3; shift ;;
    *) echo "usage: $0 [--idle N] [--rounds R] [--smoke]" >&2; exit 2 ;;
  esac
done
tmp="$(mktemp -d /tmp/zpull-bench-http.XXXXXX)"
pid=
cleanup() { [ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; rm -rf "$tmp"; }
trap cleanup EXIT
port=$((20000 + RANDOM % 20000))
# bcrypt of "U*U", cost 5 (OpenBSD's test vector); htpasswd's default is 10.
printf "basic_auth_users:\n  prometheus: '%s'\n" '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW' >"$tmp/web.yml"
printf 'listen: 127.0.0.1:%s\nlock_directory: %s/locks\nsources: []\ndatasets: []\n' "$port" "$tmp" >"$tmp/zpull.yml"
"$ZPULL_BIN" run --config "$tmp/zpull.yml" --web.config.file "$tmp/web.yml" --log.level warn >"$tmp/run.log" 2>&1 &
pid=$!
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/metrics"
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

scrapes=()
for _ in $(seq 1 "$rounds"); do
  fds=()
  for _ in $(seq 1 "$idle"); do exec {fd}<>"/dev/tcp/127.0.0.1/$port"; fds+=("$fd"); done
  sleep 0.2
  scrapes+=("$(curl -s -o /dev/null -w '%{time_total}' --max-time 30 -u 'prometheus:U*U' "$url")")
  for fd in "${fds[@]}"; do exec {fd}>&-; done
done
scrape=$(printf '%s\n' "${scrapes[@]}" | median)
echo "scrape behind $idle idle connections: median ${scrape} s over $rounds rounds"

known=() unknown=()
for _ in $(seq 1 "$rounds"); do
  known+=("$(curl -s -o /dev/null -w '%{time_total}' -u 'prometheus:wrong' "$url")")
  unknown+=("$(curl -s -o /dev/null -w '%{time_total}' -u 'nobody:wrong' "$url")")
done
k=$(printf '%s\n' "${known[@]}" | median)
u=$(printf '%s\n' "${unknown[@]}" | median)
awk -v k="$k" -v u="$u" -v r="$rounds" 'BEGIN {
  printf "401, known user, wrong password: median %.4f s; unknown user: median %.4f s (ratio %.2f) over %d rounds\n", k, u, u / k, r }'
