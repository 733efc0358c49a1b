#pragma once
// What zpull leaves on the hosts for one dataset, for the operator to see
// what blocks pruning: zpull's own holds on each side (count, oldest), its
// source bookmarks for this destination, and whether the destination keeps
// an interrupted receive's resume token. Parts a host cannot tell (zfs-fuse:
// no `zfs holds`, no bookmarks, no tokens) are left out, not guessed.

#include <optional>
#include <string>
#include <vector>

#include "core/zfs.h"

namespace zpull::checks {

struct InventoryTarget {
  std::string dataset;  // the `dataset` label: the configured destination
  core::DatasetName source;
  core::DatasetName destination;
  std::string tag;            // zpull's hold tag (the snapshot prefix)
  std::string bookmark_stem;  // replicate::BookmarkStem of this destination
};

struct HoldSummary {
  std::size_t count = 0;
  std::optional<std::int64_t> oldest;  // Unix seconds of the oldest of them

  friend bool operator==(const HoldSummary&, const HoldSummary&) = default;
};

struct Inventory {
  std::optional<HoldSummary> source_holds, destination_holds;
  std::optional<std::size_t> bookmarks;
  std::optional<bool> resume_token;
};

// Pure: the holds among `holds` that carry `tag`.
HoldSummary SummarizeHolds(const std::vector<core::HoldInfo>& holds, const std::string& tag);

// Reads one dataset's inventory: per side one snapshot listing and one
// `zfs holds` (only for held snapshots), a bookmark listing and the token.
core::Result<Inventory> TakeInventory(core::Zfs& source, const core::ZfsFeatures& source_features,
                                      core::Zfs& destination, const core::ZfsFeatures& destination_features,
                                      const InventoryTarget& target);

}  // namespace zpull::checks
