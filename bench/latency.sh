#!/usr/bin/env bash
# Latency (issue 10 §2): the data path over SSH with a round-trip time put
# between client and sshd by a delaying userspace proxy
# (bench/delay_proxy.mjs; tc/netem is not available here), at 0 ms (the
# proxy alone), 5 ms and 20 ms: zpull against the bare OpenSSH pipeline
# `ssh root@127.0.0.1 zfs send SRC@bench | zfs recv -u DST`, both through the
# same proxy, sshd offering only aes128-gcm. Rounds interleave every case;
# medians, ratios to the bare pipeline at the same round trip, CPU per GiB.
#   sudo bash bench/latency.sh [--mib 1024] [--rounds 3] [--rtts "0 5 20"]
#   sudo bash bench/latency.sh --smoke       # 16 MiB, 5 ms, one round (ctest)
set -euo pipefail
mib=1024 rounds=3 rtts="0 5 20"
while [ $# -gt 0 ]; do
  case "$1" in
    --mib) mib=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --rtts) rtts=$2; shift 2 ;;
    --smoke) mib=16 rounds=1 rtts=5; shift ;;
    *) echo "usage: $0 [--mib N] [--rounds R] [--rtts \"MS ...\"] [--smoke]" >&2; exit 2 ;;
  esac
done
command -v node >/dev/null || { echo "node not installed (Debian package nodejs)" >&2; exit 2; }
source "$(dirname "$0")/lib.sh"
bench_data_setup "$mib"
echo "stream: $stream_bytes bytes; zpull $("$ZPULL_BIN" --version | head -1); $(ssh -V 2>&1)"

# One proxy per round trip, each delay split between the two directions.
read -r -a ssh_opts <<<"$(bench_ssh_opts)"
declare -A proxy_port
sshd_port=$ZP_SSH_PORT
for rtt in $rtts; do
  port=$(zp_free_port)
  node "$root/bench/delay_proxy.mjs" "$port" "$sshd_port" $(( (rtt + 1) / 2 )) $(( rtt / 2 )) >"$ZP_TMP/proxy-$rtt.log" 2>&1 &
  pid=$!
  zp_cleanup "kill $pid 2>/dev/null; wait $pid 2>/dev/null; true"
  for i in $(seq 1 50); do grep -q listening "$ZP_TMP/proxy-$rtt.log" && break; sleep 0.1; done
  grep -q listening "$ZP_TMP/proxy-$rtt.log" || { echo "proxy for $rtt ms did not start" >&2; exit 1; }
  proxy_port[$rtt]=$port
  # The same host key, known under the proxy's port as well.
  echo "[127.0.0.1]:$port $(cut -d' ' -f1-2 "$ZP_TMP/ssh/host_ed25519.pub")" >>"$ZP_KNOWN_HOSTS"
  ZP_SSH_PORT=$port
  cat >"$ZP_TMP/rtt$rtt.yml" <<YAML
snapshot_prefix: zb
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
sources:
$(zp_ssh_source_yaml s)
datasets:
  - {source: s, source_dataset: $src/data, destination: $dst/b/t, snapshot: false, initial: all}
YAML
  ZP_SSH_PORT=$sshd_port
done

bare() { ssh "${ssh_opts[@]}" -p "$1" root@127.0.0.1 zfs send "$src/data@bench" | zfs recv -u "$dst/b/t"; }
cases=()
for rtt in $rtts; do
  cases+=("bare_rtt$rtt:bare ${proxy_port[$rtt]}" "zpull_rtt$rtt:$ZPULL_BIN once --config $ZP_TMP/rtt$rtt.yml")
done
bench_case warmup bare "${proxy_port[${rtts%% *}]}"
bench_rounds "$rounds" "${cases[@]}"
for rtt in $rtts; do
  echo
  echo "round trip $rtt ms added (proxy delays $(( (rtt + 1) / 2 )) + $(( rtt / 2 )) ms)"
  bench_report "bare_rtt$rtt" "zpull_rtt$rtt"
done
