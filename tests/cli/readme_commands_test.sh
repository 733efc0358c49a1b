#!/usr/bin/env bash
# The README's two set-up commands work as written for root (no sudo on a
# minimal Debian or in a container) and for a user with sudo: they carry
# no sudo themselves; run by a user, each script asks sudo to run it as
# root, and says what to do where there is no sudo.
set -uo pipefail
repo=${1:?usage: $0 REPO}
fail() { echo "FAIL: $*"; exit 1; }
command_after() {  # the first indented line after a heading
  awk -v h="$1" '$0 == h { found = 1; next } found && /^    [^ ]/ { sub(/^    /, ""); print; exit }' "$repo/README.md"
}
demo=$(command_after "## See it work (Debian 12)")
tests=$(command_after "## Run the tests (Debian 12)")
[ "$demo" = "bash scripts/demo.sh" ] || fail "the README's demo command: [$demo]"
[ "$tests" = "bash scripts/test.sh" ] || fail "the README's test command: [$tests]"
grep -qx 'exec bash scripts/test.sh' "$repo/.ci/run" || fail ".ci/run does not run the README's test command"

# What the README, the example configuration and `zpull help` each say
# must agree: the key's path, the textfile path, the status page's URL.
key=$(sed -n "s|.*ssh-keygen .* -f \([^ ]*\).*|\1|p" "$repo/README.md" | head -1)
grep -q "identity_file: $key\$" "$repo/deploy/zpull.example.yml" || fail "the README's key $key is not the example's identity_file"
grep -q "identity_file: $key\$" "$repo/README.md" || fail "the README's key $key is not its configuration's"
help_textfile=$(grep -o -- '--textfile /[^ ]*' "$repo/cli/commands.cc" | head -1)
grep -qF -- "$help_textfile" "$repo/README.md" || fail "the README lacks zpull help's textfile path ($help_textfile)"
[ "$(grep -o -- '--textfile /[^ ]*' "$repo/README.md" | sort -u | wc -l)" = 1 ] || fail "the README names two textfile paths"
listen=$(sed -n 's/^listen: //p' "$repo/deploy/zpull.example.yml")
grep -qF "http://$listen/)" "$repo/README.md" || fail "the README does not give the status page's URL http://$listen/"

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
  echo "ok: the commands (the user cases need root and setpriv)"
  exit 0
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
mkdir -p "$dir/scripts" "$dir/with-sudo" "$dir/without-sudo"
cp "$repo/scripts/demo.sh" "$repo/scripts/test.sh" "$dir/scripts/"
chmod 755 "$dir/scripts" "$dir/scripts/"*
for d in with-sudo without-sudo; do ln -s "$(command -v id)" "$dir/$d/id"; done
printf '#!/bin/sh\necho "SUDO $*"\n' >"$dir/with-sudo/sudo"
chmod 755 "$dir/with-sudo" "$dir/without-sudo" "$dir/with-sudo/sudo"
as_user() {  # as_user PATH SCRIPT ARGS...
  local path=$1; shift
  (cd "$dir" && setpriv --reuid=nobody --regid=nogroup --clear-groups env -i PATH="$path" "$BASH" "$@" 2>&1)
}
for script in scripts/demo.sh scripts/test.sh; do
  out=$(as_user "$dir/with-sudo" "$script" --port 1); rc=$?
  [ "$rc" = 0 ] && [ "$out" = "SUDO bash $script --port 1" ] || fail "$script as a user with sudo: exit $rc: $out"
  out=$(as_user "$dir/without-sudo" "$script"); rc=$?
  [ "$rc" = 2 ] && [[ "$out" == *"run as root"*"no sudo"* ]] || fail "$script as a user without sudo: exit $rc: $out"
done
echo "ok: the README's commands, for root and for a user with or without sudo"
