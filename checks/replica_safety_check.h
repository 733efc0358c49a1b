#pragma once
// One replica safety pass on the destination: one GetTreeProperties per
// destination root (checks/replica_safety.h), whatever the number of
// datasets below it.

#include <functional>
#include <vector>

#include "checks/replica_safety.h"
#include "core/zfs.h"

namespace zpull::checks {

// Reports in the order of `targets`. Where the listing's root does not
// exist (checked: nothing replicated there yet) nothing can harm: no unsafe
// properties. A failed listing, or a failed `volmode(root)` (whether the
// root's pool has the property), fails the targets below that root.
std::vector<core::Result<SafetyReport>> RunReplicaSafety(
    core::Zfs& destination, const std::vector<SafetyTarget>& targets,
    const std::function<core::Result<bool>(const std::string& root)>& volmode);

}  // namespace zpull::checks
