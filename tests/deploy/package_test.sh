#!/usr/bin/env bash
# The service files and the Debian package: systemd-analyze verify on the
# unit; sh -n and shellcheck on the FreeBSD rc.d script (untested on
# FreeBSD); the .deb's metadata; `apt-get install ./zpull_*.deb` in a fresh
# Debian 12 root (mmdebstrap minbase, nothing else installed), where zpull
# runs, validates the shipped example config, and serves /metrics over TLS
# without libssl-dev (its libssl.so shims).
# Needs: root, network (Debian mirror), ZPULL_BIN, ZPULL_DEB.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
: "${ZPULL_BIN:?}" "${ZPULL_DEB:?}"
tmp="$(mktemp -d /var/tmp/zpull-package.XXXXXX)"
pid=
cleanup() {
  [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  for m in proc dev; do mountpoint -q "$tmp/root/$m" && umount -l "$tmp/root/$m"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }

echo "systemd unit"
sed "s|/usr/bin/zpull|$ZPULL_BIN|g" "$root/deploy/systemd/zpull.service" >"$tmp/zpull.service"
systemd-analyze verify "$tmp/zpull.service" || fail "systemd-analyze verify"
echo "FreeBSD rc.d script (syntax only)"
sh -n "$root/deploy/freebsd/zpull" || fail "sh -n"
# SC1091: /etc/rc.subr is FreeBSD's; SC2034: rc.subr reads these variables.
shellcheck -s sh -e SC1091,SC2034 "$root/deploy/freebsd/zpull" || fail "shellcheck"

echo "package metadata"
info=$(dpkg-deb -I "$ZPULL_DEB")
for want in "Package: zpull" "zfsutils-linux | zfs-fuse" "libcivetweb1" "libssh-4" "Recommends: zstd"; do
  case "$info" in *"$want"*) ;; *) fail "control lacks '$want': $info" ;; esac
done
files=$(dpkg-deb -c "$ZPULL_DEB" | awk '{print $6}')
for want in ./usr/bin/zpull ./usr/lib/systemd/system/zpull.service ./usr/lib/zpull/libssl.so ./usr/lib/zpull/libcrypto.so \
  ./usr/lib/zpull/zpull-guard ./usr/share/doc/zpull/zpull.example.yml ./usr/share/zpull/dashboards/zpull.json \
  ./usr/share/zpull/alerts/zpull.rules.yml ./usr/share/man/man1/zpull.1.gz ./usr/share/man/man5/zpull.yml.5.gz; do
  grep -qx "$want" <<<"$files" || fail "the package lacks $want"
done

echo "man pages: groff reads them without a warning, and they say what --help says"
mkdir -p "$tmp/deb"
dpkg-deb -x "$ZPULL_DEB" "$tmp/deb"
for page in man1/zpull.1.gz man5/zpull.yml.5.gz; do
  warnings=$(zcat "$tmp/deb/usr/share/man/$page" | groff -k -man -Tutf8 -ww -z 2>&1)
  [ -z "$warnings" ] || fail "groff warns about $page: $warnings"
done
manpage=$(MANWIDTH=200 man -l "$tmp/deb/usr/share/man/man1/zpull.1.gz" 2>/dev/null)
synopsis=$("$tmp/deb/usr/bin/zpull" once --help | head -1 | sed 's/^usage: //')
grep -qF -- "$synopsis" <<<"$manpage" || fail "zpull(1) lacks once's synopsis from --help: $synopsis"
confpage=$(MANWIDTH=200 man -l "$tmp/deb/usr/share/man/man5/zpull.yml.5.gz" 2>/dev/null)
grep -qF "stall_timeout: 10m" <<<"$confpage" || fail "zpull.yml(5) lacks the example's keys"

echo "a fresh Debian 12 root"
mmdebstrap --quiet --variant=minbase bookworm "$tmp/root" >"$tmp/mmdebstrap.log" 2>&1 || fail "mmdebstrap: $(tail -5 "$tmp/mmdebstrap.log")"
cp "$ZPULL_DEB" "$tmp/root/tmp/"
mount -t proc proc "$tmp/root/proc"
mount --bind /dev "$tmp/root/dev"
in_root() { chroot "$tmp/root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
# Services that packages would start are not wanted in the root.
printf '#!/bin/sh\nexit 101\n' >"$tmp/root/usr/sbin/policy-rc.d"
chmod +x "$tmp/root/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$tmp/root/etc/resolv.conf" 2>/dev/null || true
in_root apt-get update -q >"$tmp/apt.log" 2>&1 || fail "apt-get update in the root: $(tail -5 "$tmp/apt.log")"
in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$ZPULL_DEB")" >"$tmp/apt.log" 2>&1 ||
  fail "apt-get install of the package: $(tail -15 "$tmp/apt.log")"
in_root dpkg -s libssl-dev >/dev/null 2>&1 && fail "libssl-dev came along; the shim test means nothing"
in_root zpull --version | grep -q '^zpull 0' || fail "zpull --version in the root"
# (check-config reads the key files the example names: there, as after the README's set-up.)
mkdir -p "$tmp/root/etc/zpull" && touch "$tmp/root/etc/zpull/id_ed25519" "$tmp/root/etc/zpull/known_hosts"
in_root zpull check-config /usr/share/doc/zpull/zpull.example.yml || fail "the shipped example config"
rm -r "$tmp/root/etc/zpull"
[ "$(readelf -d "$tmp/root/usr/bin/zpull" | grep -c 'RPATH.*\[/usr/lib/zpull\]')" = 1 ] || fail "zpull's RPATH"

echo "TLS in the root, without libssl-dev"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/root/tmp/k.pem" \
  -out "$tmp/root/tmp/c.pem" -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
printf 'tls_server_config:\n  cert_file: /tmp/c.pem\n  key_file: /tmp/k.pem\n' >"$tmp/root/tmp/web.yml"
printf 'listen: 127.0.0.1:1\nlock_directory: /tmp/locks\nsources: []\ndatasets: []\n' >"$tmp/root/tmp/zpull.yml"
port=$((20000 + RANDOM % 20000))
chroot "$tmp/root" /usr/bin/zpull run --config /tmp/zpull.yml --web.listen-address "127.0.0.1:$port" \
  --web.config.file /tmp/web.yml >"$tmp/run.log" 2>&1 &
pid=$!
for _ in $(seq 1 50); do
  curl -sf --cacert "$tmp/root/tmp/c.pem" "https://127.0.0.1:$port/metrics" -o "$tmp/metrics" && break
  sleep 0.2
done
grep -q '^zpull_build_info{' "$tmp/metrics" 2>/dev/null || fail "no metrics over TLS from the installed package: $(cat "$tmp/run.log")"
echo "package: ok"
