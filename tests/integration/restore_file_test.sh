#!/usr/bin/env bash
# zpull restore --file/--list/--versions on real zfs-fuse: a file, a
# directory tree, the snapshots in which a file differs, a symlink out of
# the dataset (copied as a link), a setuid file (copied without the bit), a
# FIFO (refused), an existing target (refused without --overwrite), and
# SIGINT during a large copy (the clone destroyed, no half-written file).
# No scratch clone is left after any of them.
ZP_TEST_NAME=restore_file
source "$(dirname "$0")/lib.sh"

zp_test_pool src s 640M
zp_test_pool dst d 640M
zfs create "$src/data"
zfs create -o mountpoint=none "$dst/b"
mp=$(zfs get -H mountpoint "$src/data" | cut -f3)
mkdir -p "$mp/home/alice/docs/deep" "$mp/big"
echo "version one" >"$mp/home/alice/notes.txt"
for f in a b c; do echo "$f" >"$mp/home/alice/docs/$f.txt"; done
echo deep >"$mp/home/alice/docs/deep/d.txt"
echo "outside" >"$ZP_TMP/secret"
ln -s "$ZP_TMP/secret" "$mp/home/alice/escape"
printf '#!/bin/sh\n' >"$mp/home/alice/suid"
chmod 4755 "$mp/home/alice/suid"
mkfifo "$mp/home/alice/pipe"
touch -d 2026-01-02T03:04:05Z "$mp/home/alice/notes.txt"
head -c $((200 * 1024 * 1024)) /dev/urandom >"$mp/big/blob"
cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
drill: {directory: $ZP_TMP/drills}
sources: [{name: here, host: local}]
datasets:
  - {source: here, source_dataset: $src/data, destination: $dst/b/data}
YAML
once() { "$ZPULL_BIN" once --config "$cfg" >/dev/null || zp_fail "replication failed"; }
once
first=$(zp_snapshots "$dst/b/data" | awk '{print $1}')
sleep 1.1
echo "version two, longer" >"$mp/home/alice/notes.txt"
once
sleep 1.1
once  # nothing changed in notes.txt
[ "$(zp_snapshots "$dst/b/data" | wc -w)" -ge 3 ] || zp_fail "three snapshots expected: $(zp_snapshots "$dst/b/data")"
leftovers() { zfs list -H -o name | grep -c "_restore_" || true; }
restore() {  # restore ARGS...: output in $out, exit status in $rc
  rc=0
  out=$("$ZPULL_BIN" restore --config "$cfg" "$@" 2>&1) || rc=$?
  zp_assert_eq 0 "$(leftovers)" "no scratch clone left after: restore $*"
}
into="$ZP_TMP/into"
mkdir -p "$into"

zp_log "a file from the first snapshot, with its time"
restore --file /home/alice/notes.txt --into "$into" "$dst/b/data@$first"
zp_assert_eq 0 "$rc" "exit: $out"
zp_assert_eq "version one" "$(cat "$into/notes.txt")" "the old version"
zp_assert_eq "$(date -d 2026-01-02T03:04:05Z +%s)" "$(stat -c %Y "$into/notes.txt")" "its modification time"
zp_assert_contains "$out" "restored home/alice/notes.txt from $dst/b/data@$first (taken " "the report names the snapshot"
zp_assert_contains "$out" "1 files (12 B)" "the report's size"

zp_log "an existing target: refused, then --overwrite"
restore --file home/alice/notes.txt --into "$into" "$dst/b/data"
zp_assert_eq 1 "$rc" "exit for an existing target: $out"
zp_assert_contains "$out" "$into/notes.txt exists (--overwrite replaces it)" "named"
zp_assert_eq "version one" "$(cat "$into/notes.txt")" "not replaced"
restore --file home/alice/notes.txt --into "$into" --overwrite "$dst/b/data"
zp_assert_eq 0 "$rc" "exit with --overwrite: $out"
zp_assert_eq "version two, longer" "$(cat "$into/notes.txt")" "the newest version (no @SNAPSHOT)"

zp_log "the versions of a file"
restore --versions home/alice/notes.txt "$dst/b/data"
zp_assert_eq 0 "$rc" "versions: $out"
zp_assert_eq 2 "$(grep -c '^  @' <<<"$out")" "two versions of three snapshots: $out"
zp_assert_contains "$out" "@$first  taken" "the first"
zp_assert_contains "$out" "regular file 20 bytes" "the second's size"
zp_assert_contains "$out" "(changed)" "marked changed"

zp_log "a directory tree, with a symlink out, a setuid file and a FIFO in it"
restore --file home/alice --into "$into" "$dst/b/data"
zp_assert_eq 1 "$rc" "a FIFO in the tree: partly restored: $out"
zp_assert_contains "$out" "PARTLY restored home/alice" "said"
zp_assert_contains "$out" "REFUSED FIFO  alice/pipe" "the FIFO named"
zp_assert_eq "deep" "$(cat "$into/alice/docs/deep/d.txt")" "the tree's depth"
[ -L "$into/alice/escape" ] || zp_fail "the symlink out was not copied as a link"
zp_assert_eq "$ZP_TMP/secret" "$(readlink "$into/alice/escape")" "the link's target as text"
zp_assert_eq 755 "$(stat -c %a "$into/alice/suid")" "setuid dropped"
zp_assert_contains "$out" "(setuid/setgid/sticky bits dropped)" "said"
[ ! -e "$into/alice/pipe" ] || zp_fail "the FIFO was made"

zp_log "a FIFO named itself: refused"
restore --file home/alice/pipe --into "$into" "$dst/b/data"
zp_assert_eq 1 "$rc" "exit: $out"
zp_assert_contains "$out" "home/alice/pipe is a FIFO: only files, directories and symlinks are restored" "named"

zp_log "--list"
restore --list /home/alice "$dst/b/data"
zp_assert_eq 0 "$rc" "exit: $out"
for n in "docs/" "notes.txt" "escape" "suid" "pipe"; do zp_assert_contains "$out" "  $n  " "listed: $n"; done

zp_log "a path through the symlink out: refused"
restore --file home/alice/escape/x --into "$into" "$dst/b/data"
zp_assert_eq 1 "$rc" "exit: $out"
zp_assert_contains "$out" "a component is a symlink" "named"

zp_log "Ctrl-C (SIGINT to the whole process group, as a terminal sends it) during a large copy"
# zpull leads its own process group with SIGINT at its default, as from a terminal.
perl -e 'use POSIX; setpgid(0, 0); $SIG{INT} = "DEFAULT"; exec @ARGV or die' \
  "$ZPULL_BIN" restore --config "$cfg" --file big/blob --into "$into" "$dst/b/data" >"$ZP_TMP/big.out" 2>&1 &
pid=$!
for _ in $(seq 1 200); do
  ls -a "$into" | grep -q '^\.blob\.zpull-restore-' && break
  sleep 0.05
done
ls -a "$into" | grep -q '^\.blob\.zpull-restore-' || zp_fail "the copy never started: $(cat "$ZP_TMP/big.out")"
kill -INT -- "-$pid"
rc=0
wait "$pid" || rc=$?
zp_assert_eq 130 "$rc" "exit after SIGINT: $(cat "$ZP_TMP/big.out")"
zp_assert_contains "$(cat "$ZP_TMP/big.out")" "INTERRUPTED big/blob" "said"
zp_assert_eq 0 "$(leftovers)" "the clone destroyed after SIGINT"
[ -z "$(ls -a "$into" | grep blob)" ] || zp_fail "a half-written file left: $(ls -a "$into")"
