#include "exporter/check_metrics.h"

#include <prometheus/metric_family.h>

namespace zpull::exporter {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Gauge(const char* name, const char* help) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = MetricType::Gauge;
  return f;
}

void Add(MetricFamily& f, std::vector<ClientMetric::Label> labels, double v) {
  ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = v;
  f.metric.push_back(std::move(m));
}

}  // namespace

void CheckMetrics::RecordRun(const std::string& check, const std::string& host, const std::string& target,
                             bool success, double seconds, std::int64_t when) {
  std::lock_guard lock(mu_);
  runs_[{check, host, target}] = Run{success, seconds, when};
}

void CheckMetrics::SetParity(const std::string& dataset, const checks::ParityReport& report) {
  std::lock_guard lock(mu_);
  parity_[dataset] = report;
}

std::vector<MetricFamily> CheckMetrics::Collect() const {
  auto success = Gauge("zpull_check_success", "1 if the last run of the check completed, 0 if it failed to run.");
  auto duration = Gauge("zpull_check_duration_seconds", "Duration of the last run of the check.");
  auto last_run = Gauge("zpull_check_last_run_timestamp_seconds", "Unix time of the last run of the check.");
  auto not_replicated = Gauge("zpull_parity_not_replicated_snapshots",
                              "Source snapshots newer than the newest common snapshot, as of the last parity check.");
  auto oldest = Gauge("zpull_parity_oldest_not_replicated_timestamp_seconds",
                      "Creation time of the oldest source snapshot not yet on the destination (absent when none).");
  auto holes = Gauge("zpull_parity_holes",
                     "Source snapshots between the oldest and newest common ones missing on the destination "
                     "although its retention would keep them.");
  auto mismatch = Gauge("zpull_parity_guid_mismatches", "Snapshot names on both sides whose guids differ.");
  auto diverged = Gauge("zpull_parity_diverged_snapshots",
                        "Destination snapshots newer than the newest common snapshot.");
  auto newest_source = Gauge("zpull_source_newest_snapshot_timestamp_seconds",
                             "Creation time of the newest source snapshot, as of the last parity check.");
  auto dst_exists = Gauge("zpull_parity_destination_exists", "1 if the destination dataset exists.");

  std::lock_guard lock(mu_);
  for (const auto& [key, run] : runs_) {
    const auto& [check, host, target] = key;
    std::vector<ClientMetric::Label> l = {{"check", check}, {"host", host}, {"target", target}};
    Add(success, l, run.success ? 1 : 0);
    Add(duration, l, run.seconds);
    Add(last_run, l, double(run.when));
  }
  for (const auto& [dataset, r] : parity_) {
    std::vector<ClientMetric::Label> l = {{"dataset", dataset}};
    Add(not_replicated, l, double(r.not_replicated));
    if (r.oldest_not_replicated_creation) Add(oldest, l, double(*r.oldest_not_replicated_creation));
    Add(holes, l, double(r.holes.size()));
    Add(mismatch, l, double(r.guid_mismatches.size()));
    Add(diverged, l, double(r.diverged.size()));
    if (r.newest_source_creation) Add(newest_source, l, double(*r.newest_source_creation));
    Add(dst_exists, l, r.destination_exists ? 1 : 0);
  }
  return {success, duration, last_run, not_replicated, oldest, holes, mismatch, diverged, newest_source, dst_exists};
}

}  // namespace zpull::exporter
