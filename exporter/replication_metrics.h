#pragma once
// The replication metrics of every configured dataset, as a prometheus-cpp
// Collectable. Cycles report into it; a scrape renders the cached values and
// computes the lag from the clock at scrape time (nothing runs at scrape
// time). The `dataset` label is the configured destination.
//
// Thread-safe: byte counters are atomics (the transfer thread adds to them
// while a scrape reads them); everything else is guarded by mu_.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <prometheus/collectable.h>

#include "replicate/cycle.h"

namespace zpull::exporter {

class ReplicationMetrics : public prometheus::Collectable {
 public:
  // Upper bounds of the duration histogram, in seconds.
  static const std::vector<double> kDurationBuckets;

  ReplicationMetrics(const std::vector<std::string>& datasets, std::function<std::int64_t()> now);

  // State read back from ZFS at start-up, before any cycle ran.
  void RestoreFromDestination(const std::string& dataset, std::optional<std::int64_t> last_success,
                              std::optional<std::int64_t> newest_common_creation);
  void CycleStarted(const std::string& dataset, std::int64_t when);
  void AddBytes(const std::string& dataset, std::uint64_t n);
  void AddWireBytes(const std::string& dataset, std::uint64_t n);
  // The size `zfs send -nvP` predicts for the step about to stream; a
  // cycle's estimates add up (zpull_replication_expected_bytes).
  void SetExpectedBytes(const std::string& dataset, std::uint64_t n);
  void SetPaused(const std::string& dataset, bool paused);
  // The configured interval (alert rules compare ages with it).
  void SetInterval(const std::string& dataset, std::int64_t seconds);
  void CycleFinished(const std::string& dataset, const replicate::CycleOutcome& outcome, double seconds);

  std::vector<prometheus::MetricFamily> Collect() const override;

  // What `zpull status` and /status show of one dataset.
  struct View {
    std::optional<std::int64_t> last_success, last_attempt, newest_common_creation;
    bool in_progress = false, paused = false;
    std::uint64_t cycle_bytes = 0;
    std::optional<std::uint64_t> expected_bytes;
    std::optional<bool> last_ok;        // none before the first cycle
    std::string last_reason;            // of the last failed cycle, when last_ok is false
    std::optional<double> last_duration;
  };
  View ViewOf(const std::string& dataset) const;

 private:
  struct Dataset {
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<std::uint64_t> wire_bytes{0};
    std::atomic<std::uint64_t> cycle_bytes{0};  // since the running (or last) cycle started
    std::optional<std::int64_t> last_success, last_attempt, newest_common_creation;
    std::uint64_t runs = 0;
    std::map<core::Reason, std::uint64_t> failures;
    bool in_progress = false;
    std::optional<double> last_duration;
    std::vector<std::uint64_t> duration_buckets;  // per bucket, not cumulative
    std::uint64_t duration_count = 0;
    double duration_sum = 0;
    std::optional<std::size_t> source_snapshots, destination_snapshots;
    std::uint64_t pruned_source = 0, pruned_destination = 0, source_prune_failures = 0;
    std::optional<std::uint64_t> expected_bytes;
    bool expected_this_cycle = false;  // expected_bytes holds this cycle's estimates (else the last cycle's)
    std::map<core::Reason, std::uint64_t> retries;
    std::uint64_t resumes = 0, tokens_aborted = 0, destroyed_on_divergence = 0;
    bool paused = false;
    std::optional<std::int64_t> interval;
    std::optional<bool> last_ok;
    std::string last_reason;
  };
  Dataset& At(const std::string& dataset) const;

  const std::function<std::int64_t()> now_;
  mutable std::mutex mu_;
  // Keys fixed at construction; the Dataset objects are never moved.
  std::map<std::string, std::unique_ptr<Dataset>> datasets_;
};

// zpull_build_info{version,revision} 1.
class BuildInfo : public prometheus::Collectable {
 public:
  BuildInfo(std::string version, std::string revision);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::string version_, revision_;
};

}  // namespace zpull::exporter
