# Shared set-up of the benchmarks (sourced, bash): the zpull binary, a
# scratch directory, zfs-fuse (started only if none runs, stopped again
# only then), and two uniquely named file-backed pools `src` and `dst` with
# an unmounted `dst/b`; everything removed on exit, in reverse order of
# registration (register with zp_cleanup).
#   bench_setup POOL_SIZE
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ZPULL_BIN=${ZPULL_BIN:-$root/build/cli/zpull}
ZP_TMP="$(mktemp -d /tmp/zpull-bench.XXXXXX)"
source "$root/scripts/lib/substrate.sh"
bench_finish() { zp_run_cleanups; zp_stop_zfs_fuse_if_started; rm -rf "$ZP_TMP"; }
trap bench_finish EXIT

bench_setup() {
  zp_ensure_zfs_fuse /var/run/zfs-fuse.pid
  local tag="zb$$"
  zp_make_pool src "${tag}s" "$1"
  zp_make_pool dst "${tag}d" "$1"
  zfs create -o mountpoint=none "$dst/b"
}

# --- data path (bench/data_path.sh, bench/latency.sh) ---

# bench_data_setup MIB: `src/data` holding MIB of incompressible data,
# snapshot @bench; an sshd that offers only aes128-gcm (so every SSH client
# compared uses the same cipher) and gives sessions an empty HOME, so that
# the benchmark machine's own root start-up files (here: pyenv, 0.11 s of CPU
# per remote shell) do not count; a stock Debian root's cost nothing. Sets stream_bytes (the full stream's size)
# and src_guid.
bench_data_setup() {
  bench_setup "$(( $1 * 2 + 512 ))M"
  zfs create "$src/data"
  local left=$1 chunk
  while [ "$left" -gt 0 ]; do  # files of at most 256 MiB
    chunk=$(( left < 256 ? left : 256 ))
    zp_fill "$src/data" $(( chunk * 1024 ))
    left=$(( left - chunk ))
  done
  zfs snapshot "$src/data@bench"
  mkdir -p "$ZP_TMP/home"
  ZP_SSHD_EXTRA="Ciphers aes128-gcm@openssh.com
SetEnv HOME=$ZP_TMP/home" zp_start_sshd
  stream_bytes=$(zfs send "$src/data@bench" | wc -c)
  src_guid=$(zfs get -H -o value guid "$src/data@bench")
  mkdir -p "$ZP_TMP/locks"
  : >"$ZP_TMP/results"
}

# The ssh options that name this sshd's key and known_hosts (host keys are
# checked, never skipped).
bench_ssh_opts() {
  echo "-c aes128-gcm@openssh.com -i $ZP_SSH_KEY -o UserKnownHostsFile=$ZP_KNOWN_HOSTS -o StrictHostKeyChecking=yes -o BatchMode=yes"
}

# CPU seconds of this shell's reaped children (bash `times`, second line),
# into variable $1 (`times` in a command substitution would report the
# subshell's children instead).
children_cpu() {
  times >"$ZP_TMP/times"
  printf -v "$1" '%s' "$(tail -1 "$ZP_TMP/times" | awk '{ t = 0; for (i = 1; i <= NF; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] } print t }')"
}
# CPU seconds of PID itself and of its reaped children: "own children".
proc_cpu() {
  sed 's/^.*) //' "/proc/$1/stat" | awk -v hz="$(getconf CLK_TCK)" '{ print ($12 + $13) / hz, ($14 + $15) / hz }'
}

# bench_case LABEL COMMAND...: receives into a fresh $dst/b/t with COMMAND,
# checks that $dst/b/t@bench is the source snapshot (same guid), and
# appends "LABEL wall client sshd daemon" (seconds) to $ZP_TMP/results.
# client: the command's whole process tree here (zpull and its zfs recv; ssh
# and zfs recv; syncoid and its helpers); sshd: the sessions our sshd served
# (sshd and the remote zfs send); daemon: the zfs-fuse daemon, which does
# the actual sending and receiving for everyone on this machine.
bench_case() {
  local label=$1; shift
  if zfs list -H -o name "$dst/b/t" >/dev/null 2>&1; then
    local snap
    for snap in $(zfs list -H -o name -t snapshot -r "$dst/b/t"); do  # zpull's hold
      zfs release "${BENCH_HOLD_TAG:-zb}" "$snap" 2>/dev/null || true
    done
    zfs destroy -r "$dst/b/t" || { echo "cannot destroy $dst/b/t before $label" >&2; return 1; }
  fi
  sleep 1
  local fuse c0 s0 d0 t0 t1 c1 s1 d1 i
  fuse=$(pgrep -xo zfs-fuse)
  children_cpu c0; s0=$(proc_cpu "$ZP_SSH_PID" | cut -d' ' -f2); d0=$(proc_cpu "$fuse" | cut -d' ' -f1)
  t0=$(date +%s.%N)
  if ! "$@" >"$ZP_TMP/case.log" 2>&1; then
    echo "$label failed:" >&2; tail -5 "$ZP_TMP/case.log" >&2; return 1
  fi
  t1=$(date +%s.%N)
  for i in $(seq 1 50); do  # until our sshd has reaped the session
    pgrep -P "$ZP_SSH_PID" >/dev/null || break
    sleep 0.1
  done
  children_cpu c1; s1=$(proc_cpu "$ZP_SSH_PID" | cut -d' ' -f2); d1=$(proc_cpu "$fuse" | cut -d' ' -f1)
  local got
  got=$(zfs get -H -o value guid "$dst/b/t@bench" 2>/dev/null || true)
  if [ "$got" != "$src_guid" ]; then
    echo "$label: $dst/b/t@bench has guid '$got', not the source's $src_guid" >&2; return 1
  fi
  awk -v l="$label" -v t0="$t0" -v t1="$t1" -v c="$c1 - $c0" -v c0="$c0" -v c1="$c1" -v s0="$s0" -v s1="$s1" -v d0="$d0" -v d1="$d1" \
    'BEGIN { printf "%s %.3f %.3f %.3f %.3f\n", l, t1 - t0, c1 - c0, s1 - s0, d1 - d0 }' >>"$ZP_TMP/results"
}

# bench_rounds ROUNDS "LABEL:COMMAND WORDS"... : runs every case once per
# round, the order rotating by one each round, into a fresh results file.
bench_rounds() {
  local rounds=$1 r i c cmd
  shift
  local cases=("$@")
  : >"$ZP_TMP/results"
  for r in $(seq 1 "$rounds"); do
    for i in $(seq 0 $(( ${#cases[@]} - 1 ))); do
      c=${cases[$(( (i + r) % ${#cases[@]} ))]}
      read -r -a cmd <<<"${c#*:}"
      bench_case "${c%%:*}" "${cmd[@]}"
    done
    echo "round $r of $rounds done" >&2
  done
}

# bench_report LABEL... : medians of each label's runs as MiB/s and CPU
# seconds per GiB, with throughput ratios to the first label (the
# reference) and, if given, to REF2 (BENCH_REF2).
bench_report() {
  local ref=$1 ref2=${BENCH_REF2:-}
  printf '%-24s %8s %8s %10s %12s %12s %14s %5s\n' case "MiB/s" "x $ref" "x ${ref2:--}" "client s/GiB" "sshd s/GiB" "zfs-fuse s/GiB" runs
  local l
  for l in "$@"; do
    awk -v l="$l" -v ref="$ref" -v ref2="$ref2" -v bytes="$stream_bytes" '
      function median(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
                                         return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
      { k = $1; n[k]++; w[k, n[k]] = $2; c[k, n[k]] = $3; s[k, n[k]] = $4; d[k, n[k]] = $5 }
      function med(arr, k,   i, tmp) { for (i = 1; i <= n[k]; i++) tmp[i] = arr[k, i]; return median(tmp, n[k]) }
      END {
        gib = bytes / 2^30; mib = bytes / 2^20
        rate = mib / med(w, l); rr = mib / med(w, ref); r2 = (ref2 != "" && n[ref2]) ? sprintf("%.2f", rate / (mib / med(w, ref2))) : "-"
        printf "%-24s %8.1f %8.2f %10s %12.2f %12.2f %14.2f %5d\n", l, rate, rate / rr, r2, med(c, l) / gib, med(s, l) / gib, med(d, l) / gib, n[l]
      }' "$ZP_TMP/results"
  done
}
