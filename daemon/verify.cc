#include "daemon/verify.h"

#include <ostream>
#include <set>

#include "checks/parity_check.h"
#include "checks/replica_safety_check.h"

namespace zpull::daemon {
namespace {

std::string List(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < 5; ++i) out += (i ? ", @" : "@") + names[i];
  if (names.size() > 5) out += ", …";
  return out;
}

const char* Word(Severity s) {
  switch (s) {
    case Severity::kOk: return "OK";
    case Severity::kWarning: return "WARNING";
    case Severity::kCritical: return "CRITICAL";
    case Severity::kUnknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

}  // namespace

std::vector<Finding> ParityFindings(const checks::ParityReport& r, std::int64_t now, std::int64_t interval) {
  std::vector<Finding> f;
  if (!r.destination_exists) f.push_back({Severity::kCritical, "destination does not exist (never replicated)"});
  if (!r.diverged.empty()) {
    f.push_back({Severity::kCritical, std::to_string(r.diverged.size()) +
                                          " destination snapshot(s) newer than the newest common one: " +
                                          List(r.diverged)});
  }
  if (!r.guid_mismatches.empty()) {
    f.push_back({Severity::kCritical, std::to_string(r.guid_mismatches.size()) +
                                          " snapshot name(s) with different guids on the two sides: " +
                                          List(r.guid_mismatches)});
  }
  if (!r.holes.empty()) {
    f.push_back({Severity::kCritical, std::to_string(r.holes.size()) +
                                          " hole(s): missing on the destination although retention keeps them: " +
                                          List(r.holes)});
  }
  if (r.destination_written && *r.destination_written > 0) {
    f.push_back({Severity::kCritical, "destination modified since its newest snapshot (" +
                                          std::to_string(*r.destination_written) +
                                          " bytes written): the next incremental will fail; keep replicas unmounted"});
  }
  if (r.oldest_not_replicated_creation && now - *r.oldest_not_replicated_creation > 2 * interval) {
    f.push_back({Severity::kWarning, std::to_string(r.not_replicated) + " snapshot(s) not replicated, the oldest " +
                                         std::to_string(now - *r.oldest_not_replicated_creation) + " s old"});
  }
  if (r.newest_source_creation && now - *r.newest_source_creation > 2 * interval) {
    f.push_back({Severity::kWarning, "newest source snapshot is " + std::to_string(now - *r.newest_source_creation) +
                                         " s old: is snapshotting still running?"});
  }
  if (!r.newest_source_creation) f.push_back({Severity::kWarning, "the source has no snapshots"});
  return f;
}

std::vector<Finding> PoolFindings(const core::PoolStatus& st, std::int64_t now, std::optional<std::int64_t> every) {
  std::vector<Finding> f;
  if (st.state != "ONLINE") f.push_back({Severity::kCritical, "pool state " + st.state});
  if (st.data_errors && *st.data_errors > 0) {
    f.push_back({Severity::kCritical, std::to_string(*st.data_errors) + " permanent data error(s): zpool status -v"});
  }
  const auto& scrub = st.scrub;
  if (scrub && scrub->state == core::ScanState::kFinished && scrub->errors && *scrub->errors > 0) {
    f.push_back({Severity::kCritical, "the last scrub found " + std::to_string(*scrub->errors) + " error(s)"});
  }
  std::uint64_t counters = 0;
  for (const auto& v : st.vdevs) counters += v.read_errors + v.write_errors + v.checksum_errors;
  if (counters > 0) {
    f.push_back({Severity::kWarning, "vdev error counters are not zero (" + std::to_string(counters) +
                                         "); zpool clear after dealing with the cause"});
  }
  const bool finished = scrub && scrub->state == core::ScanState::kFinished && scrub->end_time;
  const bool running = scrub && scrub->state == core::ScanState::kInProgress;
  if (!finished && !running) {
    f.push_back({Severity::kWarning, "no completed scrub on record"});
  } else if (finished && every && now - *scrub->end_time > *every) {
    f.push_back({Severity::kWarning, "the last scrub completed " + std::to_string((now - *scrub->end_time) / 86400) +
                                         " days ago"});
  }
  return f;
}

std::vector<Finding> SafetyFindings(const checks::SafetyReport& r) {
  std::vector<Finding> f;
  for (const auto& u : r.unsafe) {
    const std::string what = u.property + "=" + u.now.value + " on " + u.dataset + " (" + u.now.source + ")";
    if (u.asked) {
      f.push_back({Severity::kWarning, what + ": unsafe, as receive.set asks"});
    } else {
      f.push_back({Severity::kCritical, what + ": unsafe; zpull sets " +
                                            (u.safe ? u.property + "=" + *u.safe : "it inherited") +
                                            " in the next cycle of zpull run"});
    }
  }
  return f;
}

std::vector<core::Result<checks::SafetyReport>> CheckSafety(const config::Config& config, Hosts& hosts,
                                                            const std::vector<std::size_t>& indices, bool probe) {
  std::vector<checks::SafetyTarget> targets;
  for (std::size_t i : indices) {
    const auto& d = config.datasets[i];
    targets.push_back({d.destination.str(), d.options.readonly, d.options.receive.set});
  }
  return checks::RunReplicaSafety(hosts.Destination(), targets, [&](const std::string& root) -> core::Result<bool> {
    auto pool = core::DatasetName::Parse(root.substr(0, root.find('/')));
    if (!pool) return tl::unexpected(pool.error());
    if (!probe) {
      auto known = hosts.KnownDestinationFeatures(*pool);
      return known && known->volmode;
    }
    auto f = hosts.DestinationFeatures(*pool);
    if (!f) return tl::unexpected(f.error());
    return f->volmode;
  });
}

bool WrittenSupported(const config::Config& config, Hosts& hosts, const std::vector<std::size_t>& indices,
                      bool probe) {
  if (indices.empty()) return false;
  auto pool = core::DatasetName::Parse(config.datasets[indices[0]].destination.Pool());
  if (!pool) return false;
  if (!probe) {
    auto known = hosts.KnownDestinationFeatures(*pool);
    return known && known->written;
  }
  auto f = hosts.DestinationFeatures(*pool);
  return f && f->written;
}

std::map<std::string, std::vector<std::size_t>> DatasetsBySource(const config::Config& config,
                                                                 const std::vector<std::string>& only) {
  std::map<std::string, std::vector<std::size_t>> by_source;
  for (std::size_t i = 0; i < config.datasets.size(); ++i) {
    const auto& d = config.datasets[i];
    bool wanted = only.empty();
    for (const auto& o : only) wanted = wanted || o == d.destination.str() || o == d.source_dataset.str();
    if (wanted) by_source[d.source].push_back(i);
  }
  return by_source;
}

checks::ParityTarget ParityTargetFor(const config::Config& config, const config::DatasetConfig& d) {
  return {d.destination.str(), d.source_dataset, d.destination, d.retention, config.snapshot_prefix,
          d.options.snapshots};
}

int RunVerify(const config::Config& config, Hosts& hosts, const std::vector<std::string>& only, std::int64_t now,
              std::ostream& out) {
  Severity worst = Severity::kOk;
  auto raise = [&](Severity s) { worst = std::max(worst, s); };
  auto groups = DatasetsBySource(config, only);
  std::size_t matched = 0;
  for (const auto& [source, indices] : groups) matched += indices.size();
  if (matched == 0) {
    out << "UNKNOWN: no configured dataset matches\n";
    return static_cast<int>(Severity::kUnknown);
  }
  // Replica safety: one listing per destination root for all of them.
  std::vector<std::size_t> all;
  for (const auto& [source, indices] : groups) all.insert(all.end(), indices.begin(), indices.end());
  std::map<std::size_t, core::Result<checks::SafetyReport>> safety;
  auto safety_results = CheckSafety(config, hosts, all, /*probe=*/false);
  // The destination pools (only those of the selected datasets).
  std::set<std::string> pools;
  for (std::size_t i : all) pools.insert(config.datasets[i].destination.Pool());
  // What the destination's cached features do not tell is skipped, and said.
  std::set<std::string> unprobed;
  for (const auto& name : pools) {
    auto pool = core::DatasetName::Parse(name);
    if (pool && !hosts.KnownDestinationFeatures(*pool)) unprobed.insert(name);
  }

  for (std::size_t k = 0; k < all.size(); ++k) safety.emplace(all[k], std::move(safety_results[k]));
  for (const auto& [source, indices] : groups) {
    std::vector<checks::ParityTarget> targets;
    for (std::size_t i : indices) targets.push_back(ParityTargetFor(config, config.datasets[i]));
    auto results = checks::RunParityPass(hosts.Source(source), hosts.Destination(), targets, now,
                                         WrittenSupported(config, hosts, indices, /*probe=*/false));
    for (std::size_t k = 0; k < results.size(); ++k) {
      const config::DatasetConfig& d = config.datasets[indices[k]];
      const auto& safe = safety.at(indices[k]);
      if (!safe) {
        raise(Severity::kUnknown);
        out << "UNKNOWN " << d.destination.str() << ": replica safety check failed: " << safe.error().message
            << "\n";
      }
      if (!results[k].report) {
        raise(Severity::kUnknown);
        out << "UNKNOWN " << d.destination.str() << ": parity check failed ("
            << core::ReasonName(results[k].report.error().reason) << "): " << results[k].report.error().message
            << "\n";
        for (const auto& f : safe ? SafetyFindings(*safe) : std::vector<Finding>{}) {
          raise(f.severity);
          out << "    " << Word(f.severity) << ": " << f.text << "\n";
        }
        continue;
      }
      auto findings = ParityFindings(*results[k].report, now, d.interval_seconds);
      if (safe) {
        for (auto& f : SafetyFindings(*safe)) findings.push_back(std::move(f));
      }
      Severity s = Severity::kOk;
      for (const auto& f : findings) s = std::max(s, f.severity);
      raise(s);
      out << Word(s) << " " << d.destination.str() << " <- " << source << ":" << d.source_dataset.str() << "\n";
      for (const auto& f : findings) out << "    " << Word(f.severity) << ": " << f.text << "\n";
    }
  }
  for (const auto& pool : pools) {
    auto st = hosts.Destination().GetPoolStatus(pool);
    if (!st) {
      raise(Severity::kUnknown);
      out << "UNKNOWN pool " << pool << ": " << st.error().message << "\n";
      continue;
    }
    auto findings = PoolFindings(*st, now, config.scrub_every_seconds);
    Severity s = Severity::kOk;
    for (const auto& f : findings) s = std::max(s, f.severity);
    raise(s);
    out << Word(s) << " pool " << pool << " (" << st->state << ")\n";
    for (const auto& f : findings) out << "    " << Word(f.severity) << ": " << f.text << "\n";
  }
  // After the report: monitoring shows its first line as the status.
  for (const auto& pool : unprobed) {
    out << "note: this host's zfs is not probed yet (pool " << pool
        << "): the modified-replica (written) and volume (volmode) checks are skipped; zpull once or zpull run "
           "probes it and caches what it supports in "
        << config.cache_directory << "\n";
  }
  return static_cast<int>(worst);
}

}  // namespace zpull::daemon
