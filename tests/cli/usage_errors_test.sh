#!/usr/bin/env bash
# A newcomer's first mistakes on the command line: each gets a few lines
# naming what was wrong (and the nearest right spelling), never the whole
# help, and exit status 2.
set -u
zpull=${1:?usage: $0 ZPULL_BINARY}
fail=0
check() {  # check WANT ARGS...: exit 2, at most 4 lines on stderr containing WANT, nothing on stdout
  local want=$1; shift
  local out err rc
  err=$("$zpull" "$@" 2>&1 >/dev/null); rc=$?
  out=$("$zpull" "$@" 2>/dev/null)
  if [ "$rc" != 2 ] || [ -n "$out" ] || [ "$(printf '%s\n' "$err" | wc -l)" -gt 4 ] || [[ "$err" != *"$want"* ]]; then
    echo "FAIL: zpull $*: rc=$rc stdout=[$out] stderr=[$err], wanted [$want]" >&2
    fail=1
  fi
}
check "unknown option '--dryrun' (did you mean '--dry-run'?)" once --dryrun
check "unknown option '-x'" once -x
check "unknown command 'onec' (did you mean 'once'?)" onec
check "zpull status: takes no arguments, got 'tank/home'" status tank/home
check "option '--textfile' needs a value" once --textfile
check "zpull drill: needs a DESTINATION" drill
check "See 'zpull once --help'" once --dryrun
# `once DATASET` is a selection now: an unknown one is named against the
# configuration, before any host is asked (this one does not exist).
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf 'lock_directory: %s\nsources: [{name: web1, host: web1.invalid, identity_file: /x, known_hosts: /x}]\n' "$dir" >"$dir/z.yml"
printf 'datasets: [{source: web1, source_dataset: tank/home, destination: backup/web1/home, recursive: true}]\n' >>"$dir/z.yml"
err=$(timeout 10 "$zpull" once --config "$dir/z.yml" backup/web1/hmoe 2>&1); rc=$?
if [ "$rc" != 2 ] || [[ "$err" != *"no configured destination 'backup/web1/hmoe' (did you mean 'backup/web1/home'?)"* ]]; then
  echo "FAIL: once with a mistyped destination: rc=$rc: $err" >&2
  fail=1
fi
check "option '--textfile' needs a value: --textfile PATH (--textfile=PATH for one that starts with '-')" once --textfile -x
exit $fail
