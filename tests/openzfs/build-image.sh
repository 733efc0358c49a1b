#!/usr/bin/env bash
# Builds (or finds in the cache) a QEMU image of Debian 12 with real
# OpenZFS 2.3 for zpull's OpenZFS test tier, from Debian packages only:
#   - the bookworm-backports kernel, and zfs.ko/spl.ko compiled here from
#     bookworm-backports' zfs-dkms against that kernel's headers (extracted
#     under the cache directory; nothing is installed into the host's
#     /usr/src or /lib/modules, and the host's apt sources are not touched:
#     a private apt configuration is passed to apt-get);
#   - a minbase root filesystem with systemd, openssh-server, zfsutils-linux
#     (pinned to backports to match the module) and the shared libraries the
#     host-built zpull links against (the guest is Debian 12 too).
# The image is cached in $ZPULL_OPENZFS_CACHE (default
# /var/cache/zpull-openzfs) under a key of the kernel and zfs package
# versions and this script's hash; a second run only prints the path.
#
# Prints "IMAGE_DIR=<dir>" last. Each step's wall time goes to stderr.
set -euo pipefail

CACHE=${ZPULL_OPENZFS_CACHE:-/var/cache/zpull-openzfs}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
JOBS=${JOBS:-$(nproc)}
WORK=$CACHE/work
mkdir -p "$WORK/apt/lists/partial" "$WORK/debs"

APTO=(-o Dir::Etc::sourcelist="$WORK/apt/sources.list" -o Dir::Etc::sourceparts=/dev/null
  -o Dir::State::Lists="$WORK/apt/lists" -o Dir::Cache::archives="$WORK/apt/archives")
mkdir -p "$WORK/apt/archives/partial"

t_total=$(date +%s)
step_start=0
step() { step_start=$(date +%s); echo "openzfs-image: $1 ..." >&2; }
step_done() { echo "openzfs-image: $1 took $(($(date +%s) - step_start))s" >&2; }
die() { echo "openzfs-image: ERROR: $*" >&2; exit 1; }

# ---- versions (resolved from bookworm-backports unless pinned)
step "resolving package versions"
cat >"$WORK/apt/sources.list" <<LIST
deb $MIRROR bookworm main contrib
deb $MIRROR bookworm-backports main contrib
LIST
apt-get "${APTO[@]}" update -q >"$WORK/apt-update.log" 2>&1 || die "apt-get update failed (see $WORK/apt-update.log)"
if [ -z "${KVER:-}" ]; then
  hv=$(apt-cache "${APTO[@]}" madison linux-headers-amd64 | awk -F'|' '/bookworm-backports/ { gsub(/ /, "", $2); print $2; exit }')
  [ -n "$hv" ] || die "no linux-headers-amd64 in bookworm-backports"
  KVER=$(apt-cache "${APTO[@]}" show "linux-headers-amd64=$hv" | sed -n 's/^Depends: linux-headers-\([^ ,]*\).*/\1/p' | head -1)
fi
if [ -z "${ZFS_DEB_VER:-}" ]; then
  ZFS_DEB_VER=$(apt-cache "${APTO[@]}" madison zfs-dkms | awk -F'|' '/bookworm-backports/ { gsub(/ /, "", $2); print $2; exit }')
fi
[ -n "$KVER" ] && [ -n "$ZFS_DEB_VER" ] || die "cannot resolve KVER/ZFS_DEB_VER from bookworm-backports"
script_hash=$(sha256sum "$0" | cut -c1-12)
KEY="k${KVER}-zfs${ZFS_DEB_VER}-s${script_hash}"
OUT=$CACHE/images/$KEY
step_done "resolving versions (KVER=$KVER ZFS_DEB_VER=$ZFS_DEB_VER)"

if [ -f "$OUT/ready" ]; then
  echo "openzfs-image: cached image $OUT" >&2
  echo "IMAGE_DIR=$OUT"
  exit 0
fi
rm -rf "$OUT.tmp"
mkdir -p "$OUT.tmp/keys"

# ---- keys: a fixed guest host key and a client key, part of the cached image
ssh-keygen -q -t ed25519 -N '' -C zpull-openzfs-client -f "$OUT.tmp/keys/id_ed25519"
ssh-keygen -q -t ed25519 -N '' -C zpull-openzfs-host -f "$OUT.tmp/keys/ssh_host_ed25519_key"
printf 'zpull-openzfs-vm %s\n' "$(cut -d' ' -f1,2 "$OUT.tmp/keys/ssh_host_ed25519_key.pub")" >"$OUT.tmp/keys/known_hosts"

# ---- zfs.ko and spl.ko for the guest kernel
MODS=$CACHE/modules/k${KVER}-zfs${ZFS_DEB_VER}
if [ ! -f "$MODS/zfs.ko" ]; then
  step "building zfs.ko $ZFS_DEB_VER for $KVER (about 11 minutes on 2 cores)"
  kcommon=${KVER%-amd64}
  rm -rf "$WORK/debs" "$WORK/kroot" "$WORK/build"
  mkdir -p "$WORK/debs" "$WORK/kroot" "$WORK/build"
  (cd "$WORK/debs" && apt-get "${APTO[@]}" download -q "linux-headers-$KVER" "linux-headers-$kcommon-common" \
    "linux-kbuild-$kcommon" "zfs-dkms=$ZFS_DEB_VER") >"$WORK/download.log" 2>&1 ||
    die "cannot download kernel headers or zfs-dkms (see $WORK/download.log)"
  for d in "$WORK"/debs/*.deb; do dpkg-deb -x "$d" "$WORK/kroot"; done
  ksrc=$WORK/kroot/usr/src
  # The arch headers include the -common tree by absolute path; point it here.
  sed -i "s#^include /usr/src/#include $ksrc/#" "$ksrc/linux-headers-$KVER/Makefile"
  # Without vmlinux, kbuild skips BTF for external modules (no pahole needed).
  rm -f "$ksrc/linux-headers-$KVER/vmlinux"
  cp -a "$(ls -d "$ksrc"/zfs-2.* | head -1)" "$WORK/build/zfs"
  (cd "$WORK/build/zfs" &&
    ./configure -q --disable-dependency-tracking --prefix=/usr --with-config=kernel \
      --with-linux="$ksrc/linux-headers-$kcommon-common" --with-linux-obj="$ksrc/linux-headers-$KVER" \
      >"$WORK/configure.log" 2>&1 || die "zfs configure failed (see $WORK/configure.log, build/build.log.config)"
    make -s -j"$JOBS" >"$WORK/make.log" 2>&1 || die "zfs make failed (see $WORK/make.log)")
  mkdir -p "$MODS.tmp"
  for m in spl zfs; do strip --strip-debug -o "$MODS.tmp/$m.ko" "$WORK/build/zfs/module/$m.ko"; done
  rm -rf "$MODS" && mv "$MODS.tmp" "$MODS"
  rm -rf "$WORK/build" "$WORK/kroot"
  step_done "zfs module build"
fi

# ---- root filesystem
step "root filesystem (mmdebstrap, about 2 minutes)"
ROOTFS=$WORK/rootfs
rm -rf "$ROOTFS"
keys=$OUT.tmp/keys
mmdebstrap --mode=root --variant=minbase \
  --aptopt='APT::Install-Recommends "false"' --aptopt='Acquire::Languages "none"' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --setup-hook='mkdir -p "$1/etc/apt/preferences.d"; printf "Package: zfsutils-linux zfs-zed libzfs* libzpool* libnvpair* libuutil*\nPin: release n=bookworm-backports\nPin-Priority: 990\n" > "$1/etc/apt/preferences.d/zfs-bpo.pref"' \
  --setup-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/etc/initramfs-tools/hooks"; printf "MODULES=list\nCOMPRESS=gzip\n" > "$1/etc/initramfs-tools/conf.d/zpull.conf"; printf "#!/bin/sh\n[ \"\$1\" = prereqs ] && exit 0\n. /usr/share/initramfs-tools/hook-functions\nmanual_add_modules crc32c_generic\nforce_load virtio_blk\nforce_load ext4\n" > "$1/etc/initramfs-tools/hooks/zpull"; chmod 755 "$1/etc/initramfs-tools/hooks/zpull"' \
  --include="systemd-sysv,udev,kmod,iproute2,procps,openssh-server,openssh-client,openssh-sftp-server,initramfs-tools,linux-image-$KVER,zfsutils-linux,libssh-4,libyaml-cpp0.7,libprometheus-cpp-core1.0,libcivetweb1,libspdlog1.10,libfmt9,curl,perl-base" \
  --customize-hook='echo zpull-openzfs-vm > "$1/etc/hostname"; printf "127.0.0.1 localhost\n127.0.1.1 zpull-openzfs-vm\n" > "$1/etc/hosts"' \
  --customize-hook='printf "/dev/vda / ext4 defaults,noatime 0 1\n" > "$1/etc/fstab"' \
  --customize-hook='mkdir -p "$1/etc/systemd/network"; printf "[Match]\nName=e*\n\n[Network]\nDHCP=ipv4\n" > "$1/etc/systemd/network/20-wired.network"; chroot "$1" systemctl enable systemd-networkd.service' \
  --customize-hook='chroot "$1" systemctl mask systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer dpkg-db-backup.timer getty@tty1.service zfs-load-module.service zfs-import-cache.service zfs-import-scan.service zfs-mount.service zfs-share.service zfs-zed.service zfs-volume-wait.service' \
  --customize-hook='chroot "$1" passwd -d root' \
  --customize-hook='rm -f "$1"/etc/ssh/ssh_host_*; install -m 600 '"$keys"'/ssh_host_ed25519_key "$1/etc/ssh/"; install -m 644 '"$keys"'/ssh_host_ed25519_key.pub "$1/etc/ssh/"; printf "HostKey /etc/ssh/ssh_host_ed25519_key\nUseDNS no\nPermitRootLogin prohibit-password\nMaxStartups 50\nMaxSessions 50\n" > "$1/etc/ssh/sshd_config.d/zpull.conf"; install -d -m 700 "$1/root/.ssh"; install -m 600 '"$keys"'/id_ed25519.pub "$1/root/.ssh/authorized_keys"' \
  bookworm "$ROOTFS" "deb $MIRROR bookworm main contrib" "deb $MIRROR bookworm-backports main contrib" \
  >"$WORK/mmdebstrap.log" 2>&1 || die "mmdebstrap failed (see $WORK/mmdebstrap.log)"
step_done "root filesystem"

# ---- disk image
step "disk image"
install -d "$ROOTFS/lib/modules/$KVER/updates/dkms"
cp "$MODS/spl.ko" "$MODS/zfs.ko" "$ROOTFS/lib/modules/$KVER/updates/dkms/"
depmod -b "$ROOTFS" "$KVER"
chroot "$ROOTFS" dpkg-query -W -f '${Package} ${Version}\n' >"$OUT.tmp/guest-packages.txt"
truncate -s 4G "$OUT.tmp/base.raw"
E2FSPROGS_FAKE_TIME=1700000000 mkfs.ext4 -q -F -L zpullvm -U 6f7a766d-0000-4000-8000-000000000001 \
  -E hash_seed=6f7a766d-0000-4000-8000-000000000002,root_owner=0:0 -d "$ROOTFS" "$OUT.tmp/base.raw"
cp "$ROOTFS/boot/vmlinuz-$KVER" "$OUT.tmp/vmlinuz"
cp "$ROOTFS/boot/initrd.img-$KVER" "$OUT.tmp/initrd.img"
printf 'KVER=%s\nZFS_DEB_VER=%s\n' "$KVER" "$ZFS_DEB_VER" >"$OUT.tmp/versions.env"
rm -rf "$ROOTFS"
touch "$OUT.tmp/ready"
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
step_done "disk image"
echo "openzfs-image: built $OUT in $(($(date +%s) - t_total))s" >&2
echo "IMAGE_DIR=$OUT"
