#pragma once
// Replication planning: a pure function of the source and destination
// snapshot lists, matched by guid (names can repeat with other contents).
//
//   destination absent            -> full send of the newest source snapshot
//                                    (initial=all: the oldest, then -I to the newest)
//   destination without snapshots -> full send that needs -F (refused unless configured)
//   newest common C, source newer -> send -I @C @newest (brings foreign snapshots too)
//   nothing newer on the source   -> nothing to do
//   destination has snapshots newer than C       -> refuse: diverged (names them)
//   destination has snapshots, none in common    -> refuse: no common snapshot
//   the newest common guid survives on the source only as a bookmark (the
//   snapshot was destroyed there)                -> send -i #bookmark @newest
//                                                   (intermediates cannot come from a bookmark)

#include <optional>
#include <string>
#include <vector>

#include "core/snapshot.h"
#include "replicate/snapshot_filter.h"

namespace zpull::replicate {

enum class InitialMode { kNewest, kAll };

enum class PlanKind { kNothing, kSend, kDiverged, kNoCommonSnapshot };

struct SendStep {
  std::optional<std::string> from;  // source short name; none = full send
  std::string to;
  bool intermediates = true;
  bool from_bookmark = false;       // `from` is a bookmark of the source

  friend bool operator==(const SendStep&, const SendStep&) = default;
};

struct Plan {
  PlanKind kind = PlanKind::kNothing;
  std::vector<SendStep> steps;
  // The newest snapshot present on both sides (destination's view), if any.
  std::optional<core::SnapshotInfo> newest_common;
  // The full send goes into an existing, empty destination and needs -F.
  bool needs_force = false;
  // For kDiverged / kNoCommonSnapshot: destination snapshots in the way.
  std::vector<std::string> conflicts;
};

// `source_bookmarks`: the source's bookmarks (empty where it has none).
// `filter`: only selected source snapshots are sent (zpull's own, with
// prefix `own_prefix`, always are); where it leaves snapshots out between
// two sent ones, the plan is a chain of -i sends.
Plan PlanReplication(const core::SnapshotList& source, const std::optional<core::SnapshotList>& destination,
                     InitialMode initial, const core::SnapshotList& source_bookmarks = {},
                     const SnapshotFilter& filter = {}, std::string_view own_prefix = {});

// "diverged: destination has snapshots newer than the newest common @x: @a, @b"
std::string DescribePlan(const Plan& plan);

}  // namespace zpull::replicate
