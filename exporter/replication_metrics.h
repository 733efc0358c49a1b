#pragma once
// The replication metrics of every configured dataset. Cycles report into
// it; a scrape writes the cached values and computes the lag from the clock
// at scrape time (nothing runs at scrape time). The `dataset` label is the
// configured destination. Counters by reason and of rare events appear at
// their first count (docs/metrics.md, "Series budget") unless
// MetricDetail::zero_counters; the duration histogram only with
// MetricDetail::histograms.
//
// Thread-safe: byte counters are atomics (the transfer thread adds to them
// while a scrape reads them); everything else is guarded by mu_.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/metric_detail.h"
#include "exporter/metric_text.h"
#include "replicate/cycle.h"

namespace zpull::exporter {

class ReplicationMetrics : public MetricSource {
 public:
  // Upper bounds of the duration histogram, in seconds.
  static constexpr std::array<double, 11> kDurationBuckets = {1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 21600, 86400};

  ReplicationMetrics(const std::vector<std::string>& datasets, std::function<std::int64_t()> now,
                     core::MetricDetail detail = {});

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
  // When this zpull began scheduling the dataset (its start, or the reload
  // that added it): with no success since, how long it has never succeeded.
  void SetFirstScheduled(const std::string& dataset, std::int64_t when);
  void CycleFinished(const std::string& dataset, const replicate::CycleOutcome& outcome, double seconds);

  void WriteMetrics(MetricWriter& out) const override;

  // What `zpull status` and /status show of one dataset.
  struct View {
    std::optional<std::int64_t> last_success, last_attempt, newest_common_creation;
    bool in_progress = false, paused = false;
    std::uint64_t cycle_bytes = 0;
    std::optional<std::uint64_t> expected_bytes;
    std::optional<bool> last_ok;        // none before the first cycle
    std::string last_reason;            // of the last failed cycle, when last_ok is false
    std::string last_message;           // ... and its error's message
    std::optional<std::int64_t> first_scheduled;
    std::optional<double> last_duration;
  };
  View ViewOf(const std::string& dataset) const;

 private:
  // Everything but the byte counters: what a scrape copies.
  struct Values {
    std::uint64_t bytes = 0, wire_bytes = 0, cycle_bytes = 0;  // loaded from the atomics for a scrape
    std::optional<std::int64_t> last_success, last_attempt, newest_common_creation;
    std::uint64_t runs = 0;
    std::map<core::Reason, std::uint64_t> failures;
    bool in_progress = false;
    std::optional<double> last_duration;
    std::array<std::uint64_t, kDurationBuckets.size()> duration_buckets{};  // per bucket, not cumulative
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
    std::string last_message;
    // When this zpull began scheduling it (zpull_replication_first_scheduled_timestamp_seconds).
    std::optional<std::int64_t> first_scheduled;
  };
  struct Dataset {
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<std::uint64_t> wire_bytes{0};
    std::atomic<std::uint64_t> cycle_bytes{0};  // since the running (or last) cycle started
    Values v;  // guarded by mu_
  };
  Dataset& At(const std::string& dataset) const;

  const std::function<std::int64_t()> now_;
  const core::MetricDetail detail_;
  mutable std::mutex mu_;
  // Keys fixed at construction; the Dataset objects are never moved.
  std::map<std::string, std::unique_ptr<Dataset>> datasets_;
};

// zpull_build_info{version,revision} 1.
class BuildInfo : public MetricSource {
 public:
  BuildInfo(std::string version, std::string revision);
  void WriteMetrics(MetricWriter& out) const override;

 private:
  std::string version_, revision_;
};

}  // namespace zpull::exporter
