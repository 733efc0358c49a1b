#pragma once
// One replica safety pass on the destination: one GetTreeProperties per
// destination root (checks/replica_safety.h), whatever the number of
// datasets below it.

#include <functional>
#include <vector>

#include "checks/replica_safety.h"
#include "core/zfs.h"

namespace zpull::checks {

// Reports in the order of `targets`. A target whose root does not exist
// (never replicated) has nothing to harm: no unsafe properties. A failed
// listing fails the targets below its root. `volmode(root)`: whether the
// root's pool has the property.
std::vector<core::Result<SafetyReport>> RunReplicaSafety(core::Zfs& destination,
                                                         const std::vector<SafetyTarget>& targets,
                                                         const std::function<bool(const std::string& root)>& volmode);

}  // namespace zpull::checks
