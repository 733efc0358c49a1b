# Fixture code for zpull's integration tests (sourced, bash). The substrate
# (zfs-fuse, pools, sshd) comes from scripts/lib/substrate.sh; this adds
# unique names, assertions, and removal of everything a test made on exit,
# also when it fails.

set -euo pipefail

: "${ZPULL_BIN:?ZPULL_BIN must point at the zpull binary}"
ZP_TAG="zp$$r${RANDOM}"
ZP_TMP="$(mktemp -d "/tmp/zpull-test.XXXXXX")"
# Every curl of a test gives up after 20 s: a scrape that hangs (say, across
# a daemon reload) fails the test naming it instead of hanging until the
# ctest timeout.
printf 'max-time = 20\n' >"$ZP_TMP/.curlrc"
export CURL_HOME="$ZP_TMP"
ZP_FAILED=0
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/substrate.sh"

zp_log() { printf '[%s] %s\n' "${ZP_TEST_NAME:-test}" "$*" >&2; }

zp_on_exit() {
  local rc=$?
  zp_run_cleanups
  rm -rf "$ZP_TMP" 2>/dev/null || zp_log "could not remove $ZP_TMP"
  if [ "$rc" -ne 0 ] || [ "$ZP_FAILED" -ne 0 ]; then
    zp_log "FAILED"
    exit 1
  fi
  zp_log "passed"
}
trap zp_on_exit EXIT

zp_fail() {
  zp_log "ASSERTION FAILED: $*"
  ZP_FAILED=1
  exit 1
}
# zpull's hold tag on a source snapshot for one entry (replicate::SourceHoldTag):
# zp_hold_tag PREFIX DESTINATION
zp_hold_tag() { printf '%s_%s' "$1" "$(printf '%s' "$2" | tr '/ ' ':_')"; }
zp_assert_eq() {  # expected actual message
  [ "$1" = "$2" ] || zp_fail "$3: expected [$1], got [$2]"
}
zp_assert_contains() {  # haystack needle message
  case "$1" in *"$2"*) ;; *) zp_fail "$3: [$2] not found in: $1" ;; esac
}

# Test pools are named "$ZP_TAG<suffix>".
zp_test_pool() { zp_make_pool "$1" "${ZP_TAG}$2" "${3:-256M}" || zp_fail "cannot create pool ${ZP_TAG}$2"; }

zp_snapshots() {  # short names of a dataset's snapshots, oldest first, space-separated
  zfs get -Hp -r -d 1 createtxg "$1" | awk -F'\t' -v fs="$1@" 'index($1, fs) == 1 { print $3 "\t" substr($1, length(fs) + 1) }' |
    sort -n | cut -f2 | paste -sd' ' -
}
zp_guid() { zfs get -Hp guid "$1" | cut -f3; }

# The ctest setup fixture may have started zfs-fuse already; standalone runs
# start one here (and leave it for the next test).
zp_ensure_zfs_fuse "${ZPULL_ZFS_FUSE_PIDFILE:-/var/run/zfs-fuse.pid}" || zp_fail "zfs-fuse is not available"
