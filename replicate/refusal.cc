#include "replicate/refusal.h"

namespace zpull::replicate {
namespace {

bool PoolRoot(const core::DatasetName& d) { return d.str().find('/') == std::string::npos; }

std::string Snapshots(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "@" : ", @") + n;
  return out;
}

}  // namespace

std::optional<core::Error> Refusal(const Plan& plan, const RefusalPolicy& job) {
  const std::string& dst = job.destination.str();
  switch (plan.kind) {
    case PlanKind::kDiverged:
      if (job.force_on_divergence) return std::nullopt;
      return core::Error{core::Reason::kDiverged,
                         DescribePlan(plan) + "; force_on_divergence: true would destroy " + Snapshots(plan.conflicts) +
                             " on " + dst + " (and roll it back to @" + plan.newest_common->name +
                             "), or destroy them yourself"};
    case PlanKind::kNoCommonSnapshot:
      if (PoolRoot(job.destination)) {
        return core::Error{core::Reason::kNoCommonSnapshot,
                           DescribePlan(plan) + "; " + dst +
                               " is a pool's root, which zpull does not receive over: choose a destination below "
                               "it (" + dst + "/…)"};
      }
      return core::Error{core::Reason::kNoCommonSnapshot,
                         DescribePlan(plan) + "; receive into a new destination, or after checking " + dst +
                             " rename or destroy it (with " + Snapshots(plan.conflicts) + ") to start over"};
    case PlanKind::kSend:
      if (!plan.needs_force || job.force) return std::nullopt;
      if (PoolRoot(job.destination)) {
        return core::Error{core::Reason::kNoCommonSnapshot,
                           "destination " + dst + " is a pool's root without snapshots, which zpull does not "
                           "receive over: choose a destination below it (" + dst + "/…)"};
      }
      return core::Error{core::Reason::kNoCommonSnapshot,
                         "destination " + dst + " exists but has no snapshots; a full receive would overwrite it: "
                         "choose a destination that does not exist, or set force: true to overwrite it"};
    case PlanKind::kNothing:
      return std::nullopt;
  }
  return std::nullopt;
}

core::Error ModifiedRefusal(const core::DatasetName& destination, const std::string& newest,
                            const std::string& written) {
  return core::Error{core::Reason::kDestinationModified,
                     "destination " + destination.str() + " was modified since its newest snapshot @" + newest +
                         " (written " + written + "); rollback_destination: true rolls it back to @" + newest +
                         " before each receive, discarding those changes"};
}

bool NothingWritten(const std::string& written) { return written == "0" || written == "0B" || written == "-"; }

core::Error MissingPoolRefusal(const core::DatasetName& destination) {
  return core::Error{core::Reason::kDestinationMissing,
                     "destination pool " + destination.Pool() + " does not exist on this host (zpool list shows "
                     "the pools): create or import it, or correct the destination " + destination.str()};
}

core::Error WaitingForParentRefusal(const core::DatasetName& destination, const core::DatasetName& parent) {
  return core::Error{core::Reason::kDestinationMissing,
                     "parent " + parent.str() + " is replicated by its own cycle and not received yet; " +
                         destination.str() + " waits for it (a container in its place would block its first "
                         "receive); it follows once " + parent.str() + " has been received"};
}

}  // namespace zpull::replicate
