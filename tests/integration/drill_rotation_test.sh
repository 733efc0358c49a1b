#!/usr/bin/env bash
# Drills rotate and name each file's outcome (issue 25), on zfs-fuse with a
# local source that stays idle (`snapshot: false`: every drill takes the
# same snapshot, as an idle source does):
#   - 50 files, 20 per drill, one of them damaged on the backup pool (its
#     data block overwritten in the vdev: reading it is EIO): the three
#     drills of one rotation (20, 20, 10 files) read every file once, the
#     one that samples the damaged file fails with io_error naming it and
#     still reads and compares the rest of its sample, the others pass;
#   - covered=20/50, 40/50, 50/50, kept in zpull:drill_covered; the fourth
#     drill starts a new rotation.
ZP_TEST_NAME=drill_rotation
source "$(dirname "$0")/lib.sh"

zp_test_pool src s
zp_test_pool dst d
zfs create "$src/data"
zfs create -o mountpoint=none "$dst/b"
mp=$(zfs get -H mountpoint "$src/data" | cut -f3)
# Incompressible-looking text, a marker per file: the damaged file's block
# is found in the backup pool's vdev by its marker.
for i in $(seq 1 50); do
  { printf 'ZPULL-ROTATION-MARKER-%02d-' "$i"; head -c 96000 /dev/urandom | base64 -w0; } >"$mp/file$i.txt"
done
zfs snapshot "$src/data@s1"
cfg="$ZP_TMP/zpull.yml"
cat >"$cfg" <<YAML
snapshot_prefix: zpt
lock_directory: $ZP_TMP/locks
cache_directory: $ZP_TMP/cache
drill: {sample_files: 20, directory: $ZP_TMP/drills, source_directory: $ZP_TMP/srcdrills}
sources: [{name: here, host: local}]
datasets:
  - {source: here, source_dataset: $src/data, destination: $dst/b/data, snapshot: false}
YAML
"$ZPULL_BIN" once --config "$cfg" >/dev/null || zp_fail "replication failed"

zp_log "file27's data block overwritten on the backup pool"
img="$ZP_TMP/$dst.img"
zpool export "$dst"
offset=$(grep -obUa 'ZPULL-ROTATION-MARKER-27-' "$img" | head -1 | cut -d: -f1)
[ -n "$offset" ] || zp_fail "marker of file27 not found in $img"
dd if=/dev/zero of="$img" bs=1 seek="$offset" count=4096 conv=notrunc status=none
zpool import -d "$ZP_TMP" "$dst" >/dev/null || zp_fail "cannot import $dst again"

declare -A seen=()
failed_drills=0
for drill in 1 2 3; do
  set +e
  out=$("$ZPULL_BIN" drill --config "$cfg" "$dst/b/data" 2>"$ZP_TMP/drill.err")
  rc=$?
  set -e
  summary=$(head -1 <<<"$out")
  n=$((drill < 3 ? 20 : 10))  # the third reads the last 10
  zp_log "drill $drill: ${summary%%:*}"
  zp_assert_contains "$summary" "covered=$((drill < 3 ? drill * 20 : 50))/50" "drill $drill coverage"
  [ "$drill" -eq 1 ] && zp_assert_contains "$summary" "rotation=new" "the first drill starts a rotation"
  while read -r verdict path rest; do
    [ -n "${seen[$path]:-}" ] && zp_fail "drill $drill read $path again within the rotation"
    seen[$path]=$verdict
  done < <(tail -n +2 <<<"$out")
  zp_assert_eq "$n" "$(($(wc -l <<<"$out") - 1))" "drill $drill lists its $n files"
  if grep -q '^  unreadable file27.txt: Input/output error (destination)$' <<<"$out"; then
    failed_drills=$((failed_drills + 1))
    zp_assert_eq 1 "$rc" "the drill that read file27 fails"
    zp_assert_contains "$summary" "FAILED $dst/b/data reason=io_error" "io_error"
    # The rest of its sample was still read and compared.
    zp_assert_contains "$summary" "files_mismatched=0 files_unreadable=1" "one unreadable file, nothing else wrong"
    zp_assert_eq $((n - 1)) "$(grep -c '^  verified ' <<<"$out")" "the other $((n - 1)) files verified"
    zp_assert_contains "$summary" "files_verified=$((n - 1))/50" "files_verified counts them"
    zp_assert_contains "$summary" "file27.txt: unreadable: Input/output error" "the message names the file"
  else
    zp_assert_eq 0 "$rc" "drill $drill passes: $out $(cat "$ZP_TMP/drill.err")"
    zp_assert_eq "$n" "$(grep -c '^  verified ' <<<"$out")" "drill $drill verified $n files"
  fi
done
zp_assert_eq 50 "${#seen[@]}" "every file read once in three drills"
zp_assert_eq 1 "$failed_drills" "the damaged file was caught in exactly one drill"
zp_assert_eq "50/50" "$(zfs get -H -o value zpull:drill_covered "$dst/b/data")" "coverage kept on the destination"
[ "$(zfs get -H -o value zpull:drill_rotation "$dst/b/data" | tr -cd , | wc -c)" = 2 ] || zp_fail "three segments kept on the destination: $(zfs get -H -o value zpull:drill_rotation "$dst/b/data")"

zp_log "the fourth drill starts a new rotation"
set +e
out=$("$ZPULL_BIN" drill --config "$cfg" "$dst/b/data" 2>/dev/null)
set -e
zp_assert_contains "$(head -1 <<<"$out")" "covered=" "fourth drill's coverage"
zp_assert_contains "$(head -1 <<<"$out")" "rotation=new" "a new rotation"
zp_assert_contains "$(head -1 <<<"$out")" "/50" "over the same 50 files"
zp_log "passed"
