#!/usr/bin/env bash
# Control plane at scale (issue 10 §3), no ZFS needed: a generated inventory
# of N datasets x M snapshots per host, served as pre-generated `zfs get -Hp`
# output by `cat` child processes (their CPU and memory not counted), read by
# zpull's own listing, parsing, planning and parity code
# (bench/control_plane.cc). For each size, rounds interleave:
#   read    the reference: both listings read and dropped, nothing parsed
#   parity  RunParityPass, the daemon's parity pass (listing + `written`)
#   full    one merged pass: listing, parsing, planning and parity
# and report medians, the ratio to `read`, peak RSS and the list commands
# per host; then /metrics rendered at each size (median of 5 renders), plain
# and gzip.
# Last, `zpull run`'s daemon idle at 50 and 10,000 datasets on in-memory
# hosts (--daemon-seconds each, scraped every 15 s; 0 skips it).
#   bash bench/control_plane.sh [--sizes "1000 10000 50000"] [--snapshots 100] [--rounds 5] [--daemon-seconds 600]
#   bash bench/control_plane.sh --smoke      # 20 x 5, one round, daemon 2 s (ctest)
set -euo pipefail
sizes="1000 10000 50000" snapshots=100 rounds=5 metric_sizes="1000 10000 50000"
daemon_sizes="50 10000" daemon_seconds=600 scrape_interval=15
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes=$2; metric_sizes=$2; shift 2 ;;
    --snapshots) snapshots=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --daemon-seconds) daemon_seconds=$2; shift 2 ;;
    --smoke) sizes=20 metric_sizes=20 snapshots=5 rounds=1 daemon_sizes=20 daemon_seconds=2 scrape_interval=1; shift ;;
    *) echo "usage: $0 [--sizes \"N ...\"] [--snapshots M] [--rounds R] [--daemon-seconds S] [--smoke]" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
BENCH=${ZPULL_BENCH_CONTROL_PLANE:-$root/build/bench/zpull-bench-control-plane}
[ -x "$BENCH" ] || { echo "$BENCH not built (cmake --build build --target zpull-bench-control-plane)" >&2; exit 2; }
work="$(mktemp -d /var/tmp/zpull-bench-cp.XXXXXX)"
trap 'rm -rf "$work"' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit } print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { sed -n "s/^$1=//p" "$2"; }

printf '%-8s %-7s %10s %10s %9s %12s %16s\n' datasets mode "wall s" "cpu s" "x read" "peak RSS MiB" "list cmds s/d"
for n in $sizes; do
  dir="$work/$n"
  mkdir -p "$dir"
  "$BENCH" generate "$dir" --datasets "$n" --snapshots "$snapshots"
  for r in $(seq 1 "$rounds"); do
    for mode in read parity full; do
      "$BENCH" "$mode" "$dir" >"$dir/$mode.$r"
    done
  done
  read_s=$(for r in $(seq 1 "$rounds"); do field seconds "$dir/read.$r"; done | median)
  for mode in read parity full; do
    wall=$(for r in $(seq 1 "$rounds"); do field seconds "$dir/$mode.$r"; done | median)
    cpu=$(for r in $(seq 1 "$rounds"); do field cpu_seconds "$dir/$mode.$r"; done | median)
    rss=$(for r in $(seq 1 "$rounds"); do field peak_rss_kib "$dir/$mode.$r"; done | sort -g | tail -1)
    printf '%-8s %-7s %10.3f %10.3f %9.2f %12.1f %16s\n' "$n" "$mode" "$wall" "$cpu" \
      "$(awk -v a="$wall" -v b="$read_s" 'BEGIN { print a / b }')" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" \
      "$(field list_commands_source "$dir/$mode.1")/$(field list_commands_destination "$dir/$mode.1")"
  done
  echo "  listing text: $(( $(stat -c %s "$dir/source.get") / 1048576 )) MiB source, $(( $(stat -c %s "$dir/destination.get") / 1048576 )) MiB destination"
  rm -rf "$dir"
done

# /metrics as the HTTP handler streams it (default series budget), then
# with Accept-Encoding: gzip; each in its own process (peak RSS its own).
printf '\n%-8s %10s %10s %8s %10s %12s %10s %10s %12s\n' datasets "render ms" series "/dataset" "text MiB" "peak RSS MiB" \
  "gzip ms" "gzip MiB" "gz RSS MiB"
for n in $metric_sizes; do
  "$BENCH" metrics --datasets "$n" --rounds 5 >"$work/metrics"
  "$BENCH" metrics --datasets "$n" --rounds 5 --gzip >"$work/gzip"
  ms() { awk -v s="$(field seconds "$1")" 'BEGIN { print s * 1000 }'; }
  mib() { awk -v b="$1" 'BEGIN { print b / 1048576 }'; }
  printf '%-8s %10.1f %10d %8.1f %10.1f %12.1f %10.1f %10.1f %12.1f\n' "$n" "$(ms "$work/metrics")" \
    "$(field series "$work/metrics")" "$(field series_per_dataset "$work/metrics")" \
    "$(mib "$(field bytes "$work/metrics")")" "$(mib "$(( $(field peak_rss_kib "$work/metrics") * 1024 ))")" \
    "$(ms "$work/gzip")" "$(mib "$(field sent_bytes "$work/gzip")")" "$(mib "$(( $(field peak_rss_kib "$work/gzip") * 1024 ))")"
done

[ "$daemon_seconds" -gt 0 ] || exit 0
printf '\n%-8s %10s %10s %12s %12s %14s %8s\n' datasets "seed s" "idle s" "CPU share" "RSS MiB" "of which hosts" scrapes
for n in $daemon_sizes; do
  "$BENCH" daemon --datasets "$n" --snapshots 10 --seconds "$daemon_seconds" --scrape-interval "$scrape_interval" >"$work/daemon"
  printf '%-8s %10.1f %10.0f %11.3f%% %12.1f %14.1f %8d\n' "$n" "$(field seed_seconds "$work/daemon")" \
    "$(field idle_seconds "$work/daemon")" "$(awk -v s="$(field idle_cpu_share "$work/daemon")" 'BEGIN { print s * 100 }')" \
    "$(awk -v k="$(field rss_kib "$work/daemon")" 'BEGIN { print k / 1024 }')" \
    "$(awk -v k="$(field baseline_rss_kib "$work/daemon")" 'BEGIN { print k / 1024 }')" "$(field scrapes "$work/daemon")"
done
