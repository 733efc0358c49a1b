#include "exporter/check_metrics.h"

#include "checks/scrub.h"

namespace zpull::exporter {
namespace {

// One gauge sample per entry of `rows` whose `value` has one, labelled
// with the entry's key as `label`.
template <class Map, class Value>
void PerKey(MetricWriter& out, const char* name, const char* help, const Map& rows, const char* label,
            Value value, MetricType type = MetricType::kGauge) {
  out.Family(name, help, type);
  for (const auto& [key, row] : rows) {
    if (std::optional<double> v = value(row)) out.Sample({{label, key}}, *v);
  }
}

std::optional<double> Opt(const auto& o) { return o ? std::optional<double>(double(*o)) : std::nullopt; }

}  // namespace

void CheckMetrics::RecordRun(const std::string& check, const std::string& host, const std::string& target,
                             bool success, double seconds, std::int64_t when) {
  std::lock_guard lock(mu_);
  runs_[{check, host, target}] = Run{success, seconds, when};
}

void CheckMetrics::RecordResult(const std::string& check, const std::string& host, const std::string& dataset,
                                bool success) {
  std::lock_guard lock(mu_);
  runs_[{check, host, dataset}].success = success;
}

void CheckMetrics::RecordPass(const std::string& check, const std::string& host, double seconds, std::int64_t when) {
  std::lock_guard lock(mu_);
  Run& r = runs_[{check, host, ""}];
  r.seconds = seconds;
  r.when = when;
}

void CheckMetrics::SetParity(const std::string& dataset, const checks::ParityReport& r) {
  std::lock_guard lock(mu_);
  parity_[dataset] = ParityRow{r.not_replicated,           r.holes.size(),          r.guid_mismatches.size(),
                               r.diverged.size(),          r.oldest_not_replicated_creation, r.newest_source_creation,
                               r.destination_exists,       r.destination_written};
}

void CheckMetrics::SetSpace(const std::string& dataset, const checks::DatasetSpace& space) {
  std::lock_guard lock(mu_);
  space_[dataset] = space;
}

void CheckMetrics::WriteSpace(MetricWriter& out, const Copy& c) {
  using S = checks::DatasetSpace;
  auto by_side = [&](const char* name, const char* help, std::optional<std::uint64_t> S::*source,
                     std::optional<std::uint64_t> S::*destination) {
    out.Family(name, help, MetricType::kGauge);
    for (const auto& [dataset, s] : c.space) {
      const std::string d(dataset);
      if (s.*source) out.Sample({{"dataset", d}, {"side", "source"}}, double(*(s.*source)));
      if (s.*destination) out.Sample({{"dataset", d}, {"side", "destination"}}, double(*(s.*destination)));
    }
  };
  by_side("zpull_dataset_used_bytes",
          "Space the dataset and its snapshots use (zfs used), by side, as of the last parity check.",
          &S::source_used, &S::destination_used);
  by_side("zpull_dataset_snapshots_used_bytes",
          "Space only its snapshots hold (zfs usedbysnapshots), by side, as of the last parity check.",
          &S::source_snapshots_used, &S::destination_snapshots_used);
  out.Family("zpull_source_written_bytes",
             "Bytes written on the source since its newest snapshot (OpenZFS written; absent where the source has "
             "no such property): data no snapshot holds yet, as of the last parity check.",
             MetricType::kGauge);
  for (const auto& [dataset, s] : c.space) {
    if (s.source_written) out.Sample({{"dataset", std::string(dataset)}}, double(*s.source_written));
  }
}

std::optional<ParityStatus> CheckMetrics::ParityOf(const std::string& dataset) const {
  std::lock_guard lock(mu_);
  auto it = parity_.find(dataset);
  if (it == parity_.end()) return std::nullopt;
  const ParityRow& p = it->second;
  return ParityStatus{p.not_replicated, p.holes, p.guid_mismatches, p.diverged};
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
    // Every row's counters, the pool's and mirrors' too (they count what
    // redundancy could not hide), as zpull_vdev_errors and its alert do.
    for (const auto& vd : st.vdevs) v.vdev_errors += vd.read_errors + vd.write_errors + vd.checksum_errors;
    if (p.space) {
      v.size_bytes = p.space->size;
      v.allocated_bytes = p.space->allocated;
    }
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
}

void CheckMetrics::SetUnsafeProperties(const std::string& dataset, std::size_t count) {
  std::lock_guard lock(mu_);
  unsafe_[dataset] = count;
}

void CheckMetrics::CountDrillFailure(const std::string& dataset, checks::DrillFailure failure) {
  std::lock_guard lock(mu_);
  ++drill_failures_[dataset][failure];
}

void CheckMetrics::WriteMetrics(MetricWriter& out) const {
  Copy c;
  {
    std::lock_guard lock(mu_);
    c.runs.reserve(runs_.size());
    for (const auto& [key, run] : runs_) c.runs.emplace_back(&key, run);
    c.parity.assign(parity_.begin(), parity_.end());
    c.unsafe.assign(unsafe_.begin(), unsafe_.end());
    c.space.assign(space_.begin(), space_.end());
    c.pools = pools_;
    c.drills.assign(drills_.begin(), drills_.end());
    for (const auto& [dataset, by_reason] : drill_failures_) {
      if (!by_reason.empty()) c.drill_failures.emplace_back(dataset, by_reason);
    }
    c.drill_intervals.assign(drill_intervals_.begin(), drill_intervals_.end());
  }
  WriteRuns(out, c);
  WriteParity(out, c);
  PerKey(out, "zpull_replica_unsafe_properties",
         "Properties of the replica or datasets below it that could harm the backup host (mounting, setuid, "
         "devices, exec, a received mountpoint) and receive.set did not ask for; 0 when safe.",
         c.unsafe, "dataset", [](std::size_t n) { return std::optional<double>(double(n)); });
  WriteSpace(out, c);
  WritePools(out, c);
  WriteDrills(out, c);
}

void CheckMetrics::WriteRuns(MetricWriter& out, const Copy& c) {
  // A pass (no target) has no target label.
  auto sample = [&out](const RunKey* key, double v) {
    const auto& [check, host, target] = *key;
    if (target.empty()) {
      out.Sample({{"check", check}, {"host", host}}, v);
    } else {
      out.Sample({{"check", check}, {"host", host}, {"target", target}}, v);
    }
  };
  out.Family("zpull_check_success", "1 if the last run of the check completed, 0 if it failed to run.",
             MetricType::kGauge);
  for (const auto& [key, r] : c.runs) {
    if (r.success) sample(key, *r.success ? 1 : 0);
  }
  out.Family("zpull_check_duration_seconds",
             "Duration of the last run of the check: of a pool's, or of the pass over a host's datasets (no "
             "target label).",
             MetricType::kGauge);
  for (const auto& [key, r] : c.runs) {
    if (r.seconds) sample(key, *r.seconds);
  }
  out.Family("zpull_check_last_run_timestamp_seconds",
             "Unix time of the last run of the check: of a pool's, or of the pass over a host's datasets (no "
             "target label).",
             MetricType::kGauge);
  for (const auto& [key, r] : c.runs) {
    if (r.when) sample(key, double(*r.when));
  }
}

void CheckMetrics::WriteParity(MetricWriter& out, const Copy& c) const {
  using R = ParityRow;
  const auto& parity = c.parity;
  using G = std::optional<double>;
  PerKey(out, "zpull_parity_not_replicated_snapshots",
         "Source snapshots newer than the newest common snapshot, as of the last parity check.", parity, "dataset",
         [](const R& r) { return G(double(r.not_replicated)); });
  PerKey(out, "zpull_parity_oldest_not_replicated_timestamp_seconds",
         "Creation time of the oldest source snapshot not yet on the destination (absent when none).", parity,
         "dataset", [](const R& r) { return Opt(r.oldest_not_replicated); });
  PerKey(out, "zpull_parity_holes",
         "Source snapshots between the oldest and newest common ones missing on the destination although its "
         "retention would keep them.",
         parity, "dataset", [](const R& r) { return G(double(r.holes)); });
  PerKey(out, "zpull_parity_guid_mismatches", "Snapshot names on both sides whose guids differ.", parity, "dataset",
         [](const R& r) { return G(double(r.guid_mismatches)); });
  PerKey(out, "zpull_parity_diverged_snapshots", "Destination snapshots newer than the newest common snapshot.",
         parity, "dataset", [](const R& r) { return G(double(r.diverged)); });
  PerKey(out, "zpull_source_newest_snapshot_timestamp_seconds",
         "Creation time of the newest source snapshot, as of the last parity check.", parity, "dataset",
         [](const R& r) { return Opt(r.newest_source); });
  if (detail_.inventory) {
    PerKey(out, "zpull_parity_destination_exists", "1 if the destination dataset exists.", parity, "dataset",
           [](const R& r) { return G(r.destination_exists ? 1 : 0); });
  }
  PerKey(out, "zpull_parity_destination_written_bytes",
         "Bytes written to the destination since its newest snapshot (OpenZFS `written`; absent where the property "
         "does not exist). Above 0 the next incremental fails.",
         parity, "dataset", [](const R& r) { return Opt(r.destination_written); });
}

void CheckMetrics::WritePools(MetricWriter& out, const Copy& c) {
  const auto& pools = c.pools;
  // A family with the samples `each(host, pool, p)` writes for every pool.
  auto family = [&](const char* name, const char* help, auto each, MetricType type = MetricType::kGauge) {
    out.Family(name, help, type);
    for (const auto& [key, p] : pools) each(key.first, key.second, p);
  };
  // One sample per pool where `value` has one.
  auto per_pool = [&](const char* name, const char* help, auto value, MetricType type = MetricType::kGauge) {
    family(
        name, help,
        [&](const std::string& host, const std::string& pool, const Pool& p) {
          if (std::optional<double> v = value(p)) out.Sample({{"host", host}, {"pool", pool}}, *v);
        },
        type);
  };
  using G = std::optional<double>;
  auto running = [](const Pool& p) {
    const auto& sc = p.status.scrub;
    return sc && (sc->state == core::ScanState::kInProgress || sc->state == core::ScanState::kPaused);
  };
  // The last completed scrub, if the pool's status shows one.
  auto finished = [](const Pool& p) -> const core::ScanInfo* {
    const auto& sc = p.status.scrub;
    return sc && sc->state == core::ScanState::kFinished ? &*sc : nullptr;
  };
  family("zpull_pool_health", "1 for the pool's current state, 0 for the others.",
         [&](const std::string& host, const std::string& pool, const Pool& p) {
           if (p.status.state.empty()) return;
           for (const auto& state : checks::kPoolStates) {
             out.Sample({{"host", host}, {"pool", pool}, {"state", state}}, p.status.state == state ? 1 : 0);
           }
         });
  per_pool("zpull_pool_size_bytes", "Pool size (zpool list; rounded where zpool has no -p).",
           [](const Pool& p) { return p.space ? G(double(p.space->size)) : std::nullopt; });
  per_pool("zpull_pool_allocated_bytes", "Allocated bytes of the pool.",
           [](const Pool& p) { return p.space ? G(double(p.space->allocated)) : std::nullopt; });
  per_pool("zpull_pool_free_bytes", "Free bytes of the pool.",
           [](const Pool& p) { return p.space ? G(double(p.space->free)) : std::nullopt; });
  per_pool("zpull_scrub_in_progress", "1 while a scrub runs (or is paused).",
           [&](const Pool& p) { return G(running(p) ? 1 : 0); });
  per_pool("zpull_scrub_progress_ratio", "Progress of the running scrub, 0 to 1.", [&](const Pool& p) {
    return running(p) && p.status.scrub->progress_ratio ? G(*p.status.scrub->progress_ratio) : std::nullopt;
  });
  per_pool("zpull_scrub_last_completed_timestamp_seconds",
           "Unix time the last scrub completed (absent if none ever did).",
           [&](const Pool& p) { return finished(p) ? Opt(finished(p)->end_time) : std::nullopt; });
  per_pool("zpull_scrub_last_duration_seconds", "Duration of the last completed scrub.",
           [&](const Pool& p) { return finished(p) ? Opt(finished(p)->duration_seconds) : std::nullopt; });
  per_pool("zpull_scrub_errors", "Errors the last completed scrub found.",
           [&](const Pool& p) { return finished(p) ? Opt(finished(p)->errors) : std::nullopt; });
  per_pool("zpull_scrub_repaired_bytes", "Bytes the last completed scrub repaired.", [&](const Pool& p) {
    return finished(p) ? G(double(p.status.ScrubRepairedBytes().value_or(0))) : std::nullopt;
  });
  family("zpull_vdev_errors", "Read, write and checksum error counters of each vdev.",
         [&](const std::string& host, const std::string& pool, const Pool& p) {
           for (const auto& v : p.status.vdevs) {
             for (auto [type, n] :
                  {std::pair{"read", v.read_errors}, {"write", v.write_errors}, {"checksum", v.checksum_errors}}) {
               out.Sample({{"host", host}, {"pool", pool}, {"vdev", v.name}, {"type", type}}, double(n));
             }
           }
         });
  per_pool("zpull_pool_permanent_errors", "Data errors zpool status reports (files with permanent errors).",
           [](const Pool& p) { return Opt(p.status.data_errors); });
  per_pool(
      "zpull_scrubs_started_total", "Scrubs zpull started because the last one was older than scrub.every.",
      [](const Pool& p) { return G(double(p.scrubs_started)); }, MetricType::kCounter);
}

void CheckMetrics::WriteDrills(MetricWriter& out, const Copy& c) const {
  const auto& drills = c.drills;
  using D = DrillState;
  using G = std::optional<double>;
  auto per_drill = [&](const char* name, const char* help, auto value) {
    PerKey(out, name, help, drills, "dataset", value);
  };
  // Counts of the last drill, where it has them (not after a restart).
  auto count = [](const D& d, auto n) { return d.seconds ? G(double(n)) : std::nullopt; };
  per_drill("zpull_drill_last_success_timestamp_seconds",
            "Unix time of the last successful restore drill (kept in ZFS across restarts).",
            [](const D& d) { return Opt(d.last_success); });
  out.Family("zpull_drill_last_outcome",
             "1 for the outcome of the last restore drill (ok or a failure reason); with metrics.detail "
             "drill_outcomes also 0 for every other outcome.",
             MetricType::kGauge);
  for (const auto& [dataset, d] : drills) {
    if (d.last_outcome.empty()) continue;
    if (!detail_.drill_outcomes) {
      out.Sample({{"dataset", dataset}, {"outcome", d.last_outcome}}, 1);
      continue;
    }
    out.Sample({{"dataset", dataset}, {"outcome", "ok"}}, d.last_outcome == "ok" ? 1 : 0);
    for (auto r : checks::kAllDrillFailures) {
      const std::string_view name = checks::DrillFailureName(r);
      out.Sample({{"dataset", dataset}, {"outcome", name}}, d.last_outcome == name ? 1 : 0);
    }
  }
  per_drill("zpull_drill_duration_seconds", "Duration of the last restore drill.",
            [](const D& d) { return Opt(d.seconds); });
  if (detail_.drill_details) {
    // (The last success's time is what alerts and panels read.)
    per_drill("zpull_drill_last_run_timestamp_seconds", "Unix time the last restore drill ended.",
              [](const D& d) { return Opt(d.last_run); });
    per_drill("zpull_drill_files_verified", "Files the last restore drill read back and matched.",
              [&](const D& d) { return count(d, d.files_verified); });
    per_drill("zpull_drill_files_skipped",
              "Entries the last restore drill did not read: symlinks, FIFOs, devices, sockets.",
              [&](const D& d) { return count(d, d.files_skipped); });
    per_drill("zpull_drill_bytes_verified", "Bytes the last restore drill read back and matched.",
              [&](const D& d) { return count(d, d.bytes_verified); });
    per_drill("zpull_drill_mismatches", "Differences the last restore drill found.",
              [&](const D& d) { return count(d, d.mismatches); });
    per_drill("zpull_drill_files_unreadable",
              "Sampled files the last restore drill could not read on either side (I/O or other read errors).",
              [&](const D& d) { return count(d, d.files_unreadable); });
  }
  per_drill("zpull_drill_files_covered_ratio",
            "Share of the last drilled snapshot's files read and compared in the current rotation of drills "
            "(docs/restore-drills.md).",
            [](const D& d) { return Opt(d.covered_ratio); });
  if (detail_.drill_details) {
    per_drill("zpull_drill_restore_bytes_per_second",
              "Throughput of the last drill's test restore (zfs send | zfs receive on the backup pool).",
              [](const D& d) { return Opt(d.restore_bytes_per_second); });
  }
  per_drill("zpull_drill_estimated_restore_seconds",
            "The dataset's referenced bytes divided by the last measured restore throughput.",
            [](const D& d) { return Opt(d.estimated_restore_seconds); });
  out.Family("zpull_drill_failures_total",
             "Failed restore drills by reason (docs/restore-drills.md); a reason's series appears at its first "
             "failure (with metrics.detail drill_outcomes: every reason of a drilled dataset from its first drill).",
             MetricType::kCounter);
  if (detail_.drill_outcomes) {
    // Both in dataset order: the failures of a drilled dataset, if any, are
    // where `f` stops.
    auto f = c.drill_failures.begin();
    for (const auto& [dataset, d] : drills) {
      while (f != c.drill_failures.end() && f->first < dataset) ++f;
      const bool counted = f != c.drill_failures.end() && f->first == dataset;
      for (auto r : checks::kAllDrillFailures) {
        const std::uint64_t n = counted && f->second.contains(r) ? f->second.at(r) : 0;
        out.Sample({{"dataset", dataset}, {"reason", checks::DrillFailureName(r)}}, double(n));
      }
    }
  } else {
    for (const auto& [dataset, by_reason] : c.drill_failures) {
      for (const auto& [r, n] : by_reason) out.Sample({{"dataset", dataset}, {"reason", checks::DrillFailureName(r)}}, double(n));
    }
  }
  PerKey(out, "zpull_drill_interval_seconds", "drill.every of the dataset: how often a restore drill is due.",
         c.drill_intervals, "dataset", [](std::int64_t s) { return G(double(s)); });
}

}  // namespace zpull::exporter
