#pragma once
// One replication cycle for one dataset: snapshot the source, list both
// sides, plan, transfer, protect the new incremental base with holds, record
// success on the destination, prune. Design note: docs/replication-cycle.md.
//
// Safety contract: nothing is destroyed on either side that the retention
// policy does not allow; the newest common snapshot and held snapshots are
// never destroyed; `recv -F` is used only when the job says `force`; pruning
// runs only after a successful transfer (or when already up to date).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/zfs.h"
#include "replicate/plan.h"
#include "replicate/retention.h"
#include "replicate/transfer.h"

namespace zpull::replicate {

struct DatasetJob {
  core::DatasetName source;
  core::DatasetName destination;
  std::string prefix;    // own snapshot name prefix; also the hold tag
  bool take_snapshot = true;
  InitialMode initial = InitialMode::kNewest;
  bool force = false;    // allow `zfs receive -F`
  RetentionPolicy destination_retention;
  std::optional<RetentionPolicy> source_retention;  // none: never prune the source
};

// User properties zpull keeps on the destination (ZFS, not process memory,
// is what survives a restart).
inline constexpr const char* kLastSuccessProperty = "zpull:last_success";  // on the dataset, Unix seconds
inline constexpr const char* kCommonProperty = "zpull:common";  // on the newest common snapshot, Unix seconds

struct CycleOutcome {
  std::optional<core::Error> error;  // none: success
  Plan plan;
  std::uint64_t bytes = 0;
  std::string snapshot_taken;                         // empty when none was taken
  std::optional<core::SnapshotInfo> newest_common;    // after the cycle
  std::size_t source_snapshots = 0, destination_snapshots = 0;
  std::size_t pruned_source = 0, pruned_destination = 0;
  std::int64_t started = 0, finished = 0;
  bool ok() const { return !error; }
};

struct CycleEnv {
  core::Zfs& source;
  core::Zfs& destination;
  core::ZfsFeatures destination_features;
  std::function<std::int64_t()> now;
  ByteSink on_bytes;  // may be empty
  // Where the source can estimate (probe: send_estimate), each step's
  // predicted size is reported here before it streams. May be empty.
  bool source_estimates = false;
  std::function<void(std::uint64_t)> on_estimate;
};

CycleOutcome RunCycle(const CycleEnv& env, const DatasetJob& job);

}  // namespace zpull::replicate
