#include "exporter/check_metrics.h"

#include "exporter/metric_family.h"

#include "checks/scrub.h"

namespace zpull::exporter {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Gauge(const char* name, const char* help) { return NewFamily(name, help, MetricType::Gauge); }

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

void CheckMetrics::SetPool(const std::string& host, const std::string& pool, const core::PoolStatus& status,
                           const std::optional<core::PoolSpace>& space) {
  std::lock_guard lock(mu_);
  Pool& p = pools_[{host, pool}];
  p.status = status;
  if (space) p.space = space;
}

void CheckMetrics::CountScrubStarted(const std::string& host, const std::string& pool) {
  std::lock_guard lock(mu_);
  ++pools_[{host, pool}].scrubs_started;
}

std::vector<PoolStatusRow> CheckMetrics::Pools() const {
  std::lock_guard lock(mu_);
  std::vector<PoolStatusRow> out;
  for (const auto& [key, p] : pools_) {
    const auto& st = p.status;
    PoolStatusRow v{key.first, key.second, st.state};
    v.scrubbing = st.scrub && (st.scrub->state == core::ScanState::kInProgress || st.scrub->state == core::ScanState::kPaused);
    if (v.scrubbing) v.scrub_progress = st.scrub->progress_ratio;
    if (st.scrub && st.scrub->state == core::ScanState::kFinished) {
      v.last_scrub = st.scrub->end_time;
      v.scrub_errors = st.scrub->errors.value_or(0);
    }
    v.permanent_errors = st.data_errors.value_or(0);
    out.push_back(std::move(v));
  }
  return out;
}

std::optional<CheckMetrics::DrillState> CheckMetrics::DrillOf(const std::string& dataset) const {
  std::lock_guard lock(mu_);
  auto it = drills_.find(dataset);
  if (it == drills_.end()) return std::nullopt;
  return it->second;
}

void CheckMetrics::SetDrillInterval(const std::string& dataset, std::int64_t seconds) {
  std::lock_guard lock(mu_);
  drill_intervals_[dataset] = seconds;
}

void CheckMetrics::SetDrill(const std::string& dataset, const DrillState& state) {
  std::lock_guard lock(mu_);
  DrillState& d = drills_[dataset];
  if (state.last_success) d.last_success = state.last_success;
  d.last_run = state.last_run;
  d.last_outcome = state.last_outcome;
  d.seconds = state.seconds;
  d.files_verified = state.files_verified;
  d.bytes_verified = state.bytes_verified;
  d.mismatches = state.mismatches;
  if (state.restore_bytes_per_second) d.restore_bytes_per_second = state.restore_bytes_per_second;
  if (state.estimated_restore_seconds) d.estimated_restore_seconds = state.estimated_restore_seconds;
  auto& f = drill_failures_[dataset];
  for (auto r : checks::kAllDrillFailures) f.try_emplace(r, 0);
}

void CheckMetrics::CountDrillFailure(const std::string& dataset, checks::DrillFailure failure) {
  std::lock_guard lock(mu_);
  ++drill_failures_[dataset][failure];
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
  auto dst_written = Gauge("zpull_parity_destination_written_bytes",
                           "Bytes written to the destination since its newest snapshot (OpenZFS `written`; absent "
                           "where the property does not exist). Above 0 the next incremental fails.");

  auto health = Gauge("zpull_pool_health", "1 for the pool's current state, 0 for the others.");
  auto size = Gauge("zpull_pool_size_bytes", "Pool size (zpool list; rounded where zpool has no -p).");
  auto allocated = Gauge("zpull_pool_allocated_bytes", "Allocated bytes of the pool.");
  auto free_bytes = Gauge("zpull_pool_free_bytes", "Free bytes of the pool.");
  auto scrubbing = Gauge("zpull_scrub_in_progress", "1 while a scrub runs (or is paused).");
  auto progress = Gauge("zpull_scrub_progress_ratio", "Progress of the running scrub, 0 to 1.");
  auto last_scrub = Gauge("zpull_scrub_last_completed_timestamp_seconds",
                          "Unix time the last scrub completed (absent if none ever did).");
  auto last_scrub_duration = Gauge("zpull_scrub_last_duration_seconds", "Duration of the last completed scrub.");
  auto scrub_errors = Gauge("zpull_scrub_errors", "Errors the last completed scrub found.");
  auto repaired = Gauge("zpull_scrub_repaired_bytes", "Bytes the last completed scrub repaired.");
  auto vdev_errors = Gauge("zpull_vdev_errors", "Read, write and checksum error counters of each vdev.");
  auto permanent = Gauge("zpull_pool_permanent_errors", "Data errors zpool status reports (files with permanent errors).");
  auto started = NewFamily("zpull_scrubs_started_total",
                           "Scrubs zpull started because the last one was older than scrub.every.", MetricType::Counter);

  auto drill_run = Gauge("zpull_drill_last_run_timestamp_seconds", "Unix time the last restore drill ended.");
  auto drill_success = Gauge("zpull_drill_last_success_timestamp_seconds",
                             "Unix time of the last successful restore drill (kept in ZFS across restarts).");
  auto drill_outcome = Gauge("zpull_drill_last_outcome",
                             "1 for the outcome of the last restore drill (ok or a failure reason), 0 otherwise.");
  auto drill_seconds = Gauge("zpull_drill_duration_seconds", "Duration of the last restore drill.");
  auto drill_files = Gauge("zpull_drill_files_verified", "Files the last restore drill read back and matched.");
  auto drill_bytes = Gauge("zpull_drill_bytes_verified", "Bytes the last restore drill read back and matched.");
  auto drill_mismatch = Gauge("zpull_drill_mismatches", "Differences the last restore drill found.");
  auto restore_rate = Gauge("zpull_drill_restore_bytes_per_second",
                            "Throughput of the last drill's test restore (zfs send | zfs receive on the backup pool).");
  auto restore_eta = Gauge("zpull_drill_estimated_restore_seconds",
                           "The dataset's referenced bytes divided by the last measured restore throughput.");
  auto drill_failures = NewFamily("zpull_drill_failures_total",
                                  "Failed restore drills by reason (docs/restore-drills.md).", MetricType::Counter);

  auto drill_interval = Gauge("zpull_drill_interval_seconds",
                              "drill.every of the dataset: how often a restore drill is due.");

  std::lock_guard lock(mu_);
  for (const auto& [dataset, seconds] : drill_intervals_) AddSample(drill_interval, {{"dataset", dataset}}, double(seconds));
  for (const auto& [dataset, d] : drills_) {
    std::vector<ClientMetric::Label> l = {{"dataset", dataset}};
    if (d.last_run) AddSample(drill_run, l, double(*d.last_run));
    if (d.last_success) AddSample(drill_success, l, double(*d.last_success));
    if (!d.last_outcome.empty()) {
      std::vector<std::string> outcomes = {"ok"};
      for (auto r : checks::kAllDrillFailures) outcomes.emplace_back(checks::DrillFailureName(r));
      for (const auto& o : outcomes) AddSample(drill_outcome, {{"dataset", dataset}, {"outcome", o}}, o == d.last_outcome ? 1 : 0);
    }
    if (d.seconds) {
      AddSample(drill_seconds, l, *d.seconds);
      AddSample(drill_files, l, double(d.files_verified));
      AddSample(drill_bytes, l, double(d.bytes_verified));
      AddSample(drill_mismatch, l, double(d.mismatches));
    }
    if (d.restore_bytes_per_second) AddSample(restore_rate, l, *d.restore_bytes_per_second);
    if (d.estimated_restore_seconds) AddSample(restore_eta, l, *d.estimated_restore_seconds);
  }
  for (const auto& [dataset, by_reason] : drill_failures_) {
    for (const auto& [reason, n] : by_reason) {
      AddSample(drill_failures, {{"dataset", dataset}, {"reason", std::string(checks::DrillFailureName(reason))}},
                double(n));
    }
  }
  for (const auto& [key, p] : pools_) {
    const auto& [host, pool] = key;
    std::vector<ClientMetric::Label> l = {{"host", host}, {"pool", pool}};
    const auto& st = p.status;
    if (!st.state.empty()) {
      for (const auto& state : checks::kPoolStates) {
        AddSample(health, {{"host", host}, {"pool", pool}, {"state", state}}, st.state == state ? 1 : 0);
      }
    }
    if (p.space) {
      AddSample(size, l, double(p.space->size));
      AddSample(allocated, l, double(p.space->allocated));
      AddSample(free_bytes, l, double(p.space->free));
    }
    const bool running = st.scrub && (st.scrub->state == core::ScanState::kInProgress ||
                                      st.scrub->state == core::ScanState::kPaused);
    AddSample(scrubbing, l, running ? 1 : 0);
    if (running && st.scrub->progress_ratio) AddSample(progress, l, *st.scrub->progress_ratio);
    if (st.scrub && st.scrub->state == core::ScanState::kFinished) {
      if (st.scrub->end_time) AddSample(last_scrub, l, double(*st.scrub->end_time));
      if (st.scrub->duration_seconds) AddSample(last_scrub_duration, l, double(*st.scrub->duration_seconds));
      if (st.scrub->errors) AddSample(scrub_errors, l, double(*st.scrub->errors));
      AddSample(repaired, l, double(st.ScrubRepairedBytes().value_or(0)));
    }
    for (const auto& v : st.vdevs) {
      for (auto [type, n] : {std::pair{"read", v.read_errors}, {"write", v.write_errors}, {"checksum", v.checksum_errors}}) {
        AddSample(vdev_errors, {{"host", host}, {"pool", pool}, {"vdev", v.name}, {"type", type}}, double(n));
      }
    }
    if (st.data_errors) AddSample(permanent, l, double(*st.data_errors));
    AddSample(started, l, double(p.scrubs_started));
  }
  for (const auto& [key, run] : runs_) {
    const auto& [check, host, target] = key;
    std::vector<ClientMetric::Label> l = {{"check", check}, {"host", host}, {"target", target}};
    AddSample(success, l, run.success ? 1 : 0);
    AddSample(duration, l, run.seconds);
    AddSample(last_run, l, double(run.when));
  }
  for (const auto& [dataset, r] : parity_) {
    std::vector<ClientMetric::Label> l = {{"dataset", dataset}};
    AddSample(not_replicated, l, double(r.not_replicated));
    if (r.oldest_not_replicated_creation) AddSample(oldest, l, double(*r.oldest_not_replicated_creation));
    AddSample(holes, l, double(r.holes.size()));
    AddSample(mismatch, l, double(r.guid_mismatches.size()));
    AddSample(diverged, l, double(r.diverged.size()));
    if (r.newest_source_creation) AddSample(newest_source, l, double(*r.newest_source_creation));
    AddSample(dst_exists, l, r.destination_exists ? 1 : 0);
    if (r.destination_written) AddSample(dst_written, l, double(*r.destination_written));
  }
  return Families(success, duration, last_run, not_replicated, oldest, holes, mismatch, diverged, newest_source,
                  dst_exists, dst_written, health, size, allocated, free_bytes, scrubbing, progress, last_scrub,
                  last_scrub_duration, scrub_errors, repaired, vdev_errors, permanent, started, drill_run,
                  drill_success, drill_outcome, drill_seconds, drill_files, drill_bytes, drill_mismatch, restore_rate,
                  restore_eta, drill_failures, drill_interval);
}

}  // namespace zpull::exporter
