#pragma once
// What zpull leaves on the hosts for each dataset, for the operator to see
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
  std::string tag;            // zpull's hold tag on the destination (the snapshot prefix)
  std::string bookmark_stem;  // replicate::BookmarkStem of this destination
  std::string source_tag;     // its hold tag on the source (replicate::SourceHoldTag); empty: `tag`
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

// One dataset of an inventory pass and its held snapshots as the parity
// pass listed them (checks::ParityResult), short names.
struct InventoryInput {
  InventoryTarget target;
  std::vector<std::string> source_held, destination_held;
};

// The inventories of datasets that share a source host, with one command
// per kind and host whatever their number: `zfs holds` of every held
// snapshot on each side, the source's bookmarks, the destination's resume
// tokens. A held snapshot gone since the listing counts as holding nothing;
// a command that fails fails every dataset with its error. In input order.
std::vector<core::Result<Inventory>> TakeInventories(core::Zfs& source, const core::ZfsFeatures& source_features,
                                                     core::Zfs& destination,
                                                     const core::ZfsFeatures& destination_features,
                                                     const std::vector<InventoryInput>& inputs);

}  // namespace zpull::checks
