#!/usr/bin/env bash
# Runs the ZFS contract suite against a fresh zfs-fuse pool (and the fake).
ZP_TEST_NAME=zfs_contract
ZPULL_BIN=${ZPULL_BIN:-unused}
source "$(dirname "$0")/../integration/lib.sh"
zp_test_pool pool c
ZPULL_CONTRACT_POOL="$pool" "$1"
