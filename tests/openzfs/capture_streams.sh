#!/usr/bin/env bash
# Records real OpenZFS `zfs send` streams for the stream check's tests
# (tests/fixtures/streams, replicate/stream_check.h):
#   OZ_STATE=<dir> vm_fixture.sh setup; OZ_STATE=<dir> capture_streams.sh OUTDIR; vm_fixture.sh cleanup
# Writes OUTDIR/zfs-send-<kind>.openzfs-<version>.zstream and
# OUTDIR/streams.openzfs-<version>.guids ("name guid" per snapshot).
OZ_NAME=capture-streams
source "$(dirname "$0")/lib.sh"
out=${1:?usage: capture_streams.sh OUTDIR}
mkdir -p "$out"
ver=$(g zfs version | head -1 | sed 's/^zfs-//; s/-.*//')
oz_pool p
ds="$p/data"
g zfs create "$ds"
g zfs create "$ds/child"
oz_fill "$ds" 32
g zfs snapshot -r "$ds@a"
oz_fill "$ds" 32
g zfs snapshot "$ds@b"
oz_fill "$ds" 32
g zfs snapshot "$ds@c"
gsh "printf 'zpull-capture-key-0123456789' > /var/tmp/$p.key"
g zfs create -o encryption=on -o keyformat=passphrase -o "keylocation=file:///var/tmp/$p.key" "$p/enc"
oz_fill "$p/enc" 32
g zfs snapshot "$p/enc@a"
# A receive cut short leaves a resume token; `send -t` continues it.
oz_fill "$ds" 512
g zfs snapshot "$ds@big"
gsh "zfs send '$ds@big' | head -c 300000 | zfs recv -s -u '$p/partial'" || true
token=$(g zfs get -H -o value receive_resume_token "$p/partial")
[ -n "$token" ] && [ "$token" != - ] || oz_fail "no resume token after a cut receive"

save() {  # kind shell-text
  gsh "$2" >"$out/zfs-send-$1.openzfs-$ver.zstream" || oz_fail "capture $1: $2"
}
save full "zfs send '$ds@a'"
save inc-i "zfs send -i @a '$ds@b'"
save inc-I "zfs send -I @a '$ds@c'"
save full-p "zfs send -p '$ds@a'"
save inc-p-I "zfs send -p -I @a '$ds@c'"
save inc-p-i "zfs send -p -i @b '$ds@c'"
save rep-R "zfs send -R '$ds@a'"
save raw "zfs send -w '$p/enc@a'"
save resumed "zfs send -t '$token'"
g zfs get -H -o name,value -p guid "$ds@a" "$ds@b" "$ds@c" "$ds@big" "$p/enc@a" |
  sed "s|^$p/||" >"$out/streams.openzfs-$ver.guids"
echo "pool $p" >>"$out/streams.openzfs-$ver.guids"
g rm -f "/var/tmp/$p.key"
oz_log "streams in $out"
