#include "exporter/check_metrics.h"

#include "exporter/metric_family.h"

#include "checks/scrub.h"

namespace zpull::exporter {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Gauge(const char* name, const char* help) { return NewFamily(name, help, MetricType::Gauge); }

// Moves `families` onto the end of `out`, in argument order.
template <class... F>
void Append(std::vector<MetricFamily>& out, F&... families) {
  (out.push_back(std::move(families)), ...);
}

// zpull_check_*: one series per (check, host, target).
class CheckRunFamilies {
 public:
  void Add(const std::string& check, const std::string& host, const std::string& target, bool ok, double seconds,
           std::int64_t when) {
    std::vector<ClientMetric::Label> l = {{"check", check}, {"host", host}, {"target", target}};
    AddSample(success_, l, ok ? 1 : 0);
    AddSample(duration_, l, seconds);
    AddSample(last_run_, l, double(when));
  }
  // Moves the families onto the end of `out`, in /metrics order.
  void MoveTo(std::vector<MetricFamily>& out) { Append(out, success_, duration_, last_run_); }

 private:
  MetricFamily success_ =
      Gauge("zpull_check_success", "1 if the last run of the check completed, 0 if it failed to run.");
  MetricFamily duration_ = Gauge("zpull_check_duration_seconds", "Duration of the last run of the check.");
  MetricFamily last_run_ = Gauge("zpull_check_last_run_timestamp_seconds", "Unix time of the last run of the check.");
};

// zpull_parity_* and zpull_source_newest_snapshot_*: one series per dataset.
class ParityFamilies {
 public:
  void Add(const std::string& dataset, const checks::ParityReport& r) {
    std::vector<ClientMetric::Label> l = {{"dataset", dataset}};
    AddSample(not_replicated_, l, double(r.not_replicated));
    if (r.oldest_not_replicated_creation) AddSample(oldest_, l, double(*r.oldest_not_replicated_creation));
    AddSample(holes_, l, double(r.holes.size()));
    AddSample(mismatch_, l, double(r.guid_mismatches.size()));
    AddSample(diverged_, l, double(r.diverged.size()));
    if (r.newest_source_creation) AddSample(newest_source_, l, double(*r.newest_source_creation));
    AddSample(dst_exists_, l, r.destination_exists ? 1 : 0);
    if (r.destination_written) AddSample(dst_written_, l, double(*r.destination_written));
  }
  // Moves the families onto the end of `out`, in /metrics order.
  void MoveTo(std::vector<MetricFamily>& out) {
    Append(out, not_replicated_, oldest_, holes_, mismatch_, diverged_, newest_source_, dst_exists_, dst_written_);
  }

 private:
  MetricFamily not_replicated_ =
      Gauge("zpull_parity_not_replicated_snapshots",
            "Source snapshots newer than the newest common snapshot, as of the last parity check.");
  MetricFamily oldest_ =
      Gauge("zpull_parity_oldest_not_replicated_timestamp_seconds",
            "Creation time of the oldest source snapshot not yet on the destination (absent when none).");
  MetricFamily holes_ = Gauge("zpull_parity_holes",
                              "Source snapshots between the oldest and newest common ones missing on the destination "
                              "although its retention would keep them.");
  MetricFamily mismatch_ = Gauge("zpull_parity_guid_mismatches", "Snapshot names on both sides whose guids differ.");
  MetricFamily diverged_ =
      Gauge("zpull_parity_diverged_snapshots", "Destination snapshots newer than the newest common snapshot.");
  MetricFamily newest_source_ = Gauge("zpull_source_newest_snapshot_timestamp_seconds",
                                      "Creation time of the newest source snapshot, as of the last parity check.");
  MetricFamily dst_exists_ = Gauge("zpull_parity_destination_exists", "1 if the destination dataset exists.");
  MetricFamily dst_written_ =
      Gauge("zpull_parity_destination_written_bytes",
            "Bytes written to the destination since its newest snapshot (OpenZFS `written`; absent "
            "where the property does not exist). Above 0 the next incremental fails.");
};

// zpull_pool_*, zpull_scrub_*, zpull_vdev_errors and
// zpull_scrubs_started_total: series per (host, pool).
class PoolFamilies {
 public:
  void Add(const std::string& host, const std::string& pool, const core::PoolStatus& st,
           const std::optional<core::PoolSpace>& space, std::uint64_t scrubs_started) {
    std::vector<ClientMetric::Label> l = {{"host", host}, {"pool", pool}};
    if (!st.state.empty()) {
      for (const auto& state : checks::kPoolStates) {
        AddSample(health_, {{"host", host}, {"pool", pool}, {"state", state}}, st.state == state ? 1 : 0);
      }
    }
    if (space) {
      AddSample(size_, l, double(space->size));
      AddSample(allocated_, l, double(space->allocated));
      AddSample(free_bytes_, l, double(space->free));
    }
    AddScrub(l, st);
    AddVdevErrors(host, pool, st.vdevs);
    if (st.data_errors) AddSample(permanent_, l, double(*st.data_errors));
    AddSample(started_, l, double(scrubs_started));
  }
  // Moves the families onto the end of `out`, in /metrics order.
  void MoveTo(std::vector<MetricFamily>& out) {
    Append(out, health_, size_, allocated_, free_bytes_, scrubbing_, progress_, last_scrub_, last_scrub_duration_,
           scrub_errors_, repaired_, vdev_errors_, permanent_, started_);
  }

 private:
  // The running scrub's state and progress, and the last completed one's results.
  void AddScrub(const std::vector<ClientMetric::Label>& l, const core::PoolStatus& st) {
    const bool running =
        st.scrub && (st.scrub->state == core::ScanState::kInProgress || st.scrub->state == core::ScanState::kPaused);
    AddSample(scrubbing_, l, running ? 1 : 0);
    if (running && st.scrub->progress_ratio) AddSample(progress_, l, *st.scrub->progress_ratio);
    if (st.scrub && st.scrub->state == core::ScanState::kFinished) {
      if (st.scrub->end_time) AddSample(last_scrub_, l, double(*st.scrub->end_time));
      if (st.scrub->duration_seconds) AddSample(last_scrub_duration_, l, double(*st.scrub->duration_seconds));
      if (st.scrub->errors) AddSample(scrub_errors_, l, double(*st.scrub->errors));
      AddSample(repaired_, l, double(st.ScrubRepairedBytes().value_or(0)));
    }
  }
  void AddVdevErrors(const std::string& host, const std::string& pool, const std::vector<core::VdevStatus>& vdevs) {
    for (const auto& v : vdevs) {
      for (auto [type, n] :
           {std::pair{"read", v.read_errors}, {"write", v.write_errors}, {"checksum", v.checksum_errors}}) {
        AddSample(vdev_errors_, {{"host", host}, {"pool", pool}, {"vdev", v.name}, {"type", type}}, double(n));
      }
    }
  }

  MetricFamily health_ = Gauge("zpull_pool_health", "1 for the pool's current state, 0 for the others.");
  MetricFamily size_ = Gauge("zpull_pool_size_bytes", "Pool size (zpool list; rounded where zpool has no -p).");
  MetricFamily allocated_ = Gauge("zpull_pool_allocated_bytes", "Allocated bytes of the pool.");
  MetricFamily free_bytes_ = Gauge("zpull_pool_free_bytes", "Free bytes of the pool.");
  MetricFamily scrubbing_ = Gauge("zpull_scrub_in_progress", "1 while a scrub runs (or is paused).");
  MetricFamily progress_ = Gauge("zpull_scrub_progress_ratio", "Progress of the running scrub, 0 to 1.");
  MetricFamily last_scrub_ = Gauge("zpull_scrub_last_completed_timestamp_seconds",
                                   "Unix time the last scrub completed (absent if none ever did).");
  MetricFamily last_scrub_duration_ =
      Gauge("zpull_scrub_last_duration_seconds", "Duration of the last completed scrub.");
  MetricFamily scrub_errors_ = Gauge("zpull_scrub_errors", "Errors the last completed scrub found.");
  MetricFamily repaired_ = Gauge("zpull_scrub_repaired_bytes", "Bytes the last completed scrub repaired.");
  MetricFamily vdev_errors_ = Gauge("zpull_vdev_errors", "Read, write and checksum error counters of each vdev.");
  MetricFamily permanent_ =
      Gauge("zpull_pool_permanent_errors", "Data errors zpool status reports (files with permanent errors).");
  MetricFamily started_ =
      NewFamily("zpull_scrubs_started_total", "Scrubs zpull started because the last one was older than scrub.every.",
                MetricType::Counter);
};

// zpull_drill_*: series per dataset (the outcome per outcome name, the
// failures per reason).
class DrillFamilies {
 public:
  void AddDrill(const std::string& dataset, const CheckMetrics::DrillState& d) {
    std::vector<ClientMetric::Label> l = {{"dataset", dataset}};
    if (d.last_run) AddSample(run_, l, double(*d.last_run));
    if (d.last_success) AddSample(success_, l, double(*d.last_success));
    if (!d.last_outcome.empty()) AddOutcome(dataset, d.last_outcome);
    if (d.seconds) {
      AddSample(seconds_, l, *d.seconds);
      AddSample(files_, l, double(d.files_verified));
      AddSample(skipped_, l, double(d.files_skipped));
      AddSample(bytes_, l, double(d.bytes_verified));
      AddSample(mismatch_, l, double(d.mismatches));
      AddSample(unreadable_, l, double(d.files_unreadable));
    }
    if (d.covered_ratio) AddSample(covered_, l, *d.covered_ratio);
    if (d.restore_bytes_per_second) AddSample(restore_rate_, l, *d.restore_bytes_per_second);
    if (d.estimated_restore_seconds) AddSample(restore_eta_, l, *d.estimated_restore_seconds);
  }
  void AddFailures(const std::string& dataset, const std::map<checks::DrillFailure, std::uint64_t>& by_reason) {
    for (const auto& [reason, n] : by_reason) {
      AddSample(failures_, {{"dataset", dataset}, {"reason", std::string(checks::DrillFailureName(reason))}},
                double(n));
    }
  }
  void AddInterval(const std::string& dataset, std::int64_t seconds) {
    AddSample(interval_, {{"dataset", dataset}}, double(seconds));
  }
  // Moves the families onto the end of `out`, in /metrics order.
  void MoveTo(std::vector<MetricFamily>& out) {
    Append(out, run_, success_, outcome_, seconds_, files_, skipped_, bytes_, mismatch_, unreadable_, covered_,
           restore_rate_, restore_eta_, failures_, interval_);
  }

 private:
  // 1 for `last` ("ok" or a failure name), 0 for every other outcome.
  void AddOutcome(const std::string& dataset, const std::string& last) {
    std::vector<std::string> outcomes = {"ok"};
    for (auto r : checks::kAllDrillFailures) outcomes.emplace_back(checks::DrillFailureName(r));
    for (const auto& o : outcomes) AddSample(outcome_, {{"dataset", dataset}, {"outcome", o}}, o == last ? 1 : 0);
  }

  MetricFamily run_ = Gauge("zpull_drill_last_run_timestamp_seconds", "Unix time the last restore drill ended.");
  MetricFamily success_ = Gauge("zpull_drill_last_success_timestamp_seconds",
                                "Unix time of the last successful restore drill (kept in ZFS across restarts).");
  MetricFamily outcome_ = Gauge("zpull_drill_last_outcome",
                                "1 for the outcome of the last restore drill (ok or a failure reason), 0 otherwise.");
  MetricFamily seconds_ = Gauge("zpull_drill_duration_seconds", "Duration of the last restore drill.");
  MetricFamily files_ = Gauge("zpull_drill_files_verified", "Files the last restore drill read back and matched.");
  MetricFamily skipped_ = Gauge("zpull_drill_files_skipped",
                                "Entries the last restore drill did not read: symlinks, FIFOs, devices, sockets.");
  MetricFamily bytes_ = Gauge("zpull_drill_bytes_verified", "Bytes the last restore drill read back and matched.");
  MetricFamily mismatch_ = Gauge("zpull_drill_mismatches", "Differences the last restore drill found.");
  MetricFamily unreadable_ =
      Gauge("zpull_drill_files_unreadable",
            "Sampled files the last restore drill could not read on either side (I/O or other read errors).");
  MetricFamily covered_ = Gauge("zpull_drill_files_covered_ratio",
                                "Share of the last drilled snapshot's files read and compared in the current "
                                "rotation of drills (docs/restore-drills.md).");
  MetricFamily restore_rate_ =
      Gauge("zpull_drill_restore_bytes_per_second",
            "Throughput of the last drill's test restore (zfs send | zfs receive on the backup pool).");
  MetricFamily restore_eta_ = Gauge("zpull_drill_estimated_restore_seconds",
                                    "The dataset's referenced bytes divided by the last measured restore throughput.");
  MetricFamily failures_ = NewFamily("zpull_drill_failures_total",
                                     "Failed restore drills by reason (docs/restore-drills.md).", MetricType::Counter);
  MetricFamily interval_ =
      Gauge("zpull_drill_interval_seconds", "drill.every of the dataset: how often a restore drill is due.");
};

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
  d.files_skipped = state.files_skipped;
  d.bytes_verified = state.bytes_verified;
  d.mismatches = state.mismatches;
  d.files_mismatched = state.files_mismatched;
  d.files_unreadable = state.files_unreadable;
  if (state.covered_ratio) d.covered_ratio = state.covered_ratio;
  if (state.restore_bytes_per_second) d.restore_bytes_per_second = state.restore_bytes_per_second;
  if (state.estimated_restore_seconds) d.estimated_restore_seconds = state.estimated_restore_seconds;
  auto& f = drill_failures_[dataset];
  for (auto r : checks::kAllDrillFailures) f.try_emplace(r, 0);
}

void CheckMetrics::SetUnsafeProperties(const std::string& dataset, std::size_t count) {
  std::lock_guard lock(mu_);
  unsafe_[dataset] = count;
}

void CheckMetrics::CountDrillFailure(const std::string& dataset, checks::DrillFailure failure) {
  std::lock_guard lock(mu_);
  ++drill_failures_[dataset][failure];
}

std::vector<MetricFamily> CheckMetrics::Collect() const {
  CheckRunFamilies runs;
  ParityFamilies parity;
  PoolFamilies pools;
  DrillFamilies drills;
  std::lock_guard lock(mu_);
  for (const auto& [key, run] : runs_) {
    const auto& [check, host, target] = key;
    runs.Add(check, host, target, run.success, run.seconds, run.when);
  }
  for (const auto& [dataset, r] : parity_) parity.Add(dataset, r);
  MetricFamily unsafe = Gauge("zpull_replica_unsafe_properties",
                              "Properties of the replica or datasets below it that could harm the backup host "
                              "(mounting, setuid, devices, exec, a received mountpoint) and receive.set did not "
                              "ask for; 0 when safe.");
  for (const auto& [dataset, n] : unsafe_) AddSample(unsafe, {{"dataset", dataset}}, double(n));
  for (const auto& [key, p] : pools_) pools.Add(key.first, key.second, p.status, p.space, p.scrubs_started);
  for (const auto& [dataset, d] : drills_) drills.AddDrill(dataset, d);
  for (const auto& [dataset, by_reason] : drill_failures_) drills.AddFailures(dataset, by_reason);
  for (const auto& [dataset, seconds] : drill_intervals_) drills.AddInterval(dataset, seconds);
  // The families in /metrics order.
  std::vector<MetricFamily> out;
  runs.MoveTo(out);
  parity.MoveTo(out);
  out.push_back(std::move(unsafe));
  pools.MoveTo(out);
  drills.MoveTo(out);
  return out;
}

}  // namespace zpull::exporter
