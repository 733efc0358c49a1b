#!/usr/bin/env bash
# hung-zfs.sh PIDFILE ZFS-ARGS...: a source whose `zfs` never answers (as a
# hung zfs-fuse daemon, a stuck pool or an attacker would). Each call waits
# two minutes and gives up; its PID goes to PIDFILE so the test can end it.
echo $$ >>"$1"
exec sleep 120
