#include "replicate/plan.h"

#include <unordered_map>

namespace zpull::replicate {

Plan PlanReplication(const core::SnapshotList& source, const std::optional<core::SnapshotList>& destination,
                     InitialMode initial, const core::SnapshotList& source_bookmarks) {
  Plan plan;
  if (source.empty()) return plan;  // nothing to send (yet)

  if (!destination || destination->empty()) {
    plan.kind = PlanKind::kSend;
    plan.needs_force = destination.has_value();
    if (initial == InitialMode::kAll && source.size() > 1) {
      plan.steps.push_back({std::nullopt, source.front().name, true});
      plan.steps.push_back({source.front().name, source.back().name, true});
    } else {
      plan.steps.push_back({std::nullopt, source.back().name, true});
    }
    return plan;
  }

  std::unordered_map<std::uint64_t, std::size_t> source_index;
  for (std::size_t i = 0; i < source.size(); ++i) source_index[source[i].guid] = i;

  std::unordered_map<std::uint64_t, std::size_t> bookmark_index;
  for (std::size_t i = 0; i < source_bookmarks.size(); ++i) bookmark_index[source_bookmarks[i].guid] = i;

  const auto& dst = *destination;
  std::size_t common_dst = dst.size();
  for (std::size_t i = dst.size(); i-- > 0;) {
    if (source_index.count(dst[i].guid) || bookmark_index.count(dst[i].guid)) {
      common_dst = i;
      break;
    }
  }
  if (common_dst == dst.size()) {
    plan.kind = PlanKind::kNoCommonSnapshot;
    for (const auto& s : dst) plan.conflicts.push_back(s.name);
    return plan;
  }
  plan.newest_common = dst[common_dst];
  if (common_dst + 1 < dst.size()) {
    plan.kind = PlanKind::kDiverged;
    for (std::size_t i = common_dst + 1; i < dst.size(); ++i) plan.conflicts.push_back(dst[i].name);
    return plan;
  }
  auto in_source = source_index.find(dst[common_dst].guid);
  if (in_source == source_index.end()) {
    const core::SnapshotInfo& bookmark = source_bookmarks[bookmark_index.at(dst[common_dst].guid)];
    if (bookmark.createtxg >= source.back().createtxg) return plan;  // nothing newer
    plan.kind = PlanKind::kSend;
    plan.steps.push_back({bookmark.name, source.back().name, false, true});
    return plan;
  }
  std::size_t common_src = in_source->second;
  if (common_src + 1 == source.size()) return plan;  // up to date
  plan.kind = PlanKind::kSend;
  plan.steps.push_back({source[common_src].name, source.back().name, true});
  return plan;
}

std::string DescribePlan(const Plan& plan) {
  auto list = [](const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (i == 5) {
        out += ", ... (" + std::to_string(names.size()) + " in all)";
        break;
      }
      out += (i ? ", @" : "@") + names[i];
    }
    return out;
  };
  switch (plan.kind) {
    case PlanKind::kNothing:
      return "up to date";
    case PlanKind::kSend: {
      std::string out;
      for (const auto& s : plan.steps) {
        if (!out.empty()) out += ", then ";
        out += s.from ? "incremental " + std::string(s.from_bookmark ? "#" : "@") + *s.from + " -> @" + s.to
                      : "full @" + s.to;
      }
      return out;
    }
    case PlanKind::kDiverged:
      return "diverged: destination has snapshots newer than the newest common @" + plan.newest_common->name + ": " +
             list(plan.conflicts);
    case PlanKind::kNoCommonSnapshot:
      return "no common snapshot: the destination has snapshots (" + list(plan.conflicts) +
             ") but none of them is on the source (matched by guid)";
  }
  return {};
}

}  // namespace zpull::replicate
