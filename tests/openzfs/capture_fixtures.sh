#!/usr/bin/env bash
# Records OpenZFS outputs that zpull parses, as fixtures for the unit tests:
#   OZ_STATE=<dir> vm_fixture.sh setup; OZ_STATE=<dir> capture_fixtures.sh OUTDIR; vm_fixture.sh cleanup
# Format of tests/fixtures (docs/zfs-dialects.md, "Fixture format"): a header, then per command
# '$ cmd', stdout, '[stderr] …' lines and '[exit N]'.
OZ_NAME=capture
source "$(dirname "$0")/lib.sh"
out=${1:?usage: capture_fixtures.sh OUTDIR}
mkdir -p "$out"
ver=$(g zfs version | head -1 | sed 's/^zfs-//; s/-.*//')

capture() {  # file command-text
  local file="$out/$1.openzfs-$ver.txt" cmd=$2
  {
    echo "\$ $cmd"
    gsh "$cmd" 2>"$out/.err" && rc=0 || rc=$?
    sed 's/^/[stderr] /' "$out/.err"
    echo "[exit $rc]"
  } >>"$file"
}
header() {
  echo "# source: CAPTURED by tests/openzfs/capture_fixtures.sh on OpenZFS $(g zfs version | paste -sd' ' -), Debian 12 guest (QEMU/TCG), $(date -u +%Y-%m-%d)" >"$out/$1.openzfs-$ver.txt"
  echo "# $2" >>"$out/$1.openzfs-$ver.txt"
}

oz_pool p
g zfs create "$p/rep"
g zfs create "$p/rep/child"
oz_fill "$p/rep" 64
g zfs snapshot "$p/rep@s1"
oz_fill "$p/rep" 64
g zfs snapshot "$p/rep@s 2"
g zfs snapshot "$p/rep@syncoid_x_2026-11-27:06:08:12-GMT00:00"
g zfs hold keep "$p/rep@s1"
g zfs set zpull:common=1795780800 "$p/rep@s 2"

header zfs-get-Hp-r-d1-guid-createtxg-creation-userrefs "portable snapshot enumeration: the fs, its snapshots and its child appear; names may contain spaces"
capture zfs-get-Hp-r-d1-guid-createtxg-creation-userrefs "zfs get -Hp -r -d 1 guid,createtxg,creation,userrefs '$p/rep'"
header zfs-get-Hp-r-d1-user-property "a user property on snapshots: set (local) vs unset (-) vs the fs"
capture zfs-get-Hp-r-d1-user-property "zfs get -Hp -r -d 1 zpull:common '$p/rep'"

header zfs-destroy-held "destroying a held snapshot, then releasing an absent tag"
capture zfs-destroy-held "zfs destroy '$p/rep@s1'"
capture zfs-destroy-held "zfs release nosuchtag '$p/rep@s1'"
capture zfs-destroy-held "zfs hold keep '$p/rep@s1'"

header zfs-recv-errors "receive failures zpull classifies"
g zfs send "$p/rep@s1" >/dev/null
gsh "zfs send '$p/rep@s1' | zfs recv -u '$p/dst'"
gsh "zfs set mountpoint=/var/tmp/mnt/dst-mounted '$p/dst'; zfs mount '$p/dst' 2>/dev/null; touch /var/tmp/mnt/dst-mounted/x && sync"
capture zfs-recv-errors "zfs send -i @s1 '$p/rep@s 2' | zfs recv -u '$p/dst'"
gsh "zfs rollback '$p/dst@s1'; zfs unmount '$p/dst'"
capture zfs-recv-errors "zfs send '$p/rep@s1' | zfs recv -u '$p/dst'"
capture zfs-recv-errors "zfs send -i @s1 '$p/rep@s 2' | zfs recv -u '$p/missing'"
capture zfs-recv-errors "zfs send '$p/rep@s 2' | head -c 20000 | zfs recv -u '$p/trunc'"
capture zfs-recv-errors "zfs send -i @nosuch '$p/rep@s 2' > /dev/null"
capture zfs-recv-errors "zfs destroy '$p/rep@nosuch'"

header zfs-feature-probes "the probes zpull runs (by trying)"
capture zfs-feature-probes "zfs version"
capture zfs-feature-probes "zfs receive -n -u '$p/zpull-feature-probe-nonexistent' < /dev/null"
capture zfs-feature-probes "zfs receive -n -s '$p/zpull-feature-probe-nonexistent' < /dev/null"
capture zfs-feature-probes "zfs send -nvP '$p/zpull-feature-probe-nonexistent@probe'"
capture zfs-feature-probes "zfs bookmark 2>&1 | head -3"
capture zfs-feature-probes "zfs list -H -p -o name -d 0 '$p'"
rm -f "$out/.err"
sed -i "s/$p/POOL/g" "$out"/*.openzfs-"$ver".txt
ls -la "$out"
