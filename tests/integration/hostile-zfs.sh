#!/usr/bin/env bash
# hostile-zfs.sh MODE_FILE ZFS-ARGS...: a source whose `zfs` was replaced by
# an attacker's. Everything is real `zfs` except the send zpull asks for,
# which is answered as MODE_FILE says (no file: honestly):
#   replicate   `zfs send -R` of the asked snapshot (children, their props)
#   other-props `zfs send -p` of the dataset named in OTHER (MODE_FILE's 2nd line)
#   imposter    the asked snapshot destroyed and taken anew, then sent (same name, another guid)
#   full        a full send of the asked target where an incremental was asked
#   extra       a snapshot @extra taken now, and `-I` from the asked base to it
# Used as a source's zfs_command ([hostile-zfs.sh, MODE_FILE]).
mode_file="$1"
shift
asked_send() {
  [ "${1:-}" = send ] || return 1
  case " $* " in *" -n"* | *zpull-feature-probe*) return 1 ;; esac
}
if ! asked_send "$@" || [ ! -f "$mode_file" ]; then exec zfs "$@"; fi
mode=$(sed -n 1p "$mode_file")
other=$(sed -n 2p "$mode_file")
target="${!#}"                 # the last argument: FS@SNAP
fs="${target%@*}"
base=
prev=
for a in "$@"; do
  if [ "$prev" = -I ] || [ "$prev" = -i ]; then base="$a"; fi
  prev="$a"
done
case "$mode" in
  replicate) exec zfs send -R "$target" ;;
  other-props) exec zfs send -p "$other@${target#*@}" ;;
  imposter)
    zfs destroy "$target" >&2 && zfs snapshot "$target" >&2 || exit 1
    exec zfs send "$target"
    ;;
  full) exec zfs send "$target" ;;
  extra)
    zfs snapshot "$fs@extra" >&2 || exit 1
    exec zfs send -I "$base" "$fs@extra"
    ;;
esac
echo "hostile-zfs.sh: unknown mode '$mode'" >&2
exit 2
