#!/usr/bin/env bash
# zpull-guard as the forced command of zpull's key on a real sshd: zpull's
# whole cycle (full, incremental, compress: zstd), parity, a restore drill
# and source pruning work through it; other zfs verbs, other programs, shell
# metacharacters, extra arguments and an interactive login are refused, and
# nothing they name is touched.
ZP_TEST_NAME=guard
source "$(dirname "$0")/lib.sh"
: "${ZPULL_GUARD_BIN:?ZPULL_GUARD_BIN must point at zpull-guard}"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/data"
zfs create "$src/zdata"
zfs create -o mountpoint=none "$dst/b"
zp_fill "$src/data" 200
zp_fill "$src/zdata" 100
zfs create "$src/secret"
zfs snapshot "$src/secret@s1"
# What a hostile or careless source holds, for the drill to skip (issue 22).
mnt=$(zfs get -H -o value mountpoint "$src/data")
ln -s /etc "$mnt/escape"
ln -s ../../../../etc/hostname "$mnt/rel"
mkfifo "$mnt/fifo"
mknod "$mnt/null" c 1 3 2>/dev/null || zp_log "(no device node: the filesystem refuses mknod)"
zp_start_sshd
key=$(cat "$ZP_TMP/ssh/client_ed25519.pub")
mkdir -p "$ZP_TMP/drills" && chmod 0755 "$ZP_TMP/drills"
echo "command=\"$ZPULL_GUARD_BIN --drills --drill-prefix zpt_ --drill-dir $ZP_TMP/drills-src --zstd --destroy --snapshot-prefix zpt --datasets $src/data $src/zdata\",restrict $key" \
  >"$ZP_TMP/ssh/authorized_keys"

cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
source_retention: {keep_last: 2}
sources:
$(zp_ssh_source_yaml web1)
datasets:
  - source: web1
    source_dataset: $src/data
    destination: $dst/b/data
    drill: {directory: $ZP_TMP/drills, source_directory: $ZP_TMP/drills-src}
  - {source: web1, source_dataset: $src/zdata, destination: $dst/b/zdata, compress: zstd}
YAML
for round in 1 2 3; do
  out=$("$ZPULL_BIN" once --config "$cfg" 2>&1) || zp_fail "round $round through the guard: $out"
  zp_fill "$src/data" 10
done
zp_assert_contains "$out" "ok $dst/b/data incremental" "incremental through the guard"
zp_assert_contains "$out" "ok $dst/b/zdata incremental" "zstd pipeline through the guard"
zp_assert_eq 2 "$(zp_snapshots "$src/data" | wc -w)" "source pruning through the guard (--destroy)"
set +e
out=$("$ZPULL_BIN" verify --config "$cfg" 2>&1); rc=$?
set -e
# 1: the new backup pool has no scrub on record yet (a warning, not the guard's doing).
[ "$rc" -le 1 ] || zp_fail "verify through the guard: exit $rc: $out"
zp_assert_contains "$out" "OK $dst/b/data <- web1:$src/data" "parity through the guard"
out=$("$ZPULL_BIN" drill --config "$cfg" "$dst/b/data" 2>&1) || zp_fail "drill through the guard: $out"
zp_assert_contains "$out" "ok $dst/b/data" "drill passed"
# Symlinks, the FIFO (and the device node where it could be made) are
# skipped on both sides; no read blocked on the FIFO or left the snapshot.
skipped=$(printf '%s\n' "$out" | grep -o 'files_skipped=[0-9]*' | cut -d= -f2)
[ "${skipped:-0}" -ge 3 ] || zp_fail "drill skipped ${skipped:-?} entries, expected symlinks and the FIFO: $out"

zp_log "what the guard refuses"
ssh_raw() {  # the command line as zpull would send it, or anything else
  ssh -p "$ZP_SSH_PORT" -i "$ZP_SSH_KEY" -o UserKnownHostsFile="$ZP_KNOWN_HOSTS" -o BatchMode=yes root@127.0.0.1 "$@" 2>&1
}
refused() {  # command-line description
  local out rc
  set +e
  out=$(ssh_raw "$1")
  rc=$?
  set -e
  [ "$rc" = 126 ] || zp_fail "$2: exit $rc, expected 126 ($out)"
  zp_assert_contains "$out" "zpull-guard: refused:" "$2"
}
out=$(ssh_raw "'zpull-guard' 'version'") || zp_fail "zpull-guard version: $out"
zp_assert_eq "zpull-guard 3" "$out" "the guard answers its version"
zp_assert_eq "zpull-guard 3" "$("$ZPULL_GUARD_BIN" --version)" "zpull-guard --version"
first=$(zp_snapshots "$src/data" | awk '{print $1}')
refused "'zfs' 'destroy' '-r' '$src/data'" "zfs destroy -r"
refused "'zfs' 'destroy' '$src/data'" "destroying a filesystem"
refused "'zfs' 'rollback' '$src/data@$first'" "another zfs verb"
refused "'zfs' 'set' 'readonly=on' '$src/data'" "zfs set"
refused "'zfs' 'receive' '-F' '$src/data'" "a receive on the source"
refused "'zfs' 'snapshot' '$src/data@x1' '$src/zdata@x2'" "several snapshot names"
refused "'zfs' 'snapshot' '$src/data@x1' '$src/secret@x1'" "a dataset --datasets leaves out, among several"
refused "'zfs' 'snapshot' '-r' '$src@x1'" "-r of a root --datasets leaves out"
zfs create -o mountpoint=none "$src/zdata/kid"  # unmounted: zfs-fuse destroys it at once
refused "'zfs' 'snapshot' '-r' '$src/zdata@x1'" "-r of an admitted root over a child --datasets leaves out"
for fs in data zdata zdata/kid secret; do
  case " $(zp_snapshots "$src/$fs") " in *" x1 "* | *" x2 "*) zp_fail "a refused snapshot was made on $fs" ;; esac
done
zfs destroy "$src/zdata/kid"
refused "'zfs' 'send' '-R' '$src/data@$first'" "an option zpull does not use"
refused "'rm' '-rf' '$src'" "another program"
refused "'sha256sum' '-z' '--' '/etc/shadow'" "reading outside snapshots and drill clones"
refused "zfs list; touch $ZP_TMP/owned" "a semicolon"
refused "zfs list | sh" "a pipe"
refused "zfs list \$(touch $ZP_TMP/owned)" "command substitution"
refused "'sh' '-c' 'touch $ZP_TMP/owned' 'sh' 'zfs' 'send' '$src/data@$first'" "sh -c with another script"
refused "" "an interactive login"
# Issue 22: what guard 1 let a compromised backup host do.
refused "'zfs' 'destroy' '$src/data@manual-before-upgrade'" "a snapshot that is not zpull's"
refused "'zfs' 'destroy' '$src/data@zpt_a%zpt_z'" "a range of snapshots"
zfs create -o mountpoint=none "$src/zpt_drill_00000000000000cc"
refused "'zfs' 'destroy' '$src/zpt_drill_00000000000000cc'" "a drill-named filesystem that is no clone"
zfs list "$src/zpt_drill_00000000000000cc" >/dev/null || zp_fail "the drill-named filesystem is gone"
refused "'zfs' 'send' '$src/secret@s1'" "a send outside --datasets"
refused "'zfs' 'clone' '-o' 'readonly=on' '-o' 'mountpoint=$ZP_TMP/drills-src/zpt_drill_00000000000000bb' '$src/data@$first' '$src/zpt_drill_00000000000000bb'" "guard 1's clone (setuid, devices, exec on)"
refused "'zfs' 'clone' '-o' 'readonly=on' '-o' 'setuid=off' '-o' 'devices=off' '-o' 'exec=off' '-o' 'mountpoint=/etc/cron.d' '$src/data@$first' '$src/zpt_drill_00000000000000bb'" "a clone mounted outside the drill directory"
clone_dir="$ZP_TMP/drills-src/zpt_drill_00000000000000aa"
out=$(ssh_raw "'zfs' 'clone' '-o' 'readonly=on' '-o' 'setuid=off' '-o' 'devices=off' '-o' 'exec=off' '-o' 'mountpoint=$clone_dir' '$src/data@$first' '$src/zpt_drill_00000000000000aa'") ||
  zp_fail "the drill's clone through the guard: $out"
# (zfs-fuse mounts it read-write all the same: readonly reads "off temporary")
zp_assert_eq "off off off" "$(zfs get -H -o value setuid,devices,exec "$src/zpt_drill_00000000000000aa" | paste -sd' ' -)" "the clone's forced properties"
refused "'sha256sum' '-z' '--' '$clone_dir/escape/hostname'" "a read through an absolute symlink"
refused "'sha256sum' '-z' '--' '$clone_dir/rel'" "a read through a relative symlink"
refused "'sha256sum' '-z' '--' '$clone_dir/fifo'" "a read of a FIFO"
refused "'sha256sum' '-z' '--' '$clone_dir/../../../../etc/hostname'" "a read through .."
mkdir -p "$ZP_TMP/fake/.zfs/snapshot/s"
echo hi >"$ZP_TMP/fake/.zfs/snapshot/s/file"
refused "'sha256sum' '-z' '--' '$ZP_TMP/fake/.zfs/snapshot/s/file'" "a directory merely named like a snapshot"
out=$(ssh_raw "'sha256sum' '-z' '--' '$clone_dir/$(ls "$clone_dir" | grep -v -e escape -e rel -e fifo -e null | head -1)'") ||
  zp_fail "a regular file of the clone: $out"
destroy_probe() {  # as ZfsCli does on zfs-fuse: unmount first, retry while busy
  local i
  for i in 1 2 3 4 5 6; do
    ssh_raw "'zfs' 'unmount' '$src/zpt_drill_00000000000000aa'" >/dev/null || true
    out=$(ssh_raw "'zfs' 'destroy' '$src/zpt_drill_00000000000000aa'") && return 0
    sleep 0.5
  done
  zp_fail "destroying the drill's clone through the guard: $out"
}
destroy_probe
# The O_NOFOLLOW walk where the kernel lacks openat2, forced here.
sed -i "s|--datasets|--resolve-walk --datasets|" "$ZP_TMP/ssh/authorized_keys"
out=$(ssh_raw "'zfs' 'clone' '-o' 'readonly=on' '-o' 'setuid=off' '-o' 'devices=off' '-o' 'exec=off' '-o' 'mountpoint=$clone_dir' '$src/data@$first' '$src/zpt_drill_00000000000000aa'") ||
  zp_fail "the drill's clone through the guard: $out"
refused "'sha256sum' '-z' '--' '$clone_dir/escape/hostname'" "a read through an absolute symlink (walk)"
refused "'sha256sum' '-z' '--' '$clone_dir/rel'" "a read through a relative symlink (walk)"
refused "'sha256sum' '-z' '--' '$clone_dir/fifo'" "a read of a FIFO (walk)"
refused "'sha256sum' '-z' '--' '$clone_dir/../../../../etc/hostname'" "a read through .. (walk)"
destroy_probe
refused "'zfs' 'unmount' '$src/zpt_drill_00000000000000cc'" "unmounting a drill-named filesystem that is no clone"
refused "'zfs' 'destroy' '$src/data#release-2026'" "a bookmark that is not zpull's"
# A drill directory on the source that someone else could write to.
chown 65534 "$ZP_TMP/drills-src"
refused "'zfs' 'clone' '-o' 'readonly=on' '-o' 'setuid=off' '-o' 'devices=off' '-o' 'exec=off' '-o' 'mountpoint=$clone_dir' '$src/data@$first' '$src/zpt_drill_00000000000000aa'" "a clone into a drill directory not owned by root"
chown 0 "$ZP_TMP/drills-src"
[ -e "$ZP_TMP/owned" ] && zp_fail "a refused command ran"
zfs list -H -o name "$src/data" >/dev/null || zp_fail "the source dataset is gone"
zp_assert_eq 2 "$(zp_snapshots "$src/data" | wc -w)" "no snapshot of the source was touched"
out=$(ssh_raw "'zfs' 'list' '-H' '-o' 'name' '$src/data'") || zp_fail "an allowed command: $out"
zp_assert_eq "$src/data" "$out" "an allowed command runs"

zp_log "restore needs a receive, which the guard does not allow"
set +e
out=$("$ZPULL_BIN" restore --config "$cfg" "$dst/b/data" --to "web1:$src/restored" --yes 2>&1); rc=$?
set -e
zp_assert_eq 1 "$rc" "restore through the guard fails"
zp_assert_contains "$out" "zpull-guard: refused: zfs receive: only the probe" "the refusal reaches zpull"
