# Real-parts substrate shared by the demo and the integration tests (bash,
# sourced): the zfs-fuse daemon, file-backed pools, a private sshd.
#
# Politeness rules: zfs-fuse is one per machine, so a running one is used and
# one is started only when none runs; pools get unique names; everything
# made is registered with zp_cleanup and removed by zp_run_cleanups, newest
# first; processes are ended only by the PIDs recorded here.
#
# Callers set ZP_TMP (a private directory) before using these functions.

ZP_CLEANUPS=()
zp_cleanup() { ZP_CLEANUPS+=("$1"); }
zp_run_cleanups() {
  local i
  for ((i = ${#ZP_CLEANUPS[@]} - 1; i >= 0; i--)); do
    eval "${ZP_CLEANUPS[$i]}" >/dev/null 2>&1 || echo "cleanup failed: ${ZP_CLEANUPS[$i]}" >&2
  done
  ZP_CLEANUPS=()
}

zp_zfs_ready() { zpool list >/dev/null 2>&1; }

# Starts zfs-fuse unless one runs. Sets ZP_ZFS_FUSE_STARTED_PID when it
# started one. $1: the pidfile to use (default $ZP_TMP/zfs-fuse.pid).
zp_ensure_zfs_fuse() {
  ZP_ZFS_FUSE_STARTED_PID=
  zp_zfs_ready && return 0
  local pidfile="${1:-$ZP_TMP/zfs-fuse.pid}" i
  # A daemon that is still starting has its socket already: give it time.
  # (A zfs-fuse process without our socket, e.g. the host's seen from a
  # chroot, is not ours to use.)
  if [ -S /var/run/zfs/zfs_socket ] && pgrep -x zfs-fuse >/dev/null; then
    for i in $(seq 1 25); do
      zp_zfs_ready && return 0
      sleep 0.2
    done
  fi
  mkdir -p /var/run/zfs /var/lock/zfs
  # zfs-fuse refuses to start over a pidfile left by a dead daemon.
  if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then rm -f "$pidfile"; fi
  /sbin/zfs-fuse --pidfile "$pidfile" || return 1
  ZP_ZFS_FUSE_STARTED_PID=$(cat "$pidfile")
  for i in $(seq 1 50); do
    zp_zfs_ready && return 0
    sleep 0.2
  done
  echo "zfs-fuse (pid $ZP_ZFS_FUSE_STARTED_PID) does not answer" >&2
  return 1
}

# Stops a zfs-fuse this script started, unless pools remain (somebody's).
zp_stop_zfs_fuse_if_started() {
  [ -n "${ZP_ZFS_FUSE_STARTED_PID:-}" ] || return 0
  if [ -n "$(zpool list -H -o name 2>/dev/null)" ]; then
    echo "pools remain; leaving zfs-fuse (pid $ZP_ZFS_FUSE_STARTED_PID) running" >&2
    return 0
  fi
  kill "$ZP_ZFS_FUSE_STARTED_PID" 2>/dev/null || true
  local i
  for i in $(seq 1 50); do
    kill -0 "$ZP_ZFS_FUSE_STARTED_PID" 2>/dev/null || break
    sleep 0.2
  done
}

# zp_make_pool VAR NAME [SIZE] [MOUNTPOINT]: a pool on a file in $ZP_TMP,
# name stored in VAR, destroyed at cleanup. MOUNTPOINT "none" keeps it
# unmounted. (Not in a subshell: the cleanup is registered in this shell.)
zp_make_pool() {
  local name="$2" size="${3:-256M}" mp="${4:-$ZP_TMP/mnt/$2}"
  truncate -s "$size" "$ZP_TMP/$name.img"
  zpool create -m "$mp" "$name" "$ZP_TMP/$name.img" >/dev/null 2>&1 || {
    echo "zpool create $name failed" >&2
    return 1
  }
  zp_cleanup "zp_destroy_pool '$name'"
  printf -v "$1" '%s' "$name"
}
zp_destroy_pool() {
  local i
  for i in 1 2 3 4 5 6 7 8; do
    zpool destroy -f "$1" 2>/dev/null && return 0
    zpool list "$1" >/dev/null 2>&1 || return 0
    sleep 0.5
  done
  echo "could not destroy pool $1" >&2
  return 1
}

# zp_fill DATASET KB: writes a file of random data into a mounted dataset.
zp_fill() {
  local mp
  mp="$(zfs get -H mountpoint "$1" | cut -f3)"
  head -c "$(($2 * 1024))" /dev/urandom >"$mp/file-$RANDOM-$RANDOM"
}

# zp_start_sshd: a private sshd on a free 127.0.0.1 port with generated host
# and client keys (kept across restarts in $ZP_TMP/ssh). Sets ZP_SSH_PORT,
# ZP_SSH_PID, ZP_SSH_KEY, ZP_KNOWN_HOSTS. ZP_SSHD_EXTRA: more sshd_config
# lines (the benchmarks fix the cipher with it). Its sessions start with
# SHLVL=1, so bash does not source the login user's ~/.bashrc for each
# command (Debian's bash does that for SSH commands at SHLVL 0): a machine's
# interactive rc (pyenv init took 1.7 s per command on the CI machine) must
# not decide whether a test's 2 s command_timeout or 30 s wait holds.
zp_start_sshd() {
  local d="$ZP_TMP/ssh"
  mkdir -p "$d" /run/sshd
  chmod 700 "$d"
  [ -f "$d/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$d/host_ed25519" -C zpull-host
  [ -f "$d/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$d/client_ed25519" -C zpull-client
  cp "$d/client_ed25519.pub" "$d/authorized_keys"
  chmod 600 "$d/authorized_keys"
  local port attempt pid i
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
SetEnv SHLVL=1
${ZP_SSHD_EXTRA:-}
CFG
    /usr/sbin/sshd -f "$d/sshd_config" -D -e 2>"$d/sshd.log" &
    pid=$!
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
  echo "could not start sshd: $(cat "$d/sshd.log")" >&2
  return 1
}

# zp_ssh_source_yaml NAME [extra YAML lines]: a sources[] entry for the sshd.
zp_ssh_source_yaml() {
  cat <<YAML
  - name: $1
    host: 127.0.0.1
    port: $ZP_SSH_PORT
    user: root
    identity_file: $ZP_SSH_KEY
    known_hosts: $ZP_KNOWN_HOSTS
YAML
  [ -z "${2:-}" ] || printf '%s\n' "$2"
}

# zp_free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
zp_free_port() {
  local p
  while :; do
    p=$((20000 + (RANDOM % 20000)))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
