#pragma once
// One dataset's replication cycle as `zpull once` and the daemon run it:
// probe both hosts (cached), take the destination lock, apply the
// configured limits, run replicate::RunCycle.

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "config/config.h"
#include "daemon/hosts.h"
#include "daemon/job.h"
#include "daemon/round.h"
#include "replicate/cycle.h"
#include "replicate/preview.h"
#include "replicate/rate_limit.h"

namespace zpull::daemon {

// The configured bandwidth limits: one over all transfers, one per dataset.
// Thread-safe (the limits are).
class BandwidthLimits {
 public:
  explicit BandwidthLimits(const config::Config& config);
  std::vector<replicate::RateLimit*> For(std::size_t dataset_index) const;

 private:
  std::unique_ptr<replicate::RateLimit> total_;
  std::vector<std::unique_ptr<replicate::RateLimit>> per_dataset_;  // null: no limit
};

// What the caller observes of a running cycle; every member may be empty.
struct CycleHooks {
  replicate::ByteSink on_bytes;
  replicate::ByteSink on_wire_bytes;
  std::function<void(std::uint64_t)> on_estimate;
  std::function<void(const std::string& host, const core::ZfsFeatures&)> on_features;
  const std::atomic<bool>* cancel = nullptr;
  std::function<bool(std::int64_t seconds)> pause;
  std::vector<core::PropertyChange> bring_into_line;  // replicate::CycleEnv::bring_into_line
  std::function<void(const core::Error&, std::int64_t wait_seconds)> on_retry;  // replicate::CycleEnv::on_retry
  // Where given, the cycle plans from its share of its host's round and
  // defers its last-success write to it (daemon/round.h).
  Rounds* rounds = nullptr;
  // Told when the cycle replicates a snapshot its round took of its whole
  // tree, with that snapshot's time (Rounds::Share::tree_at).
  std::function<void(std::int64_t at)> on_tree_snapshot;
};

// What must survive a restart, read back from the destination:
// zpull:last_success on the dataset and the creation time of the newest
// snapshot carrying zpull:common (the newest common one as of that success).
struct ReplicationState {
  std::optional<std::int64_t> last_success, newest_common_creation;
};
// nullopt when the destination does not exist yet.
core::Result<std::optional<ReplicationState>> ReadReplicationState(core::Zfs& destination,
                                                                   const core::DatasetName& dataset);

// Read-only: what RunDatasetCycle would do (no lock is taken).
replicate::CyclePreview PreviewDatasetCycle(const config::Config& config, std::size_t index, Hosts& hosts,
                                           const std::function<std::int64_t()>& now);

replicate::CycleOutcome RunDatasetCycle(const config::Config& config, std::size_t index, Hosts& hosts,
                                        const BandwidthLimits& limits, const std::function<std::int64_t()>& now,
                                        const CycleHooks& hooks);

}  // namespace zpull::daemon
