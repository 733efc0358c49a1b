#pragma once
// Value types for snapshots as zpull sees them: identity is the guid.

#include <cstdint>
#include <string>
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

}  // namespace zpull::core
