#pragma once
// Value types for snapshots as zpull sees them: identity is the guid.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <string>
#include <unordered_set>
#include <vector>

namespace zpull::core {

struct SnapshotInfo {
  std::string name;          // short name, after '@'
  std::uint64_t guid = 0;
  std::uint64_t createtxg = 0;
  std::int64_t creation = 0;  // Unix seconds
  std::uint64_t userrefs = 0;  // number of holds

  friend bool operator==(const SnapshotInfo&, const SnapshotInfo&) = default;
};

// Sorted by createtxg (oldest first), the only reliable order on both dialects.
using SnapshotList = std::vector<SnapshotInfo>;

using GuidSet = std::unordered_set<std::uint64_t>;

// Positions in a SnapshotList by guid: a sorted vector, built with one
// allocation (a check pass builds one per dataset and side).
class GuidIndex {
 public:
  explicit GuidIndex(const SnapshotList& list) {
    by_guid_.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) by_guid_.emplace_back(list[i].guid, i);
    std::sort(by_guid_.begin(), by_guid_.end());
  }
  // The position of `guid` (the first, should a list repeat it).
  std::optional<std::size_t> Find(std::uint64_t guid) const {
    auto it = std::lower_bound(by_guid_.begin(), by_guid_.end(), std::pair<std::uint64_t, std::size_t>(guid, 0));
    if (it == by_guid_.end() || it->first != guid) return std::nullopt;
    return it->second;
  }
  bool Contains(std::uint64_t guid) const { return Find(guid).has_value(); }

 private:
  std::vector<std::pair<std::uint64_t, std::size_t>> by_guid_;
};

}  // namespace zpull::core
