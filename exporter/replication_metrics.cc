#include "exporter/replication_metrics.h"

#include "exporter/metric_family.h"

namespace zpull::exporter {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// The families of ReplicationMetrics::Collect, declared in /metrics order;
// every dataset adds its samples to them.
struct ReplicationFamilies {
  MetricFamily last_success =
      NewFamily("zpull_replication_last_success_timestamp_seconds",
                "Unix time of the last successful replication cycle (read back from the destination's "
                "zpull:last_success property after a restart).",
                MetricType::Gauge);
  MetricFamily last_attempt = NewFamily("zpull_replication_last_attempt_timestamp_seconds",
                                        "Unix time the last replication cycle started.", MetricType::Gauge);
  MetricFamily common =
      NewFamily("zpull_replication_newest_common_snapshot_timestamp_seconds",
                "Creation time of the newest snapshot present on source and destination (by guid), as of "
                "the last cycle's listing.",
                MetricType::Gauge);
  MetricFamily lag = NewFamily(
      "zpull_replication_lag_seconds",
      "Data age on the destination: scrape time minus the newest common snapshot's creation time.", MetricType::Gauge);
  MetricFamily bytes =
      NewFamily("zpull_replication_bytes_total", "Bytes of zfs send streams received, counted while transfers run.",
                MetricType::Counter);
  MetricFamily wire =
      NewFamily("zpull_replication_wire_bytes_total",
                "Bytes received over the wire for those streams: fewer than zpull_replication_bytes_total "
                "with compress: zstd, the same otherwise.",
                MetricType::Counter);
  MetricFamily runs =
      NewFamily("zpull_replication_runs_total", "Replication cycles finished, successful or not.", MetricType::Counter);
  MetricFamily failures =
      NewFamily("zpull_replication_failures_total",
                "Replication cycles that failed, by reason (docs/failure-reasons.md).", MetricType::Counter);
  MetricFamily last_duration =
      NewFamily("zpull_replication_last_duration_seconds", "Duration of the last finished cycle.", MetricType::Gauge);
  MetricFamily duration = NewFamily("zpull_replication_duration_seconds", "Durations of finished replication cycles.",
                                    MetricType::Histogram);
  MetricFamily in_progress =
      NewFamily("zpull_replication_in_progress", "1 while a replication cycle runs.", MetricType::Gauge);
  MetricFamily expected =
      NewFamily("zpull_replication_expected_bytes",
                "Stream size zfs send -nvP predicted for the running cycle's transfers so far, or the last "
                "cycle's (absent where the source cannot estimate: zfs-fuse).",
                MetricType::Gauge);
  MetricFamily snapshots =
      NewFamily("zpull_snapshots", "Snapshots of the dataset on each side, as of the last cycle.", MetricType::Gauge);
  MetricFamily pruned =
      NewFamily("zpull_pruned_snapshots_total",
                "Snapshots destroyed by pruning, by side: the destination's by retention, the source's "
                "(zpull's own, older than the newest common one) by source_retention.",
                MetricType::Counter);
  MetricFamily prune_failures =
      NewFamily("zpull_source_prune_failures_total",
                "Cycles that replicated but could not destroy one of zpull's own source snapshots (no destroy "
                "permission there: zpull-guard --destroy); a warning, not a failed cycle.",
                MetricType::Counter);
  MetricFamily retries = NewFamily(
      "zpull_replication_retries_total",
      "Failed transfer attempts retried within a cycle, by the reason of the failed attempt.", MetricType::Counter);
  MetricFamily resumes =
      NewFamily("zpull_replication_resumes_total",
                "Interrupted receives finished from their receive_resume_token (zfs send -t).", MetricType::Counter);
  MetricFamily aborted =
      NewFamily("zpull_replication_resume_tokens_aborted_total",
                "Resume tokens the source could not serve, discarded with zfs receive -A.", MetricType::Counter);
  MetricFamily divergence = NewFamily("zpull_replication_divergence_destroyed_snapshots_total",
                                      "Destination snapshots destroyed by force_on_divergence.", MetricType::Counter);
  MetricFamily paused =
      NewFamily("zpull_replication_paused",
                "1 while the dataset is paused (zpull pause); its cycles are not scheduled.", MetricType::Gauge);
  MetricFamily interval =
      NewFamily("zpull_replication_interval_seconds",
                "The dataset's configured replication interval (alert rules measure ages in it).", MetricType::Gauge);
  MetricFamily cycle_bytes = NewFamily("zpull_replication_cycle_bytes",
                                       "Bytes received by the running cycle, or by the last one (with "
                                       "zpull_replication_expected_bytes: the progress of a transfer).",
                                       MetricType::Gauge);

  // Moves the families out, in /metrics order.
  std::vector<MetricFamily> Take() {
    return Families(last_success, last_attempt, common, lag, bytes, wire, runs, failures, last_duration, duration,
                    in_progress, expected, snapshots, pruned, prune_failures, retries, resumes, aborted, divergence, paused, interval,
                    cycle_bytes);
  }
};

// One sample per entry of `counts`, labelled with the dataset and the reason.
void AddByReason(MetricFamily& f, const std::string& dataset, const std::map<core::Reason, std::uint64_t>& counts) {
  for (const auto& [reason, n] : counts) {
    AddSample(f, {{"dataset", dataset}, {"reason", std::string(core::ReasonName(reason))}}, double(n));
  }
}

// The retries by reason, with a 0 first for each usual retry reason
// (network, stalled, timeout) that has none yet.
void AddRetries(MetricFamily& f, const std::string& dataset, const std::map<core::Reason, std::uint64_t>& retries) {
  for (core::Reason reason : {core::Reason::kNetwork, core::Reason::kStalled, core::Reason::kTimeout}) {
    if (!retries.count(reason)) {
      AddSample(f, {{"dataset", dataset}, {"reason", std::string(core::ReasonName(reason))}}, 0);
    }
  }
  AddByReason(f, dataset, retries);
}

// A histogram sample over ReplicationMetrics::kDurationBuckets from
// per-bucket (not cumulative) counts.
ClientMetric DurationHistogram(const std::vector<ClientMetric::Label>& labels,
                               const std::vector<std::uint64_t>& per_bucket, std::uint64_t count, double sum) {
  const std::vector<double>& bounds = ReplicationMetrics::kDurationBuckets;
  ClientMetric h;
  h.label = labels;
  h.histogram.sample_count = count;
  h.histogram.sample_sum = sum;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    cumulative += per_bucket[i];
    h.histogram.bucket.push_back({cumulative, bounds[i]});
  }
  h.histogram.bucket.push_back({count, std::numeric_limits<double>::infinity()});
  return h;
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
  d.cycle_bytes.store(0, std::memory_order_relaxed);
  d.expected_this_cycle = false;  // the last cycle's estimate stays until this one's first
}

void ReplicationMetrics::AddBytes(const std::string& dataset, std::uint64_t n) {
  Dataset& d = At(dataset);
  d.bytes.fetch_add(n, std::memory_order_relaxed);
  d.cycle_bytes.fetch_add(n, std::memory_order_relaxed);
}

void ReplicationMetrics::SetPaused(const std::string& dataset, bool paused) {
  std::lock_guard lock(mu_);
  At(dataset).paused = paused;
}

void ReplicationMetrics::SetInterval(const std::string& dataset, std::int64_t seconds) {
  std::lock_guard lock(mu_);
  At(dataset).interval = seconds;
}

void ReplicationMetrics::AddWireBytes(const std::string& dataset, std::uint64_t n) {
  At(dataset).wire_bytes.fetch_add(n, std::memory_order_relaxed);
}

void ReplicationMetrics::SetExpectedBytes(const std::string& dataset, std::uint64_t n) {
  std::lock_guard lock(mu_);
  Dataset& d = At(dataset);
  d.expected_bytes = (d.expected_this_cycle ? d.expected_bytes.value_or(0) : 0) + n;
  d.expected_this_cycle = true;
}

void ReplicationMetrics::CycleFinished(const std::string& dataset, const replicate::CycleOutcome& o, double seconds) {
  std::lock_guard lock(mu_);
  Dataset& d = At(dataset);
  d.in_progress = false;
  ++d.runs;
  d.last_ok = !o.error;
  if (o.error) {
    ++d.failures[o.error->reason];
    d.last_reason = std::string(core::ReasonName(o.error->reason));
  } else {
    d.last_success = o.finished;
    d.last_reason.clear();
  }
  if (o.newest_common) d.newest_common_creation = o.newest_common->creation;
  if (o.source_snapshots || o.ok()) d.source_snapshots = o.source_snapshots;
  if (o.destination_snapshots || o.ok()) d.destination_snapshots = o.destination_snapshots;
  d.pruned_source += o.pruned_source;
  d.pruned_destination += o.pruned_destination;
  if (o.source_prune_failed) ++d.source_prune_failures;
  for (const auto& e : o.retried) ++d.retries[e.reason];
  d.resumes += static_cast<std::uint64_t>(o.resumed);
  d.tokens_aborted += static_cast<std::uint64_t>(o.tokens_aborted);
  d.destroyed_on_divergence += o.destroyed_on_divergence.size();
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

ReplicationMetrics::View ReplicationMetrics::ViewOf(const std::string& dataset) const {
  std::lock_guard lock(mu_);
  const Dataset& d = At(dataset);
  View v;
  v.last_success = d.last_success;
  v.last_attempt = d.last_attempt;
  v.newest_common_creation = d.newest_common_creation;
  v.in_progress = d.in_progress;
  v.paused = d.paused;
  v.cycle_bytes = d.cycle_bytes.load(std::memory_order_relaxed);
  // A running cycle's progress is measured against its own estimate only.
  if (!d.in_progress || d.expected_this_cycle) v.expected_bytes = d.expected_bytes;
  v.last_ok = d.last_ok;
  v.last_reason = d.last_reason;
  v.last_duration = d.last_duration;
  return v;
}

std::vector<MetricFamily> ReplicationMetrics::Collect() const {
  const std::int64_t now = now_();
  ReplicationFamilies f;
  std::lock_guard lock(mu_);
  for (const auto& [name, dp] : datasets_) {
    const Dataset& d = *dp;
    const std::vector<ClientMetric::Label> l = {{"dataset", name}};
    if (d.last_success) AddSample(f.last_success, l, double(*d.last_success));
    if (d.last_attempt) AddSample(f.last_attempt, l, double(*d.last_attempt));
    if (d.newest_common_creation) {
      AddSample(f.common, l, double(*d.newest_common_creation));
      AddSample(f.lag, l, double(now - *d.newest_common_creation));
    }
    AddSample(f.bytes, l, double(d.bytes.load(std::memory_order_relaxed)));
    AddSample(f.wire, l, double(d.wire_bytes.load(std::memory_order_relaxed)));
    AddSample(f.runs, l, double(d.runs));
    AddByReason(f.failures, name, d.failures);
    if (d.last_duration) AddSample(f.last_duration, l, *d.last_duration);
    f.duration.metric.push_back(DurationHistogram(l, d.duration_buckets, d.duration_count, d.duration_sum));
    AddSample(f.in_progress, l, d.in_progress ? 1 : 0);
    if (d.expected_bytes) AddSample(f.expected, l, double(*d.expected_bytes));
    if (d.source_snapshots) {
      AddSample(f.snapshots, {{"dataset", name}, {"side", "source"}}, double(*d.source_snapshots));
    }
    if (d.destination_snapshots) {
      AddSample(f.snapshots, {{"dataset", name}, {"side", "destination"}}, double(*d.destination_snapshots));
    }
    AddSample(f.pruned, {{"dataset", name}, {"side", "source"}}, double(d.pruned_source));
    AddSample(f.pruned, {{"dataset", name}, {"side", "destination"}}, double(d.pruned_destination));
    AddSample(f.prune_failures, l, double(d.source_prune_failures));
    AddRetries(f.retries, name, d.retries);
    AddSample(f.resumes, l, double(d.resumes));
    AddSample(f.aborted, l, double(d.tokens_aborted));
    AddSample(f.divergence, l, double(d.destroyed_on_divergence));
    AddSample(f.paused, l, d.paused ? 1 : 0);
    if (d.interval) AddSample(f.interval, l, double(*d.interval));
    AddSample(f.cycle_bytes, l, double(d.cycle_bytes.load(std::memory_order_relaxed)));
  }
  return f.Take();
}

BuildInfo::BuildInfo(std::string version, std::string revision)
    : version_(std::move(version)), revision_(std::move(revision)) {}

std::vector<MetricFamily> BuildInfo::Collect() const {
  auto f = NewFamily("zpull_build_info", "zpull's version and source revision; always 1.", MetricType::Gauge);
  AddSample(f, {{"version", version_}, {"revision", revision_}}, 1);
  return Families(f);
}

}  // namespace zpull::exporter
