#pragma once
// Which source snapshots a dataset replicates: shell-style patterns on the
// snapshot's short name (fnmatch). A snapshot is selected when it matches an
// `include` pattern (or there are none) and no `exclude` pattern. zpull's
// own snapshots (its prefix) are always selected: they are the cycle's
// bases. Pure.

#include <string>
#include <string_view>
#include <vector>

#include "core/snapshot.h"

namespace zpull::replicate {

struct SnapshotFilter {
  std::vector<std::string> include, exclude;

  bool Active() const { return !include.empty() || !exclude.empty(); }
  bool Selects(std::string_view name, std::string_view own_prefix) const;
  friend bool operator==(const SnapshotFilter&, const SnapshotFilter&) = default;
};

// The selected snapshots of `list`, in order.
core::SnapshotList Selected(const core::SnapshotList& list, const SnapshotFilter& filter, std::string_view own_prefix);
// The newest of Selected(list, …), without copying the list; nullptr: none.
const core::SnapshotInfo* NewestSelected(const core::SnapshotList& list, const SnapshotFilter& filter,
                                         std::string_view own_prefix);

}  // namespace zpull::replicate
