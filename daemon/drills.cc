#include "daemon/drills.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include "core/beneath.h"
#include "core/zfs_parse.h"

namespace zpull::daemon {

std::string DrillPrefix(const config::Config& config) { return config.snapshot_prefix + "_drill"; }

double CoveredRatio(std::size_t covered, std::size_t total) { return total == 0 ? 1.0 : double(covered) / double(total); }

std::optional<std::string> UnsafeDrillDirectory(const std::string& dir) {
  return core::UnsafeDirectory(dir, /*create=*/true);
}

checks::DrillOutcome RunDatasetDrill(const config::Config& config, const config::DatasetConfig& d, Hosts& hosts,
                                     const std::function<std::int64_t()>& now, const std::atomic<bool>* cancel) {
  if (auto why = UnsafeDrillDirectory(d.drill.directory)) {
    checks::DrillOutcome refused;
    refused.failure = checks::DrillFailure::kOther;
    refused.message = *why;
    refused.started = refused.finished = now();
    return refused;
  }
  checks::DrillSide source{hosts.Source(d.source), hosts.SourceRunner(d.source), d.source_dataset,
                           d.drill.source_directory};
  // A source guard of version 1 admits only the listing of regular files.
  if (auto f = hosts.SourceFeatures(d.source, core::DatasetName::Parse(d.source_dataset.Pool()).value()); f) {
    source.typed_listing = f->guard != 1;
  }
  checks::DrillSide destination{hosts.Destination(), hosts.LocalRunner(), d.destination, d.drill.directory};
  destination.local = true;
  checks::DrillOptions options{DrillPrefix(config),  d.drill.sample_files, d.drill.max_bytes,
                               d.drill.source_clone, d.drill.restore_test, d.drill.timeout_seconds, cancel};
  // Unreadable or malformed: a new rotation starts.
  if (auto stored = hosts.Destination().GetUserProperty(d.destination, "", kDrillRotationProperty); stored && *stored) {
    options.rotation = checks::ParseRotation(**stored);
  }
  return checks::RunDrill(source, destination, options, now);
}

void RecordDrill(const config::DatasetConfig& d, Hosts& hosts, const checks::DrillOutcome& o, exporter::CheckMetrics& metrics,
                 const core::Log& log) {
  // What needs a newer guard is said, not silently done without.
  if (auto f = hosts.SourceFeatures(d.source, core::DatasetName::Parse(d.source_dataset.Pool()).value());
      f && f->guard == 1) {
    log.Warn("the source runs zpull-guard 1: its drill clones keep setuid, devices and exec and the drill cannot "
             "count what it skips there; zpull-guard 2 confines them (docs/source-setup.md)",
             {{"source", d.source}});
  }
  const std::string outcome = o.ok() ? "ok" : std::string(checks::DrillFailureName(*o.failure));
  exporter::CheckMetrics::DrillState state;
  state.last_run = o.finished;
  if (o.ok()) state.last_success = o.finished;
  state.last_outcome = outcome;
  state.seconds = o.seconds;
  state.files_verified = o.files_verified;
  state.files_skipped = o.files_skipped;
  state.bytes_verified = o.bytes_verified;
  state.mismatches = o.mismatches;
  state.files_mismatched = o.files_mismatched;
  state.files_unreadable = o.files_unreadable;
  if (o.rotation) state.covered_ratio = CoveredRatio(o.files_covered, o.files_total);
  state.restore_bytes_per_second = o.restore_bytes_per_second;
  state.estimated_restore_seconds = o.estimated_restore_seconds;
  metrics.SetDrill(d.destination.str(), state);
  if (o.failure) metrics.CountDrillFailure(d.destination.str(), *o.failure);
  metrics.RecordResult("drill", hosts.Source(d.source).Host(), d.destination.str(),
                       checks::DrillReachedVerdict(o.failure));
  auto& dst = hosts.Destination();
  std::vector<std::pair<const char*, std::string>> props = {{kDrillLastRunProperty, std::to_string(o.finished)},
                                                            {kDrillLastOutcomeProperty, outcome}};
  if (o.ok()) props.emplace_back(kDrillLastSuccessProperty, std::to_string(o.finished));
  if (o.rotation) {
    props.emplace_back(kDrillRotationProperty, checks::FormatRotation(*o.rotation));
    props.emplace_back(kDrillCoveredProperty, std::to_string(o.files_covered) + "/" + std::to_string(o.files_total));
  }
  for (const auto& [name, value] : props) {
    if (auto s = dst.SetUserProperty(d.destination, "", name, value); !s) {
      log.Warn("cannot record drill", {{"dataset", d.destination.str()}, {"property", name}, {"error", s.error().message}});
    }
  }
  const std::string covered = std::to_string(o.files_covered) + "/" + std::to_string(o.files_total);
  // Which files this drill read, in its log line (the rotation's share of them: covered).
  std::string sample;
  for (const auto& f : o.files) {
    if (f.verdict == checks::FileVerdict::kSkipped) continue;
    if (sample.size() > 2000) {
      sample += ",…";
      break;
    }
    sample += (sample.empty() ? "" : ",") + f.path;
  }
  if (o.ok()) {
    log.Info("drill passed", {{"dataset", d.destination.str()},
                              {"snapshot", o.snapshot},
                              {"files_verified", o.files_verified},
                              {"bytes_verified", o.bytes_verified},
                              {"covered", covered},
                              {"files", sample},
                              {"seconds", core::OneDecimal(o.seconds)}});
  } else {
    log.Error("drill failed", {{"dataset", d.destination.str()},
                               {"reason", outcome},
                               {"files_verified", o.files_verified},
                               {"files_mismatched", o.files_mismatched},
                               {"files_unreadable", o.files_unreadable},
                               {"error", o.message}});
  }
  // Each file that did not verify, by name (the first twenty).
  std::size_t named = 0;
  for (const auto& f : o.files) {
    if (f.verdict != checks::FileVerdict::kMismatched && f.verdict != checks::FileVerdict::kUnreadable) continue;
    if (++named > 20) break;
    log.Warn("drill file", {{"dataset", d.destination.str()},
                            {"file", f.path},
                            {"verdict", checks::FileVerdictName(f.verdict)},
                            {"detail", f.detail}});
  }
}

std::optional<exporter::CheckMetrics::DrillState> RestoreDrillState(const config::DatasetConfig& d, Hosts& hosts) {
  auto& dst = hosts.Destination();
  auto get = [&](const char* prop) -> std::optional<std::string> {
    auto v = dst.GetUserProperty(d.destination, "", prop);
    return v ? *v : std::nullopt;
  };
  auto to_int = [](const std::optional<std::string>& s) { return s ? core::ParseInt64(*s) : std::nullopt; };
  exporter::CheckMetrics::DrillState st;
  st.last_run = to_int(get(kDrillLastRunProperty));
  if (!st.last_run) return std::nullopt;
  st.last_success = to_int(get(kDrillLastSuccessProperty));
  st.last_outcome = get(kDrillLastOutcomeProperty).value_or("");
  if (auto covered = get(kDrillCoveredProperty)) {
    const auto slash = covered->find('/');
    auto n = core::ParseInt64(covered->substr(0, slash));
    auto total = slash == std::string::npos ? std::nullopt : core::ParseInt64(covered->substr(slash + 1));
    if (n && total && *n >= 0 && *total >= *n) st.covered_ratio = CoveredRatio(std::size_t(*n), std::size_t(*total));
  }
  return st;
}

void SweepDrills(const config::Config& config, Hosts& hosts, const core::Log& log, const std::string& source) {
  std::set<std::pair<std::string, std::string>> seen;  // (source or "", pool)
  for (const auto& d : config.datasets) {
    // Only where drills are on: nothing else is zpull's to destroy.
    if (!d.drill.every || (!source.empty() && d.source != source)) continue;
    for (auto [host, pool] : {std::pair{std::string(), d.destination.Pool()}, {d.source, d.source_dataset.Pool()}}) {
      if (host != source || !seen.insert({host, pool}).second) continue;
      core::Zfs& zfs = host.empty() ? hosts.Destination() : hosts.Source(host);
      auto n = checks::SweepDrillLeftovers(zfs, pool, DrillPrefix(config), /*clones_only=*/!host.empty());
      if (!n) {
        log.Warn("drill sweep failed", {{"host", zfs.Host()}, {"pool", pool}, {"error", n.error().message}});
      } else if (*n > 0) {
        log.Warn("drill sweep destroyed leftover scratch clones", {{"clones", *n}, {"host", zfs.Host()}, {"pool", pool}});
      }
    }
  }
}

}  // namespace zpull::daemon
