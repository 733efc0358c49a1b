#include "checks/replica_safety_check.h"

namespace zpull::checks {

std::vector<core::Result<SafetyReport>> RunReplicaSafety(
    core::Zfs& destination, const std::vector<SafetyTarget>& targets,
    const std::function<core::Result<bool>(const std::string& root)>& volmode) {
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
    auto fail = [&](const core::Error& e) {
      for (std::size_t i : at) out[i] = tl::unexpected(e);
    };
    auto fs = core::DatasetName::Parse(root);
    if (!fs) {
      fail(fs.error());
      continue;
    }
    auto with_volmode = volmode(root);
    if (!with_volmode) {
      fail(with_volmode.error());
      continue;
    }
    std::vector<core::DatasetProperties> listing;
    auto listed = destination.GetTreeProperties(*fs, SafetyProperties(*with_volmode));
    if (listed) {
      listing = std::move(*listed);
    } else if (listed.error().reason == core::Reason::kDestinationMissing) {
      // Missing only if it is: another "does not exist" must not read as safe.
      auto exists = destination.Exists(*fs);
      if (!exists || *exists) {
        fail(exists ? listed.error() : exists.error());
        continue;
      }
    } else {
      fail(listed.error());
      continue;
    }
    auto reports = CheckReplicaSafety(below, listing);
    for (std::size_t k = 0; k < at.size(); ++k) out[at[k]] = std::move(reports[k]);
  }
  return out;
}

}  // namespace zpull::checks
