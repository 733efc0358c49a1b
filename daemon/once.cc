#include "daemon/once.h"

#include "daemon/dataset_cycle.h"
#include "config/expand.h"
#include "daemon/verify.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace zpull::daemon {

std::vector<replicate::CycleOutcome> RunAllOnce(const config::Config& config, Hosts& hosts,
                                                const std::function<std::int64_t()>& now,
                                                exporter::ReplicationMetrics* metrics) {
  std::vector<replicate::CycleOutcome> outcomes(config.datasets.size());
  std::atomic<std::size_t> next{0};
  const BandwidthLimits limits(config);
  // Indices are taken in order and a parent precedes its children, so a
  // child waiting for its parent waits for a cycle that is already running.
  const auto parents = config::ParentIndices(config);
  std::mutex mu;
  std::condition_variable cv;
  std::vector<bool> done(config.datasets.size(), false);
  // What each cycle brings into line: one safety listing per destination
  // root first (a failed one only leaves the replicas as they are).
  std::vector<std::size_t> all(config.datasets.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  const auto safety = CheckSafety(config, hosts, all);
  auto worker = [&] {
    for (std::size_t i = next++; i < config.datasets.size(); i = next++) {
      if (parents[i]) {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return done[*parents[i]]; });
      }
      const std::string& name = config.datasets[i].destination.str();
      CycleHooks hooks;
      if (safety[i]) hooks.bring_into_line = safety[i]->Repairs();
      if (metrics) {
        hooks.on_bytes = [metrics, &name](std::uint64_t n) { metrics->AddBytes(name, n); };
        hooks.on_wire_bytes = [metrics, &name](std::uint64_t n) { metrics->AddWireBytes(name, n); };
        metrics->CycleStarted(name, now());
      }
      const auto started = std::chrono::steady_clock::now();
      outcomes[i] = RunDatasetCycle(config, i, hosts, limits, now, hooks);
      if (metrics) {
        metrics->CycleFinished(name, outcomes[i],
                               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      }
      {
        std::lock_guard lock(mu);
        done[i] = true;
      }
      cv.notify_all();
    }
  };
  std::vector<std::thread> threads;
  std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(config.parallelism), config.datasets.size());
  for (std::size_t t = 0; t < n; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  return outcomes;
}

std::string FormatOutcome(const config::DatasetConfig& d, const replicate::CycleOutcome& o) {
  std::string retried;
  for (const auto& e : o.retried) retried += (retried.empty() ? "" : ",") + std::string(core::ReasonName(e.reason));
  if (!retried.empty()) retried = " retried=" + retried;
  for (const auto& w : o.warnings) retried += " warning=\"" + w.message + "\"";
  if (o.error) {
    return "FAILED " + d.destination.str() + " reason=" + std::string(core::ReasonName(o.error->reason)) + retried +
           ": " + o.error->message;
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
