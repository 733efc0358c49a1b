#!/usr/bin/env bash
# faulty-zfs.sh FAULT_FILE ZFS-ARGS...: `zfs`, except that the first
# `zfs send` after FAULT_FILE appears misbehaves as FAULT_FILE says, then
# FAULT_FILE is removed (the fault happens once):
#   die     the sender exits 1 after 256 KiB of stream (a sender dying mid-stream)
#   corrupt byte 200000 of the stream is flipped (a corrupt stream; exit 0)
# Used as a source's zfs_command ([faulty-zfs.sh, FAULT_FILE]) in the fault suite.
fault_file="$1"
shift
# zpull's feature probes and estimates (send -n…, a nonexistent name) are
# not the send to spoil.
real_send() {
  [ "${1:-}" = send ] || return 1
  case " $* " in *" -n"* | *zpull-feature-probe*) return 1 ;; esac
}
if real_send "$@" && [ -f "$fault_file" ]; then
  fault="$(cat "$fault_file")"
  rm -f "$fault_file"
  set -o pipefail
  case "$fault" in
    die)
      zfs "$@" | head -c 262144
      exit 1
      ;;
    corrupt)
      zfs "$@" | perl -e 'my $pos = 0; while (my $n = sysread(STDIN, my $b, 65536)) {
          if ($pos <= 200000 && 200000 < $pos + $n) { my $i = 200000 - $pos; substr($b, $i, 1) = chr(ord(substr($b, $i, 1)) ^ 0xff) }
          $pos += $n; syswrite(STDOUT, $b, $n) or exit 1 }'
      exit $?
      ;;
  esac
fi
exec zfs "$@"
