#include "exporter/verify.h"

#include <ostream>

#include "checks/parity_check.h"

namespace zpull::exporter {
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

std::map<std::string, std::vector<std::size_t>> DatasetsBySource(const Config& config,
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

checks::ParityTarget ParityTargetFor(const Config& config, const DatasetConfig& d) {
  return {d.destination.str(), d.source_dataset, d.destination, d.retention, config.snapshot_prefix};
}

int RunVerify(const Config& config, Hosts& hosts, const std::vector<std::string>& only, std::int64_t now,
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
  for (const auto& [source, indices] : groups) {
    std::vector<checks::ParityTarget> targets;
    for (std::size_t i : indices) targets.push_back(ParityTargetFor(config, config.datasets[i]));
    auto results = checks::RunParityPass(hosts.Source(source), hosts.Destination(), targets, now);
    for (std::size_t k = 0; k < results.size(); ++k) {
      const DatasetConfig& d = config.datasets[indices[k]];
      if (!results[k].report) {
        raise(Severity::kUnknown);
        out << "UNKNOWN " << d.destination.str() << ": parity check failed ("
            << core::ReasonName(results[k].report.error().reason) << "): " << results[k].report.error().message
            << "\n";
        continue;
      }
      auto findings = ParityFindings(*results[k].report, now, d.interval_seconds);
      Severity s = Severity::kOk;
      for (const auto& f : findings) s = std::max(s, f.severity);
      raise(s);
      out << Word(s) << " " << d.destination.str() << " <- " << source << ":" << d.source_dataset.str() << "\n";
      for (const auto& f : findings) out << "    " << Word(f.severity) << ": " << f.text << "\n";
    }
  }
  return static_cast<int>(worst);
}

}  // namespace zpull::exporter
