#pragma once
// `zpull restore`: what sending a backup snapshot to a target does. The
// backup's snapshots and the target's (matched by guid) decide between a
// full send, an incremental one from the newest common snapshot, or
// nothing; and what `zfs receive -F` would destroy where it is needed.
// Pure.

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/snapshot.h"

namespace zpull::replicate {

struct RestorePlan {
  enum class Kind { kFull, kIncremental, kNothing } kind = Kind::kFull;
  core::SnapshotInfo snapshot;              // what the target ends with
  std::optional<core::SnapshotInfo> base;   // incremental: the newest common snapshot
  std::vector<std::string> sent;            // snapshots the stream carries (-I: every one after base)
  bool target_exists = false;
  // -F is needed: a full send into an existing target replaces it (receive
  // -F), an incremental needs the target back at the base: snapshots after
  // it destroyed and changes since rolled back (cli/restore.cc does
  // that explicitly before a plain receive).
  bool needs_force = false;
  std::vector<std::string> destroyed;       // target snapshots -F would destroy
  bool discards_changes = false;            // the target was written since its newest snapshot
  std::vector<std::string> later_on_target; // kNothing: target snapshots after the chosen one (kept)
};

// `backup`: the backup dataset's snapshots; `snapshot`: the one to restore
// (empty: the newest); `target`: the target's snapshots, nullopt if it does
// not exist; `target_written`: bytes written since its newest snapshot
// where known. Fails (reason config) if the snapshot does not exist.
core::Result<RestorePlan> PlanRestore(const core::SnapshotList& backup, const std::string& snapshot,
                                      const std::optional<core::SnapshotList>& target,
                                      std::optional<std::uint64_t> target_written);

// The plan in words, for the dry run: what is sent, what -F destroys.
std::string DescribeRestore(const std::string& from, const std::string& to, const RestorePlan& plan);

}  // namespace zpull::replicate
