#include "replicate/plan.h"


namespace zpull::replicate {

namespace {

// Steps from source[from] to each selected snapshot after it: one -I when
// nothing between is left out, else a chain of -i sends (-I cannot skip).
void AppendSteps(Plan& plan, const core::SnapshotList& source, std::size_t from, const SnapshotFilter& filter,
                 std::string_view own_prefix) {
  std::vector<std::size_t> targets;
  for (std::size_t i = from + 1; i < source.size(); ++i) {
    if (filter.Selects(source[i].name, own_prefix)) targets.push_back(i);
  }
  if (targets.empty()) return;
  bool skipped_between = false;
  for (std::size_t i = from + 1; i < targets.back(); ++i) {
    skipped_between = skipped_between || !filter.Selects(source[i].name, own_prefix);
  }
  if (!skipped_between) {
    // Unselected snapshots after the last target never travel: -I stops there.
    plan.steps.push_back({source[from].name, source[targets.back()].name, true});
    return;
  }
  std::size_t prev = from;
  for (std::size_t t : targets) {
    plan.steps.push_back({source[prev].name, source[t].name, false});
    prev = t;
  }
}

}  // namespace

Plan PlanReplication(const core::SnapshotList& source, const std::optional<core::SnapshotList>& destination,
                     InitialMode initial, const core::SnapshotList& source_bookmarks, const SnapshotFilter& filter,
                     std::string_view own_prefix) {
  Plan plan;
  std::optional<std::size_t> oldest_selected, newest_selected;
  for (std::size_t i = 0; i < source.size(); ++i) {
    if (!filter.Selects(source[i].name, own_prefix)) continue;
    if (!oldest_selected) oldest_selected = i;
    newest_selected = i;
  }
  if (!oldest_selected) return plan;  // nothing to send (yet)

  if (!destination || destination->empty()) {
    plan.kind = PlanKind::kSend;
    plan.needs_force = destination.has_value();
    const std::size_t first_index = initial == InitialMode::kAll ? *oldest_selected : *newest_selected;
    plan.steps.push_back({std::nullopt, source[first_index].name, true});
    AppendSteps(plan, source, first_index, filter, own_prefix);
    return plan;
  }

  const core::GuidIndex source_index(source), bookmark_index(source_bookmarks);

  const auto& dst = *destination;
  std::size_t common_dst = dst.size();
  for (std::size_t i = dst.size(); i-- > 0;) {
    if (source_index.Contains(dst[i].guid) || bookmark_index.Contains(dst[i].guid)) {
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
  const auto in_source = source_index.Find(dst[common_dst].guid);
  if (!in_source) {
    // Only a bookmark is left of the common snapshot: -i from it to the
    // first selected snapshot after it, then on from there.
    const core::SnapshotInfo& bookmark = source_bookmarks[*bookmark_index.Find(dst[common_dst].guid)];
    std::size_t first = 0;
    while (first < source.size() &&
           (source[first].createtxg <= bookmark.createtxg || !filter.Selects(source[first].name, own_prefix))) {
      ++first;
    }
    if (first == source.size()) return plan;  // nothing newer
    plan.kind = PlanKind::kSend;
    plan.steps.push_back({bookmark.name, source[first].name, false, true});
    AppendSteps(plan, source, first, filter, own_prefix);
    return plan;
  }
  AppendSteps(plan, source, *in_source, filter, own_prefix);
  if (!plan.steps.empty()) plan.kind = PlanKind::kSend;
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
