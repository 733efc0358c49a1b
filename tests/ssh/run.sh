#!/usr/bin/env bash
# Runs the SshRunner tests (the gtest binary $1) against a private sshd on
# 127.0.0.1 with generated keys; host keys are checked.
set -euo pipefail
ZP_TMP="$(mktemp -d /tmp/zpull-ssh-test.XXXXXX)"
source "$(dirname "$0")/../../scripts/lib/substrate.sh"
trap 'zp_run_cleanups; rm -rf "$ZP_TMP"' EXIT
zp_start_sshd
: >"$ZP_KNOWN_HOSTS.empty"
ZPULL_TEST_SSH_PORT=$ZP_SSH_PORT ZPULL_TEST_SSH_KEY=$ZP_SSH_KEY ZPULL_TEST_KNOWN_HOSTS=$ZP_KNOWN_HOSTS "$1"
