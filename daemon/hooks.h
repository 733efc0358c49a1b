#pragma once
// Per-dataset hooks: a pre-snapshot command (e.g. quiesce a database on the
// source) and a post-replication command (e.g. notify), each an argv run on
// this host or on the source, with a timeout and the cycle's facts in its
// environment (ZPULL_DATASET, ZPULL_SOURCE, ZPULL_SOURCE_DATASET, ZPULL_HOOK;
// after replication also ZPULL_RESULT=ok|failed, ZPULL_REASON,
// ZPULL_SNAPSHOT, ZPULL_BYTES). The environment is passed through env(1),
// so no shell is involved on either host.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "core/runner.h"

namespace zpull::daemon {

using HookEnv = std::vector<std::pair<std::string, std::string>>;

// Runs the hook to its end or its timeout (then it is stopped). A non-zero
// exit, a timeout or a command that cannot start fails with reason
// hook_failed, naming the hook and its first line of output.
core::Status RunHook(core::CommandRunner& runner, const std::string& name, const config::HookConfig& hook,
                     const HookEnv& env);

}  // namespace zpull::daemon
