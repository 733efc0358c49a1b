#include "replicate/snapshot_filter.h"

#include "replicate/pattern.h"
#include "replicate/retention.h"

namespace zpull::replicate {

bool SnapshotFilter::Selects(std::string_view name, std::string_view own_prefix) const {
  if (!Active()) return true;
  if (!own_prefix.empty() && IsOwnSnapshot(name, own_prefix)) return true;
  const std::string n(name);
  if (!include.empty() && !MatchesAny(include, n)) return false;
  return !MatchesAny(exclude, n);
}

core::SnapshotList Selected(const core::SnapshotList& list, const SnapshotFilter& filter, std::string_view own_prefix) {
  if (!filter.Active()) return list;
  core::SnapshotList out;
  for (const auto& s : list) {
    if (filter.Selects(s.name, own_prefix)) out.push_back(s);
  }
  return out;
}

const core::SnapshotInfo* NewestSelected(const core::SnapshotList& list, const SnapshotFilter& filter,
                                         std::string_view own_prefix) {
  for (auto it = list.rbegin(); it != list.rend(); ++it) {
    if (!filter.Active() || filter.Selects(it->name, own_prefix)) return &*it;
  }
  return nullptr;
}

}  // namespace zpull::replicate
