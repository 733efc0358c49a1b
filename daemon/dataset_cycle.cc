#include "daemon/dataset_cycle.h"

#include <algorithm>

#include "core/zfs_parse.h"
#include "daemon/destination_lock.h"
#include "daemon/hooks.h"

namespace zpull::daemon {

BandwidthLimits::BandwidthLimits(const config::Config& config) {
  if (config.total_bandwidth_limit > 0) {
    total_ = std::make_unique<replicate::RateLimit>(config.total_bandwidth_limit);
  }
  for (const auto& d : config.datasets) {
    per_dataset_.push_back(d.options.bandwidth_limit > 0
                               ? std::make_unique<replicate::RateLimit>(d.options.bandwidth_limit)
                               : nullptr);
  }
}

std::vector<replicate::RateLimit*> BandwidthLimits::For(std::size_t dataset_index) const {
  std::vector<replicate::RateLimit*> out;
  if (total_) out.push_back(total_.get());
  if (dataset_index < per_dataset_.size() && per_dataset_[dataset_index]) {
    out.push_back(per_dataset_[dataset_index].get());
  }
  return out;
}

core::Result<std::optional<ReplicationState>> ReadReplicationState(core::Zfs& dst, const core::DatasetName& fs) {
  auto snaps = dst.ListSnapshots(fs);
  if (!snaps) return tl::unexpected(snaps.error());
  if (!*snaps) return std::optional<ReplicationState>();
  auto marked = dst.SnapshotUserProperty(fs, replicate::kCommonProperty);
  if (!marked) return tl::unexpected(marked.error());
  auto success = dst.GetUserProperty(fs, "", replicate::kLastSuccessProperty);
  if (!success) return tl::unexpected(success.error());
  ReplicationState state;
  if (*marked) {
    for (auto it = (*snaps)->rbegin(); it != (*snaps)->rend(); ++it) {
      if ((**marked).count(it->name)) {
        state.newest_common_creation = it->creation;
        break;
      }
    }
  }
  if (*success) state.last_success = core::ParseInt64(**success);
  return std::optional<ReplicationState>(state);
}

replicate::CyclePreview PreviewDatasetCycle(const config::Config& config, std::size_t index, Hosts& hosts,
                                           const std::function<std::int64_t()>& now) {
  const config::DatasetConfig& d = config.datasets[index];
  replicate::CyclePreview preview;
  auto features = hosts.DestinationFeatures(core::DatasetName::Parse(d.destination.Pool()).value());
  if (!features) {
    preview.error = features.error();
    return preview;
  }
  auto source_features = hosts.SourceFeatures(d.source, core::DatasetName::Parse(d.source_dataset.Pool()).value());
  if (!source_features) {
    preview.error = source_features.error();
    return preview;
  }
  replicate::CycleEnv env{hosts.Source(d.source), hosts.Destination(), *features, now, {}, *source_features};
  return replicate::PreviewCycle(env, JobFor(config, d));
}

replicate::CycleOutcome RunDatasetCycle(const config::Config& config, std::size_t index, Hosts& hosts,
                                        const BandwidthLimits& limits, const std::function<std::int64_t()>& now,
                                        const CycleHooks& hooks) {
  const config::DatasetConfig& d = config.datasets[index];
  replicate::CycleOutcome outcome;
  outcome.started = now();
  auto failed = [&](const core::Error& e) {
    outcome.error = core::WithContext(e, "dataset " + d.destination.str());
    outcome.finished = now();
    return outcome;
  };
  auto features = hosts.DestinationFeatures(core::DatasetName::Parse(d.destination.Pool()).value());
  if (!features) return failed(features.error());
  if (hooks.on_features) hooks.on_features(hosts.Destination().Host(), *features);
  auto lock = LockDestination(config, d.destination);
  if (!lock) return failed(lock.error());
  // Before anything asks the source, which may be down or hostile.
  std::optional<replicate::DatasetJob> own;
  if (!hooks.rounds) own = JobFor(config, d);
  const replicate::DatasetJob& job = hooks.rounds ? hooks.rounds->Job(index) : *own;
  std::optional<core::LockFile> source_lock;
  if (!job.source_siblings.empty()) {
    auto l = LockSourceDataset(config, d.source, d.source_dataset, hooks.cancel);
    if (!l) return failed(l.error());
    source_lock = std::move(*l);
  }
  replicate::BringIntoLine(hosts.Destination(), job, hooks.bring_into_line, outcome);
  auto source_features = hosts.SourceFeatures(d.source, core::DatasetName::Parse(d.source_dataset.Pool()).value());
  if (!source_features) return failed(source_features.error());
  if (hooks.on_features) hooks.on_features(hosts.Source(d.source).Host(), *source_features);
  auto runner_for = [&](const config::HookConfig& h) -> core::CommandRunner& {
    return h.on_source ? hosts.SourceRunner(d.source) : hosts.LocalRunner();
  };
  HookEnv env_vars = {{"ZPULL_DATASET", d.destination.str()},
                      {"ZPULL_SOURCE", d.source},
                      {"ZPULL_SOURCE_DATASET", d.source_dataset.str()}};
  replicate::CycleEnv env{hosts.Source(d.source), hosts.Destination(), *features, now, hooks.on_bytes,
                          *source_features};
  if (d.hooks.pre_snapshot) {
    // After the destination was checked: a refused cycle runs no hook. A
    // failing hook skips the cycle: no snapshot, no transfer.
    env.before_snapshot = [&]() -> core::Status {
      HookEnv pre = env_vars;
      pre.emplace_back("ZPULL_HOOK", "pre_snapshot");
      return RunHook(runner_for(*d.hooks.pre_snapshot), "pre_snapshot", *d.hooks.pre_snapshot, pre);
    };
  }
  env.on_estimate = hooks.on_estimate;
  env.rate_limits = limits.For(index);
  env.cancel = hooks.cancel;
  env.pause = hooks.pause;
  env.on_wire_bytes = hooks.on_wire_bytes;
  env.on_retry = hooks.on_retry;
  std::optional<replicate::Listings> listed;
  std::optional<core::Error> round_failed;
  const bool in_round = hooks.rounds && !(hooks.cancel && hooks.cancel->load());
  if (in_round) {
    auto taken = hooks.rounds->Take(index, lock->LastChange());
    if (taken) {
      listed = std::move(taken->listed);
      if (listed) {
        env.record_success = [&](std::int64_t when) { return hooks.rounds->RecordSuccess(index, when); };
        env.record_base = [&](const std::string& snap, std::int64_t when) {
          return hooks.rounds->RecordBase(index, snap, when);
        };
      }
      env.tree_snapshot = std::move(taken->tree_snapshot);
      if (!env.tree_snapshot.empty() && hooks.on_tree_snapshot) hooks.on_tree_snapshot(taken->tree_at);
    } else {
      round_failed = core::WithContext(taken.error(), "dataset " + d.destination.str() + ": host " + d.source +
                                                          "'s round");
    }
  }
  {
    replicate::CycleOutcome cycle;
    if (round_failed) {
      cycle.error = *round_failed;
      cycle.started = outcome.started;
      cycle.finished = now();
    } else {
      cycle = replicate::RunCycle(env, job, std::move(listed));
    }
    if (in_round) hooks.rounds->Ended(index);
    cycle.brought_into_line.insert(cycle.brought_into_line.begin(), outcome.brought_into_line.begin(),
                                   outcome.brought_into_line.end());
    cycle.warnings.insert(cycle.warnings.begin(), outcome.warnings.begin(), outcome.warnings.end());
    outcome = std::move(cycle);
  }
  if (d.hooks.post_replication) {
    HookEnv post = env_vars;
    post.emplace_back("ZPULL_HOOK", "post_replication");
    post.emplace_back("ZPULL_RESULT", outcome.ok() ? "ok" : "failed");
    post.emplace_back("ZPULL_REASON", outcome.ok() ? "" : std::string(core::ReasonName(outcome.error->reason)));
    post.emplace_back("ZPULL_SNAPSHOT", outcome.newest_common ? outcome.newest_common->name : "");
    post.emplace_back("ZPULL_BYTES", std::to_string(outcome.bytes));
    if (auto s = RunHook(runner_for(*d.hooks.post_replication), "post_replication", *d.hooks.post_replication, post);
        !s) {
      outcome.warnings.push_back(s.error());
    }
  }
  // Whatever it did: a round listed before now must not serve this
  // destination's next cycle (daemon/round.h).
  lock->MarkChanged();
  if (in_round) hooks.rounds->Finished(index);
  return outcome;
}

}  // namespace zpull::daemon
