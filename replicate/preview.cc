#include "replicate/preview.h"

#include <algorithm>

#include "replicate/decide.h"

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
  auto in = ReadListings(env, job, true);
  if (!in) {
    p.error = in.error();
    return p;
  }
  if (job.replicated_parent) {
    // The run receives the replicated parent first (its own cycle, and the
    // ancestors that one creates): this cycle follows it.
    auto& missing = in->missing_parents;
    auto parent = std::find(missing.begin(), missing.end(), *job.replicated_parent);
    if (parent != missing.end()) {
      p.after_parent = parent->str();
      missing.erase(missing.begin(), parent + 1);
    }
  }
  const Decision d = Decide(*in, job, env.now(), job.take_snapshot);
  p.would_snapshot = d.snapshot;
  p.would_replace = d.replaced;
  p.would_resume = d.resume;
  p.plan = d.plan;
  p.refusal = d.refusal;
  for (const auto& parent : d.create_parents) p.would_create_parents.push_back(parent.str());
  p.would_destroy_on_divergence = d.destroy_on_divergence;
  p.would_roll_back = d.roll_back;
  p.would_prune_destination = d.prune_destination;
  p.would_prune_source = d.prune_source;
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
  return p;
}

std::string DescribePreview(const std::string& dataset, const CyclePreview& p) {
  if (p.error) {
    return "dry-run " + dataset + ": cannot tell (" + std::string(core::ReasonName(p.error->reason)) +
           "): " + p.error->message;
  }
  std::string out = "dry-run " + dataset + ":";
  auto add = [&](const std::string& part) { out += (out.back() == ':' ? " " : "; ") + part; };
  if (!p.after_parent.empty()) add("once " + p.after_parent + " is received (its own cycle, first)");
  if (!p.would_snapshot.empty()) add("would snapshot @" + p.would_snapshot);
  if (!p.would_replace.empty()) {
    add("would destroy " + Names(p.would_replace, "@") + " (never sent, replaced by @" + p.would_snapshot + ")");
  }
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
