#include "daemon/once.h"

#include "daemon/dataset_cycle.h"
#include "config/expand.h"
#include "daemon/scheduler.h"
#include "daemon/verify.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace zpull::daemon {

std::function<void(const core::Error&, std::int64_t)> LogRetries(const core::Log& log, const std::string& dataset) {
  return [log, dataset](const core::Error& e, std::int64_t wait) {
    log.Warn("attempt failed", {{"dataset", dataset},
                                {"reason", core::ReasonName(e.reason)},
                                {"retry_in", std::to_string(wait) + "s"},
                                {"error", e.message}});
  };
}

namespace {

// "@a @b …": at most 50 names, then how many more.
std::string SnapshotList(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < 50; ++i) out += (out.empty() ? "@" : " @") + names[i];
  if (names.size() > 50) out += " and " + std::to_string(names.size() - 50) + " more";
  return out;
}

}  // namespace

void LogCycle(const core::Log& log, const std::string& name, const replicate::CycleOutcome& outcome, double seconds,
              bool log_success) {
  for (const auto& e : outcome.warnings) log.Warn("cycle warning", {{"dataset", name}, {"warning", e.message}});
  if (!outcome.replaced.empty()) {
    log.Info("replaced never-sent snapshots", {{"dataset", name},
                                               {"snapshots", SnapshotList(outcome.replaced)},
                                               {"by", "@" + outcome.snapshot_taken}});
  }
  for (const auto& [side, names] : {std::pair{"source", &outcome.pruned_source_names},
                                     {"destination", &outcome.pruned_destination_names}}) {
    if (names->empty()) continue;
    log.Info("pruned", {{"dataset", name}, {"side", side}, {"count", names->size()}, {"snapshots", SnapshotList(*names)}});
  }
  for (const auto& c : outcome.brought_into_line) log.Warn("brought into line", {{"dataset", name}, {"change", c}});
  if (!outcome.destroyed_on_divergence.empty()) {
    std::string list;
    for (const auto& snap : outcome.destroyed_on_divergence) list += (list.empty() ? "@" : " @") + snap;
    log.Warn("force_on_divergence destroyed", {{"dataset", name}, {"snapshots", list}});
  }
  if (outcome.error) {
    log.Error("replication failed", {{"dataset", name},
                                     {"reason", core::ReasonName(outcome.error->reason)},
                                     {"seconds", core::OneDecimal(seconds)},
                                     {"error", outcome.error->message},
                                     {"remedy", core::ReasonRemedy(outcome.error->reason)}});
  } else if (log_success) {
    log.Info("replicated", {{"dataset", name},
                            {"plan", replicate::DescribePlan(outcome.plan)},
                            {"bytes", outcome.bytes},
                            {"seconds", core::OneDecimal(seconds)},
                            {"pruned_destination", outcome.pruned_destination},
                            {"pruned_source", outcome.pruned_source}});
  }
}

std::vector<replicate::CycleOutcome> RunEachOnce(const config::Config& config, Hosts& hosts,
                                                 const std::function<std::int64_t()>& now, const core::Log& log,
                                                 exporter::ReplicationMetrics* metrics,
                                                 const std::vector<std::size_t>& only) {
  std::vector<replicate::CycleOutcome> outcomes(config.datasets.size());
  const BandwidthLimits limits(config);
  // What each cycle brings into line: one safety listing per destination
  // root first (a failed one only leaves the replicas as they are).
  std::vector<std::size_t> runs = only;
  if (runs.empty()) {
    runs.resize(config.datasets.size());
    for (std::size_t i = 0; i < runs.size(); ++i) runs[i] = i;
  }
  std::vector<std::optional<core::Result<checks::SafetyReport>>> safety(config.datasets.size());
  {
    auto reports = CheckSafety(config, hosts, runs);
    for (std::size_t k = 0; k < runs.size() && k < reports.size(); ++k) safety[runs[k]] = std::move(reports[k]);
  }
  std::vector<std::int64_t> intervals;
  for (const auto& d : config.datasets) intervals.push_back(d.interval_seconds);
  std::unique_ptr<Rounds> rounds;
  Scheduler scheduler(intervals, config.parallelism, [&](std::size_t i) {
    const std::string& name = config.datasets[i].destination.str();
    CycleHooks hooks;
    hooks.rounds = rounds.get();
    if (safety[i] && *safety[i]) hooks.bring_into_line = (*safety[i])->Repairs();
    hooks.on_retry = LogRetries(log, name);
    hooks.pause = [](std::int64_t seconds) {
      std::this_thread::sleep_for(std::chrono::seconds(seconds));
      return true;
    };
    if (metrics) {
      hooks.on_bytes = [metrics, &name](std::uint64_t n) { metrics->AddBytes(name, n); };
      hooks.on_wire_bytes = [metrics, &name](std::uint64_t n) { metrics->AddWireBytes(name, n); };
      hooks.on_estimate = [metrics, &name](std::uint64_t n) { metrics->SetExpectedBytes(name, n); };
      metrics->CycleStarted(name, now());
    }
    const auto started = std::chrono::steady_clock::now();
    outcomes[i] = RunDatasetCycle(config, i, hosts, limits, now, hooks);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (metrics) metrics->CycleFinished(name, outcomes[i], seconds);
    LogCycle(log, name, outcomes[i], seconds, /*log_success=*/false);
  }, now);
  scheduler.SetParents(config::ParentIndices(config));
  auto slots = SlotsOf(config);
  scheduler.SetHosts(std::move(slots.host_of), std::move(slots.slots));
  rounds = std::make_unique<Rounds>(config, hosts, [&scheduler] { return scheduler.Upcoming(); }, nullptr, now);
  // (Flush, after the run, returns the writes that failed on the way too.)
  scheduler.RunEachOnce(only);
  {
    // What the rounds defer is written within about kFlushAfter here too,
    // not only when a round is done (a long transfer keeps one open).
    std::jthread flusher([&rounds](std::stop_token stop) {
      std::mutex mu;
      std::condition_variable_any cv;
      std::unique_lock lock(mu);
      while (!stop.stop_requested()) {
        cv.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
        if (!stop.stop_requested()) rounds->FlushOld();
      }
    });
    scheduler.Run();
  }
  // The writes the rounds deferred: one not written fails its cycle.
  for (const auto& [i, e] : rounds->Flush()) {
    outcomes[i].error = core::WithContext(e, "dataset " + config.datasets[i].destination.str() + ": a deferred write");
    LogCycle(log, config.datasets[i].destination.str(), outcomes[i], 0, /*log_success=*/false);
  }
  return outcomes;
}

std::string FormatOutcome(const config::DatasetConfig& d, const replicate::CycleOutcome& o) {
  std::string retried;
  for (const auto& e : o.retried) retried += (retried.empty() ? "" : ",") + std::string(core::ReasonName(e.reason));
  if (!retried.empty()) retried = " retried=" + retried;
  for (const auto& w : o.warnings) {
    std::string quoted;
    for (char c : w.message) quoted += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
    retried += " warning=\"" + quoted + "\"";
  }
  if (o.error) {
    return "FAILED " + d.destination.str() + " reason=" + std::string(core::ReasonName(o.error->reason)) + retried +
           ": " + o.error->message + "; fix: " + std::string(core::ReasonRemedy(o.error->reason));
  }
  std::string line = "ok " + d.destination.str() + " " + replicate::DescribePlan(o.plan) +
                      " bytes=" + std::to_string(o.bytes) +
                      " seconds=" + std::to_string(o.finished - o.started) +
                      " pruned_destination=" + std::to_string(o.pruned_destination);
  if (o.pruned_source) line += " pruned_source=" + std::to_string(o.pruned_source);
  line += retried;
  if (o.resumed) line += " resumed=" + std::to_string(o.resumed);
  if (o.tokens_aborted) line += " resume_tokens_aborted=" + std::to_string(o.tokens_aborted);
  if (o.rolled_back) line += " rolled_back=yes";
  for (const auto& c : o.brought_into_line) line += " brought_into_line=\"" + c + "\"";
  if (!o.created_parents.empty()) {
    line += " created_parents=";
    for (std::size_t i = 0; i < o.created_parents.size(); ++i) line += (i ? "," : "") + o.created_parents[i];
  }
  if (!o.destroyed_on_divergence.empty()) {
    line += " destroyed_on_divergence=";
    for (std::size_t i = 0; i < o.destroyed_on_divergence.size(); ++i) {
      line += (i ? ",@" : "@") + o.destroyed_on_divergence[i];
    }
  }
  return line;
}

}  // namespace zpull::daemon
