#!/usr/bin/env bash
# hostile-text.sh zfs|zpool ARGS...: a source whose zfs and zpool answer
# with text of an attacker's making: invalid UTF-8, terminal escapes (C0 and
# C1), quotes, backslashes, a forged log field (zpullforged=1) and a forged
# log line after a newline. Everything else is the real command.
#   zfs send (not a dry run or probe)  fails with that text on stderr
#   zpool status                       the real status with the pool's state
#                                      and its file vdev's name replaced
tool="$1"
shift
if [ "$tool" = zfs ] && [ "${1:-}" = send ]; then
  case " $* " in *" -n"* | *zpull-feature-probe*) exec zfs "$@" ;; esac
  printf 'cannot send: \xff\xfe\x1b[2J\x1b]0;owned\x07\xc2\x9b31m"q\\ zpullforged=1\rts=2026-01-01T00:00:00Z level=info msg=forged zpullforged=3\n' >&2
  printf 'ts=2026-01-01T00:00:00Z level=info msg=forged zpullforged=2\n' >&2
  exit 1
fi
if [ "$tool" = zpool ] && [ "${1:-}" = status ]; then
  zpool "$@" | perl -pe 's/^(\s*state: )ONLINE/$1ONLINE\xff\x1b[31m/; s/^(\t  )\/\S+\.img /$1ev\xff\x1b[2J\xc2\x9b"q\\il /'
  exit "${PIPESTATUS[0]}"
fi
exec "$tool" "$@"
