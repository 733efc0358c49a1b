#include "exporter/replication_metrics.h"

#include <prometheus/metric_family.h>

namespace zpull::exporter {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(const char* name, const char* help, MetricType type) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

ClientMetric Sample(std::vector<ClientMetric::Label> labels, double value, MetricType type) {
  ClientMetric m;
  m.label = std::move(labels);
  switch (type) {
    case MetricType::Counter: m.counter.value = value; break;
    default: m.gauge.value = value; break;
  }
  return m;
}

}  // namespace

const std::vector<double> ReplicationMetrics::kDurationBuckets = {1,   5,    15,   60,    300,   900,
                                                                  1800, 3600, 7200, 21600, 86400};

ReplicationMetrics::ReplicationMetrics(const std::vector<std::string>& datasets, std::function<std::int64_t()> now)
    : now_(std::move(now)) {
  for (const auto& d : datasets) {
    auto state = std::make_unique<Dataset>();
    state->duration_buckets.assign(kDurationBuckets.size(), 0);
    for (core::Reason r : core::kAllReasons) state->failures[r] = 0;
    datasets_.emplace(d, std::move(state));
  }
}

ReplicationMetrics::Dataset& ReplicationMetrics::At(const std::string& dataset) const {
  return *datasets_.at(dataset);  // datasets come from the configuration only
}

void ReplicationMetrics::RestoreFromDestination(const std::string& dataset, std::optional<std::int64_t> last_success,
                                                std::optional<std::int64_t> newest_common_creation) {
  std::lock_guard lock(mu_);
  Dataset& d = At(dataset);
  if (!d.last_success) d.last_success = last_success;
  if (!d.newest_common_creation) d.newest_common_creation = newest_common_creation;
}

void ReplicationMetrics::CycleStarted(const std::string& dataset, std::int64_t when) {
  std::lock_guard lock(mu_);
  Dataset& d = At(dataset);
  d.in_progress = true;
  d.last_attempt = when;
}

void ReplicationMetrics::AddBytes(const std::string& dataset, std::uint64_t n) {
  At(dataset).bytes.fetch_add(n, std::memory_order_relaxed);
}

void ReplicationMetrics::SetExpectedBytes(const std::string& dataset, std::uint64_t n) {
  std::lock_guard lock(mu_);
  At(dataset).expected_bytes = n;
}

void ReplicationMetrics::CycleFinished(const std::string& dataset, const replicate::CycleOutcome& o, double seconds) {
  std::lock_guard lock(mu_);
  Dataset& d = At(dataset);
  d.in_progress = false;
  ++d.runs;
  if (o.error) {
    ++d.failures[o.error->reason];
  } else {
    d.last_success = o.finished;
  }
  if (o.newest_common) d.newest_common_creation = o.newest_common->creation;
  if (o.source_snapshots || o.ok()) d.source_snapshots = o.source_snapshots;
  if (o.destination_snapshots || o.ok()) d.destination_snapshots = o.destination_snapshots;
  d.pruned_source += o.pruned_source;
  d.pruned_destination += o.pruned_destination;
  d.last_duration = seconds;
  ++d.duration_count;
  d.duration_sum += seconds;
  for (std::size_t i = 0; i < kDurationBuckets.size(); ++i) {
    if (seconds <= kDurationBuckets[i]) {
      ++d.duration_buckets[i];
      break;
    }
  }
}

std::vector<MetricFamily> ReplicationMetrics::Collect() const {
  const std::int64_t now = now_();
  auto last_success = Family("zpull_replication_last_success_timestamp_seconds",
                             "Unix time of the last successful replication cycle (read back from the destination's "
                             "zpull:last_success property after a restart).",
                             MetricType::Gauge);
  auto last_attempt = Family("zpull_replication_last_attempt_timestamp_seconds",
                             "Unix time the last replication cycle started.", MetricType::Gauge);
  auto common = Family("zpull_replication_newest_common_snapshot_timestamp_seconds",
                       "Creation time of the newest snapshot present on source and destination (by guid), as of "
                       "the last cycle's listing.",
                       MetricType::Gauge);
  auto lag = Family("zpull_replication_lag_seconds",
                    "Data age on the destination: scrape time minus the newest common snapshot's creation time.",
                    MetricType::Gauge);
  auto bytes = Family("zpull_replication_bytes_total",
                      "Bytes of zfs send streams received, counted while transfers run.", MetricType::Counter);
  auto runs = Family("zpull_replication_runs_total", "Replication cycles finished, successful or not.",
                     MetricType::Counter);
  auto failures = Family("zpull_replication_failures_total",
                         "Replication cycles that failed, by reason (docs/failure-reasons.md).", MetricType::Counter);
  auto last_duration = Family("zpull_replication_last_duration_seconds", "Duration of the last finished cycle.",
                              MetricType::Gauge);
  auto duration = Family("zpull_replication_duration_seconds", "Durations of finished replication cycles.",
                         MetricType::Histogram);
  auto in_progress = Family("zpull_replication_in_progress", "1 while a replication cycle runs.", MetricType::Gauge);
  auto expected = Family("zpull_replication_expected_bytes",
                         "Stream size zfs send -nvP predicted for the transfer in progress, or the last one (absent "
                         "where the source cannot estimate: zfs-fuse).",
                         MetricType::Gauge);
  auto snapshots = Family("zpull_snapshots", "Snapshots of the dataset on each side, as of the last cycle.",
                          MetricType::Gauge);
  auto pruned = Family("zpull_pruned_snapshots_total", "Snapshots destroyed by retention, by side.",
                       MetricType::Counter);

  std::lock_guard lock(mu_);
  for (const auto& [name, dp] : datasets_) {
    const Dataset& d = *dp;
    const std::vector<ClientMetric::Label> l = {{"dataset", name}};
    if (d.last_success) last_success.metric.push_back(Sample(l, double(*d.last_success), MetricType::Gauge));
    if (d.last_attempt) last_attempt.metric.push_back(Sample(l, double(*d.last_attempt), MetricType::Gauge));
    if (d.newest_common_creation) {
      common.metric.push_back(Sample(l, double(*d.newest_common_creation), MetricType::Gauge));
      lag.metric.push_back(Sample(l, double(now - *d.newest_common_creation), MetricType::Gauge));
    }
    bytes.metric.push_back(Sample(l, double(d.bytes.load(std::memory_order_relaxed)), MetricType::Counter));
    runs.metric.push_back(Sample(l, double(d.runs), MetricType::Counter));
    for (const auto& [reason, n] : d.failures) {
      failures.metric.push_back(
          Sample({{"dataset", name}, {"reason", std::string(core::ReasonName(reason))}}, double(n), MetricType::Counter));
    }
    if (d.last_duration) last_duration.metric.push_back(Sample(l, *d.last_duration, MetricType::Gauge));
    ClientMetric h;
    h.label = l;
    h.histogram.sample_count = d.duration_count;
    h.histogram.sample_sum = d.duration_sum;
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kDurationBuckets.size(); ++i) {
      cumulative += d.duration_buckets[i];
      h.histogram.bucket.push_back({cumulative, kDurationBuckets[i]});
    }
    h.histogram.bucket.push_back({d.duration_count, std::numeric_limits<double>::infinity()});
    duration.metric.push_back(std::move(h));
    in_progress.metric.push_back(Sample(l, d.in_progress ? 1 : 0, MetricType::Gauge));
    if (d.expected_bytes) expected.metric.push_back(Sample(l, double(*d.expected_bytes), MetricType::Gauge));
    if (d.source_snapshots) {
      snapshots.metric.push_back(
          Sample({{"dataset", name}, {"side", "source"}}, double(*d.source_snapshots), MetricType::Gauge));
    }
    if (d.destination_snapshots) {
      snapshots.metric.push_back(
          Sample({{"dataset", name}, {"side", "destination"}}, double(*d.destination_snapshots), MetricType::Gauge));
    }
    pruned.metric.push_back(Sample({{"dataset", name}, {"side", "source"}}, double(d.pruned_source), MetricType::Counter));
    pruned.metric.push_back(
        Sample({{"dataset", name}, {"side", "destination"}}, double(d.pruned_destination), MetricType::Counter));
  }
  return {last_success, last_attempt, common, lag, bytes, runs, failures, last_duration, duration, in_progress,
          expected, snapshots, pruned};
}

BuildInfo::BuildInfo(std::string version, std::string revision)
    : version_(std::move(version)), revision_(std::move(revision)) {}

std::vector<MetricFamily> BuildInfo::Collect() const {
  auto f = Family("zpull_build_info", "zpull's version and source revision; always 1.", MetricType::Gauge);
  f.metric.push_back(Sample({{"version", version_}, {"revision", revision_}}, 1, MetricType::Gauge));
  return {f};
}

}  // namespace zpull::exporter
