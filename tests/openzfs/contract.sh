#!/usr/bin/env bash
# The ZFS adapter's contract suite (the one the fake and zfs-fuse pass) on
# OpenZFS 2.3, including the probe's expectations for every feature.
OZ_NAME=contract
source "$(dirname "$0")/lib.sh"
oz_pool pool
gsh "ZPULL_CONTRACT_POOL=$pool ZPULL_CONTRACT_BACKEND=openzfs /opt/zpull/zfs_contract_test" ||
  oz_fail "contract suite failed on OpenZFS"
