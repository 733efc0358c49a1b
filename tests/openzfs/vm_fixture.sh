#!/usr/bin/env bash
# ctest fixture for the OpenZFS tier.
#   setup:   builds or reuses the cached image (build-image.sh), boots it
#            under QEMU/TCG with SSH and the metrics port forwarded to free
#            loopback ports, loads the zfs module, and copies in zpull, the
#            contract test binary and an SSH identity for guest-local pulls.
#   cleanup: powers the guest off (then kills QEMU by its PID if need be).
# Fails with a clear message if any of it cannot be done; never skips.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
OZ_STATE=${OZ_STATE:?}
mkdir -p "$OZ_STATE"

source "$here/../../scripts/lib/substrate.sh"  # zp_free_port
t() { date +%s; }

setup() {
  local t0 image
  t0=$(t)
  image=$("$here/build-image.sh" | sed -n 's/^IMAGE_DIR=//p') || { echo "openzfs: image build failed" >&2; exit 1; }
  [ -n "$image" ] || { echo "openzfs: build-image.sh printed no image" >&2; exit 1; }
  echo "openzfs: image $image ready after $(($(t) - t0))s"
  # A guest that dies while booting (seen once in CI: QEMU gone after 8 s,
  # nothing in its log) gets one more boot; its console says why.
  boot "$image" || { echo "openzfs: booting once more" >&2; boot "$image"; } || exit 1
  # One multiplexed connection for every later command (cold SSH costs ~1 s under TCG).
  "${ssh_base[@]}" -o ControlMaster=yes -o ControlPath="$OZ_STATE/ssh.ctl" -o ControlPersist=yes -N -f
  source "$here/lib.sh"
  trap - EXIT
  t0=$(t)
  g modprobe zfs || { echo "openzfs: modprobe zfs failed in the guest" >&2; exit 1; }
  echo "openzfs: zfs module loaded in $(($(t) - t0))s: $(g zfs version | paste -sd' ' -)"
  g mkdir -p /opt/zpull
  scp -q -P "$OZ_SSH_PORT" -i "$image/keys/id_ed25519" -o HostKeyAlias=zpull-openzfs-vm \
    -o UserKnownHostsFile="$image/keys/known_hosts" -o StrictHostKeyChecking=yes -o BatchMode=yes \
    -o ControlPath="$OZ_STATE/ssh.ctl" "${ZPULL_BIN:?}" "${ZPULL_CONTRACT_BIN:?}" ${ZPULL_GUARD_BIN:+"$ZPULL_GUARD_BIN"} \
    root@127.0.0.1:/opt/zpull/
  g /opt/zpull/zpull --version
  gsh 'ssh-keygen -q -t ed25519 -N "" -f /root/.ssh/zpull_id && cat /root/.ssh/zpull_id.pub >> /root/.ssh/authorized_keys &&
       echo "127.0.0.1 $(cut -d" " -f1-2 /etc/ssh/ssh_host_ed25519_key.pub)" > /root/.ssh/zpull_known_hosts'
}

# Boots a fresh overlay of $1 and waits for its SSH; sets ssh_base and
# writes vm.env. Returns 1 (with the console's tail) if QEMU exits or SSH
# does not come up.
boot() {
  local image=$1 t0
  rm -f "$OZ_STATE"/overlay.qcow2 "$OZ_STATE"/vm.env "$OZ_STATE"/ssh.ctl
  qemu-img create -q -f qcow2 -F raw -b "$image/base.raw" "$OZ_STATE/overlay.qcow2"
  local ssh_port metrics_port
  ssh_port=$(zp_free_port)
  metrics_port=$(zp_free_port)
  t0=$(t)
  setsid qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m 2048 \
    -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
    -append 'root=/dev/vda rw console=ttyS0 net.ifnames=0 panic=-1' \
    -drive "file=$OZ_STATE/overlay.qcow2,if=virtio,cache=unsafe" \
    -nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$ssh_port-:22,hostfwd=tcp:127.0.0.1:$metrics_port-:9720" \
    -device virtio-rng-pci -display none -serial "file:$OZ_STATE/console.log" -no-reboot \
    </dev/null >"$OZ_STATE/qemu.log" 2>&1 &
  local pid=$!
  cat >"$OZ_STATE/vm.env" <<ENV
OZ_SSH_PORT=$ssh_port
OZ_METRICS_PORT=$metrics_port
OZ_QEMU_PID=$pid
OZ_KEYS=$image/keys
ENV
  source "$OZ_STATE/vm.env"
  ssh_base=(ssh -p "$ssh_port" -i "$image/keys/id_ed25519" -o HostKeyAlias=zpull-openzfs-vm
    -o UserKnownHostsFile="$image/keys/known_hosts" -o StrictHostKeyChecking=yes -o BatchMode=yes
    -o ConnectTimeout=10 root@127.0.0.1)
  local up=0
  for _ in $(seq 1 90); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "openzfs: qemu exited after $(($(t) - t0))s: $(tail -5 "$OZ_STATE/qemu.log"); console: $(tail -20 "$OZ_STATE/console.log")" >&2
      return 1
    fi
    if "${ssh_base[@]}" true 2>/dev/null; then up=1; break; fi
    sleep 2
  done
  if [ "$up" != 1 ]; then
    echo "openzfs: guest SSH did not come up; console: $(tail -20 "$OZ_STATE/console.log")" >&2
    kill "$pid" 2>/dev/null || true
    return 1
  fi
  echo "openzfs: guest SSH up after $(($(t) - t0))s"
}

cleanup() {
  [ -f "$OZ_STATE/vm.env" ] || return 0
  source "$OZ_STATE/vm.env"
  if [ -S "$OZ_STATE/ssh.ctl" ]; then
    ssh -o ControlPath="$OZ_STATE/ssh.ctl" -O exit root@127.0.0.1 2>/dev/null || true
  fi
  ssh -p "$OZ_SSH_PORT" -i "$OZ_KEYS/id_ed25519" -o HostKeyAlias=zpull-openzfs-vm \
    -o UserKnownHostsFile="$OZ_KEYS/known_hosts" -o StrictHostKeyChecking=yes -o BatchMode=yes \
    -o ConnectTimeout=10 root@127.0.0.1 systemctl poweroff >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do kill -0 "$OZ_QEMU_PID" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$OZ_QEMU_PID" 2>/dev/null; then
    echo "openzfs: guest did not power off; killing qemu pid $OZ_QEMU_PID"
    kill "$OZ_QEMU_PID" 2>/dev/null || true
  fi
  rm -f "$OZ_STATE/overlay.qcow2" "$OZ_STATE/vm.env"
  echo "openzfs: guest stopped"
}

case "${1:-}" in
  setup) setup ;;
  cleanup) cleanup ;;
  *) echo "usage: $0 setup|cleanup" >&2; exit 2 ;;
esac
