# Shared fixture code for zpull's integration tests (sourced, bash).
#
# Real parts only: the zfs-fuse daemon (started only if none runs; one per
# machine), file-backed pools with unique names, a private sshd on 127.0.0.1
# with fresh keys and a known_hosts file. Everything a test creates is
# registered and removed on exit, also when the test fails; nothing it did
# not create is touched, and only processes it started are ended (by PID).

set -euo pipefail

: "${ZPULL_BIN:?ZPULL_BIN must point at the zpull binary}"
ZP_TAG="zp$$r${RANDOM}"
ZP_TMP="$(mktemp -d "/tmp/zpull-test.XXXXXX")"
ZP_CLEANUPS=()
ZP_FAILED=0

zp_log() { printf '[%s] %s\n' "${ZP_TEST_NAME:-test}" "$*" >&2; }

zp_on_exit() {
  local rc=$?
  local i
  for ((i = ${#ZP_CLEANUPS[@]} - 1; i >= 0; i--)); do
    eval "${ZP_CLEANUPS[$i]}" >/dev/null 2>&1 || zp_log "cleanup failed: ${ZP_CLEANUPS[$i]}"
  done
  rm -rf "$ZP_TMP" 2>/dev/null || zp_log "could not remove $ZP_TMP"
  if [ "$rc" -ne 0 ] || [ "$ZP_FAILED" -ne 0 ]; then
    zp_log "FAILED"
    exit 1
  fi
  zp_log "passed"
}
trap zp_on_exit EXIT
zp_cleanup() { ZP_CLEANUPS+=("$1"); }

zp_fail() {
  zp_log "ASSERTION FAILED: $*"
  ZP_FAILED=1
  exit 1
}
zp_assert_eq() {  # expected actual message
  [ "$1" = "$2" ] || zp_fail "$3: expected [$1], got [$2]"
}
zp_assert_contains() {  # haystack needle message
  case "$1" in *"$2"*) ;; *) zp_fail "$3: [$2] not found in: $1" ;; esac
}

# zfs-fuse: use the running daemon, or start one (left running for the other
# tests; the ctest cleanup fixture stops it if the setup fixture started it).
zp_zfs_ready() { zpool list >/dev/null 2>&1; }
zp_ensure_zfs_fuse() {
  zp_zfs_ready && return 0
  if ! pgrep -x zfs-fuse >/dev/null; then
    zp_log "starting zfs-fuse"
    mkdir -p /var/run/zfs /var/lock/zfs
    /sbin/zfs-fuse --pidfile "${ZPULL_ZFS_FUSE_PIDFILE:-/var/run/zfs-fuse.pid}"
  fi
  local i
  for i in $(seq 1 50); do
    zp_zfs_ready && return 0
    sleep 0.2
  done
  zp_fail "zfs-fuse does not answer"
}

# zp_make_pool VAR SUFFIX [SIZE]: creates pool "$ZP_TAG$SUFFIX" on a file,
# mounted under $ZP_TMP/mnt, and stores its name in VAR. (Not to be called in
# a subshell: the cleanup must be registered in this shell.)
zp_make_pool() {
  local name="${ZP_TAG}$2" size="${3:-256M}"
  truncate -s "$size" "$ZP_TMP/$name.img"
  zpool create -m "$ZP_TMP/mnt/$name" "$name" "$ZP_TMP/$name.img" >/dev/null 2>&1 ||
    zp_fail "zpool create $name"
  zp_cleanup "zp_destroy_pool '$name'"
  printf -v "$1" '%s' "$name"
}
zp_destroy_pool() {
  local i
  for i in 1 2 3 4 5; do
    zpool destroy -f "$1" 2>/dev/null && return 0
    sleep 0.5
  done
  zp_log "could not destroy pool $1"
  return 1
}

# zp_fill DATASET KB: writes a file of random data into a mounted dataset.
zp_fill() {
  local mp
  mp="$(zfs get -H -o value mountpoint "$1" 2>/dev/null || zfs get -H mountpoint "$1" | cut -f3)"
  head -c "$(($2 * 1024))" /dev/urandom >"$mp/file-$RANDOM-$RANDOM"
}

zp_snapshots() {  # short names of a dataset's snapshots, oldest first, space-separated
  zfs get -Hp -r -d 1 createtxg "$1" | awk -F'\t' -v fs="$1@" 'index($1, fs) == 1 { print $3 "\t" substr($1, length(fs) + 1) }' |
    sort -n | cut -f2 | paste -sd' ' -
}
zp_guid() { zfs get -Hp guid "$1" | cut -f3; }

# zp_start_sshd: a private sshd on a free 127.0.0.1 port, with generated host
# and client keys. Sets ZP_SSH_PORT, ZP_SSH_KEY, ZP_KNOWN_HOSTS.
zp_start_sshd() {
  local d="$ZP_TMP/ssh"
  mkdir -p "$d" /run/sshd
  chmod 700 "$d"
  [ -f "$d/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$d/host_ed25519" -C zpull-test-host
  [ -f "$d/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$d/client_ed25519" -C zpull-test-client
  cp "$d/client_ed25519.pub" "$d/authorized_keys"
  chmod 600 "$d/authorized_keys"
  local port attempt
  for attempt in $(seq 1 20); do
    port=$((20000 + (RANDOM % 20000)))
    cat >"$d/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $d/host_ed25519
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $d/sshd.pid
LogLevel ERROR
Subsystem sftp internal-sftp
CFG
    /usr/sbin/sshd -f "$d/sshd_config" -D -e 2>"$d/sshd.log" &
    local pid=$!
    local i
    for i in $(seq 1 30); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        ZP_SSH_PORT=$port
        ZP_SSH_PID=$pid
        zp_cleanup "kill $pid; wait $pid"
        ZP_SSH_KEY="$d/client_ed25519"
        ZP_KNOWN_HOSTS="$d/known_hosts"
        echo "[127.0.0.1]:$port $(cut -d' ' -f1-2 "$d/host_ed25519.pub")" >"$ZP_KNOWN_HOSTS"
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  zp_fail "could not start sshd: $(cat "$d/sshd.log")"
}

# zp_ssh_source_yaml NAME: a sources[] entry for the private sshd.
zp_ssh_source_yaml() {
  cat <<YAML
  - name: $1
    host: 127.0.0.1
    port: $ZP_SSH_PORT
    user: root
    identity_file: $ZP_SSH_KEY
    known_hosts: $ZP_KNOWN_HOSTS
YAML
}

zp_ensure_zfs_fuse
