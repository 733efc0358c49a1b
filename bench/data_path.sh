#!/usr/bin/env bash
# Data path (issue 10 §1): one full send of a dataset of incompressible data
# (1 GiB by default) on zfs-fuse, like with like:
#   over SSH (loopback sshd, aes128-gcm only):
#     bare     ssh root@127.0.0.1 zfs send SRC@bench | zfs recv -u DST
#     zpull    zpull once (SSH source, snapshot: false)
#     syncoid  syncoid --no-sync-snap root@127.0.0.1:SRC DST (its defaults
#              otherwise: lzo compression, mbuffer, pv)
#   local (no SSH):
#     bare     zfs send SRC@bench | zfs recv -u DST
#     zpull    zpull once (source host: local)
#     syncoid  syncoid --no-sync-snap SRC DST
# and, as the issue words the syncoid commands (`syncoid SRC DST`, its
# default, which first takes a snapshot of its own), both tools at their
# snapshot-taking defaults in each mode:
#     zpull_snap       zpull once with snapshot: true
#     syncoid_default  syncoid [root@127.0.0.1:]SRC DST
# Both then send @bench in full and the new snapshot as an incremental.
# Rounds interleave every case (the order rotating), after one warm-up
# send; medians are reported as MiB/s, ratios to the bare pipeline and to
# syncoid of the same mode, and CPU seconds per GiB on the client side, in
# sshd and in the zfs-fuse daemon (bench/lib.sh, bench_case).
#   sudo bash bench/data_path.sh [--mib 1024] [--rounds 5]
#   sudo bash bench/data_path.sh --smoke     # 16 MiB, one round (ctest)
set -euo pipefail
mib=1024 rounds=5
while [ $# -gt 0 ]; do
  case "$1" in
    --mib) mib=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --smoke) mib=16 rounds=1; shift ;;
    *) echo "usage: $0 [--mib N] [--rounds R] [--smoke]" >&2; exit 2 ;;
  esac
done
command -v syncoid >/dev/null || { echo "syncoid not installed (Debian package sanoid)" >&2; exit 2; }
source "$(dirname "$0")/lib.sh"
bench_data_setup "$mib"
echo "stream: $stream_bytes bytes; zpull $("$ZPULL_BIN" --version | head -1); syncoid $(syncoid --version 2>&1 | grep -o 'version [0-9.]*' | head -1);" \
  "$(ssh -V 2>&1); zfs-fuse $(dpkg-query -W -f='${Version}' zfs-fuse 2>/dev/null)"

config() {  # FILE SOURCE-YAML-LINES SOURCE-NAME [SNAPSHOT]
  cat >"$1" <<YAML
snapshot_prefix: zb
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
sources:
$2
datasets:
  - {source: $3, source_dataset: $src/data, destination: $dst/b/t, snapshot: ${4:-false}, initial: all}
YAML
}
config "$ZP_TMP/ssh.yml" "$(zp_ssh_source_yaml s)" s
config "$ZP_TMP/local.yml" "  - {name: here, host: local}" here
config "$ZP_TMP/ssh-snap.yml" "$(zp_ssh_source_yaml s)" s true
config "$ZP_TMP/local-snap.yml" "  - {name: here, host: local}" here true

read -r -a ssh_opts <<<"$(bench_ssh_opts)"
ssh_bare() { ssh "${ssh_opts[@]}" -p "$ZP_SSH_PORT" root@127.0.0.1 zfs send "$src/data@bench" | zfs recv -u "$dst/b/t"; }
local_bare() { zfs send "$src/data@bench" | zfs recv -u "$dst/b/t"; }
# zfs-fuse's `zfs get` has no -t, which syncoid 2.1 uses to list snapshots;
# its fallback works locally but is broken for a remote host (it puts the
# ssh command in front twice). So syncoid runs as a copy whose `zfs` (on
# both ends: the source is this machine) is this shim: `get ... -t snapshot`
# becomes a plain `get` filtered to snapshot lines, which is what -t
# selects; anything else execs zfs itself. Nothing else of syncoid changes.
mkdir -p "$ZP_TMP/shim"
cat >"$ZP_TMP/shim/zfs" <<SHIM
#!/bin/sh
real=$(command -v zfs)
if [ "\$1" = get ] && echo " \$* " | grep -q ' -t snapshot '; then
  args=\$(echo " \$* " | sed 's/ -t snapshot / /')
  out=\$(\$real \$args); rc=\$?
  printf '%s\\n' "\$out" | awk -F'\\t' 'index(\$1, "@")'
  exit \$rc
fi
exec \$real "\$@"
SHIM
chmod +x "$ZP_TMP/shim/zfs"
sed "s|^my \$zfscmd = 'zfs';|my \$zfscmd = '$ZP_TMP/shim/zfs';|" "$(command -v syncoid)" >"$ZP_TMP/syncoid"
grep -q "zfscmd = '$ZP_TMP/shim/zfs'" "$ZP_TMP/syncoid" || { echo "could not point syncoid at the shim" >&2; exit 1; }
syncoid_ssh() {  # [--no-sync-snap]
  perl "$ZP_TMP/syncoid" "$@" --sshkey="$ZP_SSH_KEY" --sshport="$ZP_SSH_PORT" \
    --sshcipher=aes128-gcm@openssh.com --sshoption=UserKnownHostsFile="$ZP_KNOWN_HOSTS" \
    --sshoption=StrictHostKeyChecking=yes "root@127.0.0.1:$src/data" "$dst/b/t"
}
syncoid_local() { perl "$ZP_TMP/syncoid" "$@" "$src/data" "$dst/b/t"; }  # [--no-sync-snap]

cases=("ssh_bare:ssh_bare" "ssh_zpull:$ZPULL_BIN once --config $ZP_TMP/ssh.yml" "ssh_syncoid:syncoid_ssh --no-sync-snap"
       "ssh_zpull_snap:$ZPULL_BIN once --config $ZP_TMP/ssh-snap.yml" "ssh_syncoid_default:syncoid_ssh"
       "local_bare:local_bare" "local_zpull:$ZPULL_BIN once --config $ZP_TMP/local.yml" "local_syncoid:syncoid_local --no-sync-snap"
       "local_zpull_snap:$ZPULL_BIN once --config $ZP_TMP/local-snap.yml" "local_syncoid_default:syncoid_local")
bench_case warmup local_bare
bench_rounds "$rounds" "${cases[@]}"
echo
BENCH_REF2=ssh_syncoid bench_report ssh_bare ssh_zpull ssh_syncoid
echo
BENCH_REF2=local_syncoid bench_report local_bare local_zpull local_syncoid
echo; echo "each taking its own snapshot first (zpull snapshot: true; syncoid's default):"
BENCH_REF2=ssh_syncoid_default bench_report ssh_bare ssh_zpull_snap ssh_syncoid_default
echo
BENCH_REF2=local_syncoid_default bench_report local_bare local_zpull_snap local_syncoid_default
