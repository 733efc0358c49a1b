#include "replicate/snapshot_filter.h"

#include <fnmatch.h>

#include "replicate/retention.h"

namespace zpull::replicate {
namespace {

bool AnyMatches(const std::vector<std::string>& patterns, const std::string& name) {
  for (const auto& p : patterns) {
    if (::fnmatch(p.c_str(), name.c_str(), 0) == 0) return true;
  }
  return false;
}

}  // namespace

bool SnapshotFilter::Selects(std::string_view name, std::string_view own_prefix) const {
  if (!own_prefix.empty() && IsOwnSnapshot(name, own_prefix)) return true;
  const std::string n(name);
  if (!include.empty() && !AnyMatches(include, n)) return false;
  return !AnyMatches(exclude, n);
}

core::SnapshotList Selected(const core::SnapshotList& list, const SnapshotFilter& filter, std::string_view own_prefix) {
  if (!filter.Active()) return list;
  core::SnapshotList out;
  for (const auto& s : list) {
    if (filter.Selects(s.name, own_prefix)) out.push_back(s);
  }
  return out;
}

}  // namespace zpull::replicate
