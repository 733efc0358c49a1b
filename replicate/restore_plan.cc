#include "replicate/restore_plan.h"

#include <algorithm>

namespace zpull::replicate {

core::Result<RestorePlan> PlanRestore(const core::SnapshotList& backup, const std::string& snapshot,
                                      const std::optional<core::SnapshotList>& target,
                                      std::optional<std::uint64_t> target_written) {
  if (backup.empty()) return core::Fail(core::Reason::kConfig, "the backup has no snapshots");
  auto chosen = snapshot.empty() ? backup.end() - 1
                                 : std::find_if(backup.begin(), backup.end(),
                                                [&](const core::SnapshotInfo& s) { return s.name == snapshot; });
  if (chosen == backup.end()) return core::Fail(core::Reason::kConfig, "the backup has no snapshot @" + snapshot);
  RestorePlan plan;
  plan.snapshot = *chosen;
  plan.target_exists = target.has_value();
  if (!target) {
    plan.sent = {chosen->name};
    return plan;
  }
  // The newest snapshot of the target that the backup has too, up to the chosen one.
  std::optional<std::size_t> common;  // index into *target
  for (std::size_t i = 0; i < target->size(); ++i) {
    const auto guid = (*target)[i].guid;
    auto in_backup = std::find_if(backup.begin(), chosen + 1, [&](const core::SnapshotInfo& s) { return s.guid == guid; });
    if (in_backup != chosen + 1) common = i;
  }
  if (!common) {
    // A full stream into an existing dataset replaces it.
    plan.needs_force = true;
    for (const auto& s : *target) plan.destroyed.push_back(s.name);
    plan.discards_changes = true;
    plan.sent = {chosen->name};
    return plan;
  }
  plan.base = (*target)[*common];
  for (std::size_t i = *common + 1; i < target->size(); ++i) plan.destroyed.push_back((*target)[i].name);
  const bool at_newest = *common + 1 == target->size();
  plan.discards_changes = at_newest && target_written.value_or(0) > 0;
  plan.needs_force = !plan.destroyed.empty() || plan.discards_changes;
  if (plan.base->guid == chosen->guid) {
    // Nothing to receive; going back to it is a rollback, not a restore.
    plan.kind = RestorePlan::Kind::kNothing;
    plan.later_on_target = plan.destroyed;
    plan.destroyed.clear();
    plan.needs_force = plan.discards_changes = false;
    return plan;
  }
  plan.kind = RestorePlan::Kind::kIncremental;
  bool after = false;
  for (auto it = backup.begin(); it != chosen + 1; ++it) {
    if (after) plan.sent.push_back(it->name);
    after = after || it->guid == plan.base->guid;
  }
  return plan;
}

std::string DescribeRestore(const std::string& from, const std::string& to, const RestorePlan& plan) {
  std::string out = "restore " + from + "@" + plan.snapshot.name + " -> " + to +
                    (plan.target_exists ? " (exists)" : " (does not exist: created)") + "\n";
  switch (plan.kind) {
    case RestorePlan::Kind::kNothing:
      out += "  nothing to send: the target has @" + plan.snapshot.name + " already\n";
      if (!plan.later_on_target.empty()) {
        out += "  the target has newer snapshots; `zfs rollback -r " + to.substr(to.find(':') + 1) + "@" +
               plan.snapshot.name + "` on it goes back (zpull restore does not roll back)\n";
      }
      break;
    case RestorePlan::Kind::kFull:
      out += "  send: full stream of @" + plan.snapshot.name + "\n";
      break;
    case RestorePlan::Kind::kIncremental:
      out += "  send: incremental from @" + plan.base->name + " with " + std::to_string(plan.sent.size()) +
             " snapshot(s):";
      for (const auto& s : plan.sent) out += " @" + s;
      out += "\n";
      break;
  }
  if (plan.needs_force) {
    out += "  receive -F would destroy on the target:";
    if (plan.kind == RestorePlan::Kind::kFull) out += " its current contents";
    for (const auto& s : plan.destroyed) out += " @" + s;
    if (plan.discards_changes && plan.kind != RestorePlan::Kind::kFull) out += " (and changes since its newest snapshot)";
    out += "\n";
  }
  return out;
}

}  // namespace zpull::replicate
