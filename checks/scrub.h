#pragma once
// Scrub scheduling and findings: pure functions over a parsed pool status.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/pool_status.h"

namespace zpull::checks {

// Whether zpull should start a scrub: `every` is configured, none runs, and
// the last completed one is older than `every` (or there was none).
bool ScrubDue(const core::PoolStatus& status, std::int64_t now, std::optional<std::int64_t> every);

// The pool states zpull exports one series for (zpool's vdev states).
inline const std::vector<std::string> kPoolStates = {"ONLINE",  "DEGRADED", "FAULTED", "OFFLINE",
                                                     "UNAVAIL", "REMOVED",  "SUSPENDED"};

}  // namespace zpull::checks
