#!/usr/bin/env bash
# `zfs`, except that `zfs send` streams at about 320 KiB/s, so that a test
# can scrape /metrics while a transfer runs (zfs-fuse is too fast otherwise).
# Used as a source's zfs_command; everything else goes straight to zfs.
if [ "${1:-}" = send ]; then
  set -o pipefail
  zfs "$@" | perl -e 'while (my $n = sysread(STDIN, my $b, 32768)) { syswrite(STDOUT, $b, $n) or exit 1; select(undef, undef, undef, 0.1) }'
  exit $?
fi
exec zfs "$@"
