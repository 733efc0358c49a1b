#pragma once
// Parity findings as severities (Nagios convention) for `zpull verify`,
// documented in docs/verify.md. The mapping is a pure function.

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "checks/parity_check.h"
#include "checks/replica_safety.h"
#include "config/config.h"
#include "daemon/hosts.h"

namespace zpull::daemon {

enum class Severity { kOk = 0, kWarning = 1, kCritical = 2, kUnknown = 3 };

struct Finding {
  Severity severity;
  std::string text;
};

// `interval` is the dataset's replication interval: data older than two of
// them is late.
std::vector<Finding> ParityFindings(const checks::ParityReport& r, std::int64_t now, std::int64_t interval);

// Pool findings: not ONLINE or permanent errors or errors found by the last
// scrub -> critical; vdev error counters, no completed scrub, or the last one
// older than `every` (when configured) -> warning.
std::vector<Finding> PoolFindings(const core::PoolStatus& st, std::int64_t now, std::optional<std::int64_t> every);

// Replica safety findings: a property receive.set did not ask for ->
// critical; one it asked for -> warning.
std::vector<Finding> SafetyFindings(const checks::SafetyReport& r);

// The replica safety pass for the datasets `indices` (one listing per
// destination root): reports in the order of `indices`. Without `probe`,
// volumes' volmode is checked only where the destination's features are
// cached (Hosts::KnownDestinationFeatures).
std::vector<core::Result<checks::SafetyReport>> CheckSafety(const config::Config& config, Hosts& hosts,
                                                            const std::vector<std::size_t>& indices, bool probe = true);

// Runs one parity pass for `only` (all datasets when empty), prints a report
// to `out`, and returns the process exit status (the worst severity). It
// probes nothing: what the destination's cached features do not tell
// (`written`, `volmode`) is skipped and named (docs/verify.md).
int RunVerify(const config::Config& config, Hosts& hosts, const std::vector<std::string>& only, std::int64_t now,
              std::ostream& out);

// Groups the configured datasets (indices into config.datasets) by source.
std::map<std::string, std::vector<std::size_t>> DatasetsBySource(const config::Config& config,
                                                                 const std::vector<std::string>& only);
checks::ParityTarget ParityTargetFor(const config::Config& config, const config::DatasetConfig& d);
// Whether the destination's ZFS has `written` (probed once per pool;
// without `probe`, only where the features are cached: else false).
bool WrittenSupported(const config::Config& config, Hosts& hosts, const std::vector<std::size_t>& indices,
                      bool probe = true);

}  // namespace zpull::daemon
