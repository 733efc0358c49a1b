#include "replicate/preview.h"

#include <algorithm>

#include "replicate/refusal.h"
#include "replicate/snapshot_filter.h"
#include "replicate/snapshot_name.h"

namespace zpull::replicate {
namespace {

std::string Names(const std::vector<std::string>& names, const char* mark) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + std::string(mark) + n;
  return out;
}

// The destination's snapshots after `plan`'s receives: what it had (but
// what force_on_divergence destroys), then what each step brings: its
// target, and with -I every source snapshot between its base and target.
core::SnapshotList AfterReceive(const core::SnapshotList& source, const std::optional<core::SnapshotList>& destination,
                                const Plan& plan, const std::vector<std::string>& destroyed) {
  core::SnapshotList out;
  if (destination) {
    for (const auto& s : *destination) {
      if (std::find(destroyed.begin(), destroyed.end(), s.name) == destroyed.end()) out.push_back(s);
    }
  }
  if (plan.kind != PlanKind::kSend) return out;
  for (const auto& step : plan.steps) {
    bool in_range = false;  // past an -I step's base
    for (const auto& s : source) {
      if (step.from && step.intermediates && !step.from_bookmark && s.name == *step.from) {
        in_range = true;
        continue;
      }
      if (s.name == step.to) {
        out.push_back(s);
        break;
      }
      if (in_range && step.from && step.intermediates && !step.from_bookmark) out.push_back(s);
    }
  }
  return out;
}

}  // namespace

CyclePreview PreviewCycle(const CycleEnv& env, const DatasetJob& job) {
  CyclePreview p;
  auto src = env.source.ListSnapshots(job.source);
  if (!src) {
    p.error = src.error();
    return p;
  }
  if (!*src) {
    p.error = core::Error{core::Reason::kSourceMissing,
                          "source dataset " + job.source.str() + " does not exist on host " + env.source.Host()};
    return p;
  }
  auto dst = env.destination.ListSnapshots(job.destination);
  if (!dst) {
    p.error = dst.error();
    return p;
  }
  core::SnapshotList source = std::move(**src);
  if (job.take_snapshot) p.would_snapshot = AddPlannedSnapshot(env, job, source);
  if (env.destination_features.recv_resumable && *dst) {
    auto token = env.destination.ResumeToken(job.destination);
    if (!token) {
      p.error = token.error();
      return p;
    }
    p.would_resume = token->has_value();
  }
  p.plan = PlanFrom(env, job, source, *dst);
  if (p.plan.kind == PlanKind::kDiverged && job.options.force_on_divergence) {
    // As the cycle does: the newer destination snapshots go, then it plans again.
    p.would_destroy_on_divergence = p.plan.conflicts;
    core::SnapshotList kept;
    for (const auto& s : **dst) {
      const auto& gone = p.would_destroy_on_divergence;
      if (std::find(gone.begin(), gone.end(), s.name) == gone.end()) kept.push_back(s);
    }
    *dst = std::move(kept);
    p.plan = PlanFrom(env, job, source, *dst);
  }
  if (p.plan.kind == PlanKind::kSend) {
    // As the cycle decides: only a replica whose newest snapshot is the base.
    p.would_roll_back = job.options.rollback_destination && p.plan.steps.front().from && p.plan.newest_common &&
                        *dst && !(*dst)->empty() && (*dst)->back().guid == p.plan.newest_common->guid;
  }
  p.refusal = Refusal(p.plan, RefusalOf(job));
  // As the cycle does: an interrupted receive is resumed first, and the
  // refusal is decided after it.
  if (p.refusal && p.would_resume) p.refusal.reset();
  if (!p.refusal) {
    p.refusal = DestinationRefusal(env, job, *dst, p.plan);
  }
  if (!*dst && !(p.refusal && p.refusal->reason == core::Reason::kDestinationMissing)) {
    for (std::string a = job.destination.Parent(); a.find('/') != std::string::npos; a = a.substr(0, a.rfind('/'))) {
      auto name = core::DatasetName::Parse(a);
      auto exists = name ? env.destination.Exists(*name) : core::Result<bool>(false);
      if (!exists || *exists) break;
      p.would_create_parents.insert(p.would_create_parents.begin(), a);
    }
  }
  if (env.source_features.send_estimate && !job.take_snapshot && p.plan.kind == PlanKind::kSend && !p.refusal) {
    std::uint64_t total = 0;
    bool ok = true;
    for (const auto& step : p.plan.steps) {
      core::SendSpec send{job.source, step.to, step.from, step.intermediates};
      send.from_bookmark = step.from_bookmark;
      auto size = env.source.EstimateSend(send);
      ok = ok && size.has_value();
      if (size) total += *size;
    }
    if (ok) p.estimated_bytes = total;
  }
  // Prunes as the cycle makes them: only after a cycle that did not fail,
  // on the destination as the receive leaves it, keeping the newest
  // selected source snapshot (then the newest common one) on both sides.
  if (p.refusal || p.plan.kind == PlanKind::kNoCommonSnapshot) return p;
  const core::SnapshotList selected = Selected(source, job.options.snapshots, job.prefix);
  if (selected.empty()) return p;
  const std::uint64_t keep = selected.back().guid;
  // The cycle moves its hold from the old base to the new one before it
  // prunes: the old base no longer counts as held (its own hold).
  auto moved = [&](core::SnapshotList list) {
    for (auto& s : list) {
      if (p.plan.newest_common && s.guid == p.plan.newest_common->guid && s.guid != keep && s.userrefs > 0) --s.userrefs;
    }
    return list;
  };
  const core::SnapshotList after = moved(AfterReceive(source, *dst, p.plan, {}));
  for (const auto& s : SelectForPruning(after, job.destination_retention, env.now(), job.prefix, keep)) {
    p.would_prune_destination.push_back(s.name);
  }
  if (job.source_retention) {
    for (const auto& s : SelectForPruning(moved(source), *job.source_retention, env.now(), job.prefix, keep)) {
      p.would_prune_source.push_back(s.name);
    }
  }
  return p;
}

std::string DescribePreview(const std::string& dataset, const CyclePreview& p) {
  if (p.error) {
    return "dry-run " + dataset + ": cannot tell (" + std::string(core::ReasonName(p.error->reason)) +
           "): " + p.error->message;
  }
  std::string out = "dry-run " + dataset + ":";
  auto add = [&](const std::string& part) { out += (out.back() == ':' ? " " : "; ") + part; };
  if (!p.would_snapshot.empty()) add("would snapshot @" + p.would_snapshot);
  if (p.would_resume) add("would first resume the interrupted receive (receive_resume_token)");
  if (!p.would_create_parents.empty()) add("would create " + Names(p.would_create_parents, "") + " (canmount=off)");
  if (!p.would_destroy_on_divergence.empty()) {
    add("would DESTROY " + Names(p.would_destroy_on_divergence, "@") + " (force_on_divergence)");
  }
  if (p.refusal) {
    add("would refuse (" + std::string(core::ReasonName(p.refusal->reason)) + "): " + p.refusal->message);
  } else if (p.plan.kind == PlanKind::kSend) {
    add(std::string(p.would_roll_back ? "would roll back, then " : "would send ") + DescribePlan(p.plan));
  } else if (p.plan.kind == PlanKind::kNothing) {
    add("nothing to send");
  }
  if (p.estimated_bytes) add("about " + std::to_string(*p.estimated_bytes) + " bytes");
  if (!p.would_prune_destination.empty()) add("would prune destination " + Names(p.would_prune_destination, "@"));
  if (!p.would_prune_source.empty()) add("would prune source " + Names(p.would_prune_source, "@"));
  return out;
}

}  // namespace zpull::replicate
