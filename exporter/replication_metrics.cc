#include "exporter/replication_metrics.h"

#include <limits>

namespace zpull::exporter {

ReplicationMetrics::ReplicationMetrics(const std::vector<std::string>& datasets, std::function<std::int64_t()> now,
                                       core::MetricDetail detail)
    : now_(std::move(now)), detail_(detail) {
  for (const auto& d : datasets) {
    auto state = std::make_unique<Dataset>();
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
  if (!d.v.last_success) d.v.last_success = last_success;
  if (!d.v.newest_common_creation) d.v.newest_common_creation = newest_common_creation;
}

void ReplicationMetrics::CycleStarted(const std::string& dataset, std::int64_t when) {
  std::lock_guard lock(mu_);
  Dataset& d = At(dataset);
  d.v.in_progress = true;
  d.v.last_attempt = when;
  d.cycle_bytes.store(0, std::memory_order_relaxed);
  d.v.expected_this_cycle = false;  // the last cycle's estimate stays until this one's first
}

void ReplicationMetrics::AddBytes(const std::string& dataset, std::uint64_t n) {
  Dataset& d = At(dataset);
  d.bytes.fetch_add(n, std::memory_order_relaxed);
  d.cycle_bytes.fetch_add(n, std::memory_order_relaxed);
}

void ReplicationMetrics::SetPaused(const std::string& dataset, bool paused) {
  std::lock_guard lock(mu_);
  At(dataset).v.paused = paused;
}

void ReplicationMetrics::SetInterval(const std::string& dataset, std::int64_t seconds) {
  std::lock_guard lock(mu_);
  At(dataset).v.interval = seconds;
}

void ReplicationMetrics::SetFirstScheduled(const std::string& dataset, std::int64_t when) {
  std::lock_guard lock(mu_);
  At(dataset).v.first_scheduled = when;
}

void ReplicationMetrics::AddWireBytes(const std::string& dataset, std::uint64_t n) {
  At(dataset).wire_bytes.fetch_add(n, std::memory_order_relaxed);
}

void ReplicationMetrics::SetExpectedBytes(const std::string& dataset, std::uint64_t n) {
  std::lock_guard lock(mu_);
  Dataset& d = At(dataset);
  d.v.expected_bytes = (d.v.expected_this_cycle ? d.v.expected_bytes.value_or(0) : 0) + n;
  d.v.expected_this_cycle = true;
}

void ReplicationMetrics::CycleFinished(const std::string& dataset, const replicate::CycleOutcome& o, double seconds) {
  std::lock_guard lock(mu_);
  Dataset& d = At(dataset);
  d.v.in_progress = false;
  ++d.v.runs;
  d.v.last_ok = !o.error;
  if (o.error) {
    ++d.v.failures[o.error->reason];
    d.v.last_reason = std::string(core::ReasonName(o.error->reason));
    d.v.last_message = o.error->message.substr(0, 4096);  // for people (status); a source's text is bounded
  } else {
    d.v.last_success = o.finished;
    d.v.last_reason.clear();
    d.v.last_message.clear();
  }
  if (o.newest_common) d.v.newest_common_creation = o.newest_common->creation;
  if (o.source_snapshots || o.ok()) d.v.source_snapshots = o.source_snapshots;
  if (o.destination_snapshots || o.ok()) d.v.destination_snapshots = o.destination_snapshots;
  d.v.pruned_source += o.pruned_source;
  d.v.pruned_destination += o.pruned_destination;
  if (o.source_prune_failed) ++d.v.source_prune_failures;
  for (const auto& e : o.retried) ++d.v.retries[e.reason];
  d.v.resumes += static_cast<std::uint64_t>(o.resumed);
  d.v.tokens_aborted += static_cast<std::uint64_t>(o.tokens_aborted);
  d.v.destroyed_on_divergence += o.destroyed_on_divergence.size();
  d.v.last_duration = seconds;
  ++d.v.duration_count;
  d.v.duration_sum += seconds;
  for (std::size_t i = 0; i < kDurationBuckets.size(); ++i) {
    if (seconds <= kDurationBuckets[i]) {
      ++d.v.duration_buckets[i];
      break;
    }
  }
}

ReplicationMetrics::View ReplicationMetrics::ViewOf(const std::string& dataset) const {
  std::lock_guard lock(mu_);
  const Dataset& d = At(dataset);
  View v;
  v.last_success = d.v.last_success;
  v.last_attempt = d.v.last_attempt;
  v.newest_common_creation = d.v.newest_common_creation;
  v.in_progress = d.v.in_progress;
  v.paused = d.v.paused;
  v.cycle_bytes = d.cycle_bytes.load(std::memory_order_relaxed);
  // A running cycle's progress is measured against its own estimate only.
  if (!d.v.in_progress || d.v.expected_this_cycle) v.expected_bytes = d.v.expected_bytes;
  v.last_ok = d.v.last_ok;
  v.last_reason = d.v.last_reason;
  v.last_message = d.v.last_message;
  v.first_scheduled = d.v.first_scheduled;
  v.last_duration = d.v.last_duration;
  return v;
}

void ReplicationMetrics::WriteMetrics(MetricWriter& out) const {
  const std::int64_t now = now_();
  std::vector<std::pair<const std::string*, Values>> rows;
  {
    std::lock_guard lock(mu_);
    rows.reserve(datasets_.size());
    for (const auto& [name, d] : datasets_) {
      Values& v = rows.emplace_back(&name, d->v).second;
      v.bytes = d->bytes.load(std::memory_order_relaxed);
      v.wire_bytes = d->wire_bytes.load(std::memory_order_relaxed);
      v.cycle_bytes = d->cycle_bytes.load(std::memory_order_relaxed);
    }
  }
  const bool zeros = detail_.zero_counters;
  // A family's header, then `each(dataset, values)` for every dataset.
  auto family = [&](const char* name, const char* help, MetricType type, auto each) {
    out.Family(name, help, type);
    for (const auto& [dataset, v] : rows) each(*dataset, v);
  };
  // A gauge or counter with one series per dataset where `value` has one.
  auto per_dataset = [&](const char* name, const char* help, MetricType type, auto value) {
    family(name, help, type, [&](const std::string& dataset, const Values& v) {
      if (std::optional<double> x = value(v)) out.Sample({{"dataset", dataset}}, *x);
    });
  };
  // A counter of rare events: its series from the first event on.
  auto rare = [&](std::uint64_t n) { return n || zeros ? std::optional<double>(double(n)) : std::nullopt; };
  auto by_reason = [&](const std::string& dataset, const std::map<core::Reason, std::uint64_t>& counts,
                       std::initializer_list<core::Reason> zero_ones) {
    for (core::Reason r : zero_ones) {
      if (!counts.contains(r)) out.Sample({{"dataset", dataset}, {"reason", core::ReasonName(r)}}, 0);
    }
    for (const auto& [reason, n] : counts) {
      out.Sample({{"dataset", dataset}, {"reason", core::ReasonName(reason)}}, double(n));
    }
  };
  using G = std::optional<double>;
  auto opt = [](const auto& o) { return o ? G(double(*o)) : std::nullopt; };

  per_dataset("zpull_replication_last_success_timestamp_seconds",
              "Unix time of the last successful replication cycle (read back from the destination's "
              "zpull:last_success property after a restart).",
              MetricType::kGauge, [&](const Values& v) { return opt(v.last_success); });
  per_dataset("zpull_replication_last_attempt_timestamp_seconds", "Unix time the last replication cycle started.",
              MetricType::kGauge, [&](const Values& v) { return opt(v.last_attempt); });
  per_dataset("zpull_replication_newest_common_snapshot_timestamp_seconds",
              "Creation time of the newest snapshot present on source and destination (by guid), as of the last "
              "cycle's listing.",
              MetricType::kGauge, [&](const Values& v) { return opt(v.newest_common_creation); });
  per_dataset("zpull_replication_lag_seconds",
              "Data age on the destination: scrape time minus the newest common snapshot's creation time.",
              MetricType::kGauge, [&](const Values& v) {
                return v.newest_common_creation ? G(double(now - *v.newest_common_creation)) : std::nullopt;
              });
  per_dataset("zpull_replication_bytes_total", "Bytes of zfs send streams received, counted while transfers run.",
              MetricType::kCounter, [](const Values& v) { return G(double(v.bytes)); });
  per_dataset("zpull_replication_wire_bytes_total",
              "Bytes received over the wire for those streams: fewer than zpull_replication_bytes_total with "
              "compress: zstd, the same otherwise.",
              MetricType::kCounter, [](const Values& v) { return G(double(v.wire_bytes)); });
  per_dataset("zpull_replication_runs_total", "Replication cycles finished, successful or not.", MetricType::kCounter,
              [](const Values& v) { return G(double(v.runs)); });
  per_dataset("zpull_replication_failed_runs_total",
              "Replication cycles that failed, whatever the reason (present from the start: alert on its increase).",
              MetricType::kCounter, [](const Values& v) {
                std::uint64_t n = 0;
                for (const auto& [reason, k] : v.failures) n += k;
                return G(double(n));
              });
  family("zpull_replication_failures_total",
         "Replication cycles that failed, by reason (docs/failure-reasons.md); a reason's series appears at its "
         "first failure (with metrics.detail zero_counters: from the start).",
         MetricType::kCounter, [&](const std::string& dataset, const Values& v) {
           if (!zeros) return by_reason(dataset, v.failures, {});
           for (core::Reason r : core::kAllReasons) {
             auto it = v.failures.find(r);
             out.Sample({{"dataset", dataset}, {"reason", core::ReasonName(r)}},
                        double(it == v.failures.end() ? 0 : it->second));
           }
         });
  per_dataset("zpull_replication_last_duration_seconds", "Duration of the last finished cycle.", MetricType::kGauge,
              [&](const Values& v) { return opt(v.last_duration); });
  if (detail_.histograms) {
    family("zpull_replication_duration_seconds", "Durations of finished replication cycles.", MetricType::kHistogram,
           [&](const std::string& dataset, const Values& v) {
             out.Histogram({{"dataset", dataset}}, kDurationBuckets, v.duration_buckets, v.duration_count,
                           v.duration_sum);
           });
  }
  per_dataset("zpull_replication_in_progress", "1 while a replication cycle runs.", MetricType::kGauge,
              [](const Values& v) { return G(v.in_progress ? 1 : 0); });
  per_dataset("zpull_replication_expected_bytes",
              "Stream size zfs send -nvP predicted for the running cycle's transfers so far, or the last cycle's "
              "(absent where the source cannot estimate: zfs-fuse).",
              MetricType::kGauge, [&](const Values& v) { return opt(v.expected_bytes); });
  family("zpull_snapshots", "Snapshots of the dataset on each side, as of the last cycle.", MetricType::kGauge,
         [&](const std::string& dataset, const Values& v) {
           if (v.source_snapshots) out.Sample({{"dataset", dataset}, {"side", "source"}}, double(*v.source_snapshots));
           if (v.destination_snapshots) {
             out.Sample({{"dataset", dataset}, {"side", "destination"}}, double(*v.destination_snapshots));
           }
         });
  family("zpull_pruned_snapshots_total",
         "Snapshots destroyed by pruning, by side: the destination's by retention, the source's (zpull's own, older "
         "than the newest common one) by source_retention.",
         MetricType::kCounter, [&](const std::string& dataset, const Values& v) {
           if (auto n = rare(v.pruned_source)) out.Sample({{"dataset", dataset}, {"side", "source"}}, *n);
           if (auto n = rare(v.pruned_destination)) out.Sample({{"dataset", dataset}, {"side", "destination"}}, *n);
         });
  per_dataset("zpull_source_prune_failures_total",
              "Cycles that replicated but could not destroy one of zpull's own source snapshots (no destroy "
              "permission there: zpull-guard --destroy); a warning, not a failed cycle.",
              MetricType::kCounter, [&](const Values& v) { return rare(v.source_prune_failures); });
  family("zpull_replication_retries_total",
         "Failed transfer attempts retried within a cycle, by the reason of the failed attempt.",
         MetricType::kCounter, [&](const std::string& dataset, const Values& v) {
           if (zeros) return by_reason(dataset, v.retries, {core::Reason::kNetwork, core::Reason::kStalled, core::Reason::kTimeout});
           by_reason(dataset, v.retries, {});
         });
  per_dataset("zpull_replication_resumes_total",
              "Interrupted receives finished from their receive_resume_token (zfs send -t).", MetricType::kCounter,
              [&](const Values& v) { return rare(v.resumes); });
  per_dataset("zpull_replication_resume_tokens_aborted_total",
              "Resume tokens the source could not serve, discarded with zfs receive -A.", MetricType::kCounter,
              [&](const Values& v) { return rare(v.tokens_aborted); });
  per_dataset("zpull_replication_divergence_destroyed_snapshots_total",
              "Destination snapshots destroyed by force_on_divergence.", MetricType::kCounter,
              [&](const Values& v) { return rare(v.destroyed_on_divergence); });
  per_dataset("zpull_replication_paused", "1 while the dataset is paused (zpull pause); its cycles are not scheduled.",
              MetricType::kGauge, [](const Values& v) { return G(v.paused ? 1 : 0); });
  per_dataset("zpull_replication_interval_seconds",
              "The dataset's configured replication interval (alert rules measure ages in it).", MetricType::kGauge,
              [&](const Values& v) { return opt(v.interval); });
  per_dataset("zpull_replication_first_scheduled_timestamp_seconds",
              "Unix time this zpull began scheduling the dataset (its start, or the reload that added it); present "
              "until the dataset's first success (ZpullNeverReplicated).",
              MetricType::kGauge,
              [&](const Values& v) { return v.last_success ? std::nullopt : opt(v.first_scheduled); });
  per_dataset("zpull_replication_cycle_bytes",
              "Bytes received by the running cycle, or by the last one (with zpull_replication_expected_bytes: the "
              "progress of a transfer).",
              MetricType::kGauge, [](const Values& v) { return G(double(v.cycle_bytes)); });
}

BuildInfo::BuildInfo(std::string version, std::string revision)
    : version_(std::move(version)), revision_(std::move(revision)) {}

void BuildInfo::WriteMetrics(MetricWriter& out) const {
  out.Family("zpull_build_info", "zpull's version and source revision; always 1.", MetricType::kGauge);
  out.Sample({{"version", version_}, {"revision", revision_}}, 1);
}

}  // namespace zpull::exporter
