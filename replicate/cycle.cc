#include "replicate/cycle.h"

#include "replicate/snapshot_name.h"

namespace zpull::replicate {
namespace {

constexpr int kMaxNameSuffix = 9;

core::Error ErrorAt(const DatasetJob& job, core::Error e) {
  return core::WithContext(std::move(e), "dataset " + job.destination.str());
}

// Takes "<prefix>_<time>", or "<prefix>_<time>_N" when that name exists.
core::Result<std::string> TakeSnapshot(const CycleEnv& env, const DatasetJob& job) {
  const std::string base = SnapshotNameFor(job.prefix, env.now());
  core::Status last;
  for (int n = 0; n <= kMaxNameSuffix; ++n) {
    std::string name = n == 0 ? base : SnapshotNameWithSuffix(base, n);
    last = env.source.CreateSnapshot(job.source, name);
    if (last) return name;
    if (last.error().message.find("already exists") == std::string::npos) break;
  }
  return tl::unexpected(last.error());
}

// Holds `keep` on `fs` with the job's tag and releases the tag from every
// other held snapshot (tags cannot be listed portably: `zfs holds` is broken
// on zfs-fuse, so release is tried where userrefs > 0). Updates the
// userrefs in `snaps` to match.
core::Status MoveHold(core::Zfs& zfs, const core::DatasetName& fs, core::SnapshotList& snaps,
                      const std::string& keep, const std::string& tag) {
  if (auto s = zfs.Hold(fs, keep, tag); !s) return s;
  for (auto& snap : snaps) {
    if (snap.name == keep) {
      snap.userrefs = std::max<std::uint64_t>(snap.userrefs, 1);
    } else if (snap.userrefs > 0) {
      auto released = zfs.Release(fs, snap.name, tag);
      if (!released) return tl::unexpected(released.error());
      if (*released) --snap.userrefs;
    }
  }
  return {};
}

core::Result<std::size_t> Prune(core::Zfs& zfs, const core::DatasetName& fs, const core::SnapshotList& snaps,
                                const RetentionPolicy& policy, std::int64_t now, const std::string& prefix,
                                std::uint64_t protected_guid) {
  std::size_t destroyed = 0;
  for (const auto& s : SelectForPruning(snaps, policy, now, prefix, protected_guid)) {
    if (auto st = zfs.DestroySnapshot(fs, s.name); !st) {
      return tl::unexpected(core::WithContext(st.error(), "pruning (" + std::to_string(destroyed) + " destroyed)"));
    }
    ++destroyed;
  }
  return destroyed;
}

const core::SnapshotInfo* FindGuid(const core::SnapshotList& list, std::uint64_t guid) {
  for (const auto& s : list) {
    if (s.guid == guid) return &s;
  }
  return nullptr;
}

}  // namespace

CycleOutcome RunCycle(const CycleEnv& env, const DatasetJob& job) {
  CycleOutcome out;
  out.started = env.now();
  auto fail = [&](core::Error e) {
    out.error = ErrorAt(job, std::move(e));
    out.finished = env.now();
    return out;
  };

  if (job.take_snapshot) {
    auto snap = TakeSnapshot(env, job);
    if (!snap) return fail(snap.error());
    out.snapshot_taken = *snap;
  }

  auto src = env.source.ListSnapshots(job.source);
  if (!src) return fail(src.error());
  if (!*src) {
    return fail({core::Reason::kSourceMissing,
                 "source dataset " + job.source.str() + " does not exist on host " + env.source.Host()});
  }
  auto dst = env.destination.ListSnapshots(job.destination);
  if (!dst) return fail(dst.error());
  out.source_snapshots = (*src)->size();
  out.destination_snapshots = *dst ? (**dst).size() : 0;

  out.plan = PlanReplication(**src, *dst, job.initial);
  out.newest_common = out.plan.newest_common;
  switch (out.plan.kind) {
    case PlanKind::kDiverged:
      return fail({core::Reason::kDiverged, DescribePlan(out.plan)});
    case PlanKind::kNoCommonSnapshot:
      return fail({core::Reason::kNoCommonSnapshot, DescribePlan(out.plan)});
    case PlanKind::kNothing:
      if ((*src)->empty()) {
        out.finished = env.now();
        return out;
      }
      break;
    case PlanKind::kSend:
      if (out.plan.needs_force && !job.force) {
        return fail({core::Reason::kNoCommonSnapshot,
                     "destination " + job.destination.str() +
                         " exists but has no snapshots; a full receive would overwrite it (set force: true to allow)"});
      }
      break;
  }

  for (const auto& step : out.plan.steps) {
    core::SendSpec send{job.source, step.to, step.from, step.intermediates};
    core::RecvSpec recv{job.destination, env.destination_features.recv_unmounted,
                        env.destination_features.recv_resumable, job.force};
    if (env.source_estimates && env.on_estimate) {
      // Best effort: a failed estimate only leaves the progress metric out.
      if (auto size = env.source.EstimateSend(send); size) env.on_estimate(*size);
    }
    auto bytes = RunTransfer(env.source, send, env.destination, recv, env.on_bytes);
    if (!bytes) return fail(bytes.error());
    out.bytes += *bytes;
  }

  // The newest source snapshot is now the newest common one.
  auto dst_after = env.destination.ListSnapshots(job.destination);
  if (!dst_after) return fail(dst_after.error());
  if (!*dst_after) {
    return fail({core::Reason::kDestinationMissing, "destination " + job.destination.str() + " vanished after receive"});
  }
  const core::SnapshotInfo newest_src = (*src)->back();
  const core::SnapshotInfo* common_ptr = FindGuid(**dst_after, newest_src.guid);
  if (!common_ptr) {
    return fail({core::Reason::kRecvFailed, "receive reported success but @" + newest_src.name +
                                                " (guid " + std::to_string(newest_src.guid) +
                                                ") is not on the destination"});
  }
  const core::SnapshotInfo common = *common_ptr;
  out.newest_common = common;
  out.destination_snapshots = (*dst_after)->size();

  if (auto s = MoveHold(env.source, job.source, **src, newest_src.name, job.prefix); !s) return fail(s.error());
  if (auto s = MoveHold(env.destination, job.destination, **dst_after, common.name, job.prefix); !s) {
    return fail(s.error());
  }
  const std::string now_text = std::to_string(env.now());
  if (auto s = env.destination.SetUserProperty(job.destination, common.name, kCommonProperty, now_text); !s) {
    return fail(s.error());
  }

  auto pruned_dst = Prune(env.destination, job.destination, **dst_after, job.destination_retention, env.now(),
                          job.prefix, common.guid);
  if (!pruned_dst) return fail(pruned_dst.error());
  out.pruned_destination = *pruned_dst;
  out.destination_snapshots -= *pruned_dst;
  if (job.source_retention) {
    auto pruned_src =
        Prune(env.source, job.source, **src, *job.source_retention, env.now(), job.prefix, newest_src.guid);
    if (!pruned_src) return fail(pruned_src.error());
    out.pruned_source = *pruned_src;
    out.source_snapshots -= *pruned_src;
  }
  if (auto s = env.destination.SetUserProperty(job.destination, "", kLastSuccessProperty, std::to_string(env.now()));
      !s) {
    return fail(s.error());
  }
  out.finished = env.now();
  return out;
}

}  // namespace zpull::replicate
