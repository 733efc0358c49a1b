#!/usr/bin/env bash
# zpull demo: installs what it needs (Debian 12 packages), builds zpull,
# starts zfs-fuse if none runs, creates two file-backed pools (a "source"
# with a few datasets of sample files, and a "backup"), starts a private sshd
# on 127.0.0.1 with fresh host and client keys and a known_hosts file, writes
# a demo configuration, and runs `zpull run` until Ctrl-C. Then it stops
# everything it started (by PID) and destroys its pools unless --keep.
#
#   bash scripts/demo.sh [--keep] [--port N] [--interval 30s] [--no-install]
#
# As root, or as a user with sudo (it asks sudo to run it as root).
# ZPULL_BIN=/path/to/zpull skips the build (the test suite uses that).
set -euo pipefail
case " $* " in *" -h "*|*" --help "*) ;; *)
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null && exec sudo ${ZPULL_BIN:+ZPULL_BIN="$ZPULL_BIN"} bash "$0" "$@"
    echo "demo: run as root (zfs-fuse and sshd need it; this machine has no sudo)" >&2
    exit 2
  fi ;;
esac
repo="$(cd "$(dirname "$0")/.." && pwd)"

keep=0 install=1 port=9720 interval=30s
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    --no-install) install=0 ;;
    --port) port=$2; shift ;;
    --interval) interval=$2; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "demo: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
# (A reader that went away, as `demo.sh | tee log` after Ctrl-C, must not
# stop the clean-up: say never fails, and finish ignores SIGPIPE.)
if [ -t 1 ]; then
  say() { printf '\033[1mdemo:\033[0m %s\n' "$*" 2>/dev/null || true; }
else
  say() { printf 'demo: %s\n' "$*" 2>/dev/null || true; }
fi

if [ "$install" = 1 ]; then
  bash "$repo/scripts/install-deps.sh" --demo
fi
if [ -z "${ZPULL_BIN:-}" ]; then
  # Its own build directory, without the tests (and their GoogleTest); a
  # user's, when sudo ran this for them.
  say "building zpull"
  cmake -S "$repo" -B "$repo/build-demo" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
  cmake --build "$repo/build-demo" -j"$(nproc)" --target zpull >/dev/null
  [ -z "${SUDO_UID:-}" ] || chown -R "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$repo/build-demo"
  ZPULL_BIN="$repo/build-demo/cli/zpull"
fi

ZP_TMP="$(mktemp -d /var/tmp/zpull-demo.XXXXXX)"
source "$repo/scripts/lib/substrate.sh"
zpull_pid='' churn_pid=''
finish() {
  # A second Ctrl-C (or a signal sent to the whole process group) must not
  # cut the clean-up short, nor a closed pipe on stdout (SIGPIPE).
  trap '' INT TERM PIPE
  trap - EXIT
  set +e
  say "stopping (removing what the demo made)"
  [ -n "$zpull_pid" ] && kill -TERM "$zpull_pid" 2>/dev/null && wait "$zpull_pid" 2>/dev/null || true
  [ -n "$churn_pid" ] && kill "$churn_pid" 2>/dev/null && wait "$churn_pid" 2>/dev/null || true
  if [ "$keep" = 1 ]; then
    say "keeping pools $src_pool and $bak_pool (files in $ZP_TMP); remove with: zpool destroy $src_pool; zpool destroy $bak_pool"
    # Keep the pools: drop their cleanups, run the rest (sshd).
    local kept=()
    local c
    for c in "${ZP_CLEANUPS[@]}"; do case "$c" in zp_destroy_pool*) ;; *) kept+=("$c") ;; esac; done
    ZP_CLEANUPS=("${kept[@]}")
    zp_run_cleanups
  else
    zp_run_cleanups
    zp_stop_zfs_fuse_if_started
    rm -rf "$ZP_TMP"
  fi
  say "done"
  exit 0
}
trap finish INT TERM EXIT

zp_ensure_zfs_fuse "$ZP_TMP/zfs-fuse.pid"
[ -n "$ZP_ZFS_FUSE_STARTED_PID" ] && say "started zfs-fuse pid $ZP_ZFS_FUSE_STARTED_PID" || say "using the running zfs-fuse"

suffix=$$
zp_make_pool src_pool "zpdemo${suffix}src" 256M
zp_make_pool bak_pool "zpdemo${suffix}bak" 256M none
say "created pools $src_pool (source) and $bak_pool (backup)"
for ds in home projects "vm images"; do
  zfs create "$src_pool/$ds"
done
mp="$ZP_TMP/mnt/$src_pool"
mkdir -p "$mp/home/alice" "$mp/projects/zpull"
printf 'Dear diary, today I set up backups.\n' >"$mp/home/alice/diary.txt"
cp -r "$repo/README.md" "$repo/docs" "$mp/projects/zpull/" 2>/dev/null || true
head -c $((4 * 1024 * 1024)) /dev/urandom >"$mp/vm images/disk0.img"
zfs create -o canmount=off "$bak_pool/demo"

zp_start_sshd
say "started sshd pid $ZP_SSH_PID on 127.0.0.1:$ZP_SSH_PORT (known_hosts: $ZP_KNOWN_HOSTS)"

cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
# Written by scripts/demo.sh
snapshot_prefix: zpull_demo
interval: $interval
parallelism: 2
listen: 127.0.0.1:$port
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
# Every kind of check within the first minutes (a real host checks less often).
parity: {interval: 1m}
scrub: {interval: 1m}
drill: {every: 2m, sample_files: 10, directory: $ZP_TMP/drills, source_directory: $ZP_TMP/drills}
retention:
  keep_last: 5
  grid: {hourly: 24, daily: 7}
sources:
$(zp_ssh_source_yaml demo-source)
  - name: this-host
    host: local
datasets:
  - source: demo-source
    source_dataset: $src_pool/home
    destination: $bak_pool/demo/home
  - source: demo-source
    source_dataset: $src_pool/projects
    destination: $bak_pool/demo/projects
  - source: this-host
    source_dataset: $src_pool/vm images
    destination: $bak_pool/demo/vm images
YAML
say "configuration: $cfg"

# Something to replicate: a file changes on the source every few seconds.
( while sleep 7; do date >>"$mp/home/alice/diary.txt"; done ) &
churn_pid=$!

"$ZPULL_BIN" run --config "$cfg" &
zpull_pid=$!
say "zpull pid $zpull_pid; status page at http://127.0.0.1:$port/ and metrics at http://127.0.0.1:$port/metrics — press Ctrl-C to stop"
wait "$zpull_pid" || true
zpull_pid=''
say "zpull exited"
