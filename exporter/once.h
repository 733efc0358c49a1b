#pragma once
// `zpull once`: one replication cycle for every configured dataset, at most
// `parallelism` at a time; a failing dataset does not stop the others.

#include <vector>

#include "core/lock_file.h"
#include "exporter/config.h"
#include "exporter/hosts.h"
#include "exporter/replication_metrics.h"
#include "replicate/cycle.h"

namespace zpull::exporter {

// The lock that keeps two zpull processes (or overlapping cycles) from
// receiving into the same destination: <lock_directory>/dataset-<name with
// '/' as '@'>.lock. Fails with lock_busy, naming the dataset.
core::Result<core::LockFile> LockDestination(const Config& config, const core::DatasetName& destination);

// Outcomes in the order of config.datasets. With `metrics`, the cycles
// report into it as the daemon's do.
std::vector<replicate::CycleOutcome> RunAllOnce(const Config& config, Hosts& hosts,
                                                const std::function<std::int64_t()>& now,
                                                ReplicationMetrics* metrics = nullptr);

// One line per dataset: "ok <dataset> <what> <bytes> ..." or "FAILED <dataset> <reason>: <message>".
std::string FormatOutcome(const DatasetConfig& dataset, const replicate::CycleOutcome& outcome);

}  // namespace zpull::exporter
