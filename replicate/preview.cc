#include "replicate/preview.h"

#include <algorithm>

#include "replicate/refusal.h"
#include "replicate/snapshot_name.h"

namespace zpull::replicate {
namespace {

std::string Names(const std::vector<std::string>& names, const char* mark) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + std::string(mark) + n;
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
  if (job.take_snapshot) {
    // The snapshot the cycle would take, with a guid no real one has.
    p.would_snapshot = SnapshotNameFor(job.prefix, env.now());
    std::uint64_t txg = source.empty() ? 1 : source.back().createtxg + 1;
    source.push_back({p.would_snapshot, 0, txg, env.now(), 0});
  }
  if (env.destination_features.recv_resumable && *dst) {
    auto token = env.destination.ResumeToken(job.destination);
    if (!token) {
      p.error = token.error();
      return p;
    }
    p.would_resume = token->has_value();
  }
  core::SnapshotList bookmarks;
  if (env.source_features.bookmarks && job.options.bookmarks) {
    if (auto b = env.source.ListBookmarks(job.source); b) bookmarks = std::move(*b);
  }
  p.plan = PlanReplication(source, *dst, job.initial, bookmarks, job.options.snapshots, job.prefix);
  if (p.plan.kind == PlanKind::kDiverged && job.options.force_on_divergence) {
    p.would_destroy_on_divergence = p.plan.conflicts;
  }
  if (p.plan.kind == PlanKind::kSend) {
    p.would_roll_back = job.options.rollback_destination && p.plan.steps.front().from;
  }
  p.refusal = Refusal(p.plan, job);
  if (!p.refusal) {
    p.refusal = DestinationRefusal(env, job, *dst, p.plan);
  }
  if (!*dst) {
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
  if (*dst) {
    std::optional<std::uint64_t> keep;
    if (p.plan.newest_common) keep = p.plan.newest_common->guid;
    for (const auto& s : SelectForPruning(**dst, job.destination_retention, env.now(), job.prefix, keep)) {
      p.would_prune_destination.push_back(s.name);
    }
  }
  if (job.source_retention) {
    std::optional<std::uint64_t> keep;
    if (p.plan.newest_common) keep = p.plan.newest_common->guid;
    for (const auto& s : SelectForPruning(**src, *job.source_retention, env.now(), job.prefix, keep)) {
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
