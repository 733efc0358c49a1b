#include "checks/replica_safety_check.h"

namespace zpull::checks {

std::vector<core::Result<SafetyReport>> RunReplicaSafety(core::Zfs& destination,
                                                         const std::vector<SafetyTarget>& targets,
                                                         const std::function<bool(const std::string& root)>& volmode) {
  std::vector<core::Result<SafetyReport>> out(targets.size());
  for (const auto& root : SafetyRoots(targets)) {
    std::vector<SafetyTarget> below;
    std::vector<std::size_t> at;
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const std::string& d = targets[i].dataset;
      if (d == root || d.starts_with(root + "/")) {
        below.push_back(targets[i]);
        at.push_back(i);
      }
    }
    std::vector<core::DatasetProperties> listing;
    auto fs = core::DatasetName::Parse(root);
    auto listed = fs ? destination.GetTreeProperties(*fs, SafetyProperties(volmode(root)))
                     : core::Result<std::vector<core::DatasetProperties>>(tl::unexpected(fs.error()));
    if (!listed && listed.error().reason != core::Reason::kDestinationMissing) {
      for (std::size_t i : at) out[i] = tl::unexpected(listed.error());
      continue;
    }
    if (listed) listing = std::move(*listed);
    auto reports = CheckReplicaSafety(below, listing);
    for (std::size_t k = 0; k < at.size(); ++k) out[at[k]] = std::move(reports[k]);
  }
  return out;
}

}  // namespace zpull::checks
