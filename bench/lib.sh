# Shared set-up of the benchmarks (sourced, bash): the zpull binary, a
# scratch directory, zfs-fuse (started only if none runs, stopped again
# only then), and two uniquely named file-backed pools `src` and `dst` with
# an unmounted `dst/b`; everything removed on exit, in reverse order of
# registration (register with zp_cleanup).
#   bench_setup POOL_SIZE
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ZPULL_BIN=${ZPULL_BIN:-$root/build/exporter/zpull}
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
