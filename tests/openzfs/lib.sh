# Host-side helpers for the OpenZFS tier (sourced, bash). One VM per test
# run: vm_fixture.sh setup boots it and writes $OZ_STATE/vm.env; scenarios
# source this file and talk to the guest over one multiplexed SSH connection.
#
# A scenario is a few lines:
#   source "$(dirname "$0")/lib.sh"
#   oz_pool src; oz_pool dst
#   g zfs create "$src/data"
#   ...assert with oz_assert_eq / oz_assert_contains...

set -euo pipefail
OZ_STATE=${OZ_STATE:?OZ_STATE must name the VM state directory}
[ -f "$OZ_STATE/vm.env" ] || { echo "openzfs: no running VM ($OZ_STATE/vm.env missing; did the setup fixture fail?)" >&2; exit 1; }
# shellcheck disable=SC1091
source "$OZ_STATE/vm.env"  # OZ_SSH_PORT OZ_METRICS_PORT OZ_QEMU_PID OZ_KEYS

OZ_SSH=(ssh -p "$OZ_SSH_PORT" -i "$OZ_KEYS/id_ed25519" -o HostKeyAlias=zpull-openzfs-vm
  -o UserKnownHostsFile="$OZ_KEYS/known_hosts" -o StrictHostKeyChecking=yes -o BatchMode=yes
  -o ConnectTimeout=20 -o ControlPath="$OZ_STATE/ssh.ctl" -o ControlMaster=no root@127.0.0.1)

# g ARGV...: runs argv in the guest (each argument quoted for the remote shell).
g() {
  local q=() a
  for a in "$@"; do q+=("$(printf '%q' "$a")"); done
  "${OZ_SSH[@]}" -- "${q[*]}"
}
# gsh 'shell text': runs a shell snippet in the guest.
gsh() { "${OZ_SSH[@]}" -- "$1"; }

OZ_NAME=${OZ_NAME:-scenario}
OZ_TAG="oz$$r${RANDOM}"
OZ_POOLS=()
oz_log() { printf '[openzfs %s] %s\n' "$OZ_NAME" "$*" >&2; }
oz_fail() { oz_log "ASSERTION FAILED: $*"; exit 1; }
oz_assert_eq() { [ "$1" = "$2" ] || oz_fail "$3: expected [$1], got [$2]"; }
oz_assert_contains() { case "$1" in *"$2"*) ;; *) oz_fail "$3: [$2] not found in: $1" ;; esac; }

# oz_pool VAR: a fresh file-backed pool in the guest, destroyed on exit.
oz_pool() {
  local name="${OZ_TAG}$1"
  gsh "truncate -s 512M /var/tmp/$name.img && zpool create -m /var/tmp/mnt/$name $name /var/tmp/$name.img" ||
    oz_fail "cannot create pool $name in the guest"
  OZ_POOLS+=("$name")
  printf -v "$1" '%s' "$name"
}
oz_on_exit() {
  local rc=$? p
  for p in "${OZ_POOLS[@]}"; do g zpool destroy -f "$p" >/dev/null 2>&1 || oz_log "could not destroy $p"; g rm -f "/var/tmp/$p.img" || true; done
  [ "$rc" -eq 0 ] && oz_log passed || oz_log FAILED
  exit "$rc"
}
trap oz_on_exit EXIT

oz_snapshots() {  # short names oldest first, as in the zfs-fuse tests
  g zfs list -Hp -t snapshot -o name,createtxg -s createtxg "$1" 2>/dev/null | awk -F'\t' '{ sub(/^[^@]*@/, "", $1); print $1 }' | paste -sd' ' -
}
oz_fill() { gsh "head -c $(($2 * 1024)) /dev/urandom > \"\$(zfs get -H -o value mountpoint '$1')/f-\$RANDOM\""; }

# A zpull config source entry for the guest's own sshd (zpull runs in the
# guest and pulls from the guest over SSH).
oz_ssh_source_yaml() {
  cat <<YAML
  - name: $1
    host: 127.0.0.1
    port: 22
    identity_file: /root/.ssh/zpull_id
    known_hosts: /root/.ssh/zpull_known_hosts
YAML
}
