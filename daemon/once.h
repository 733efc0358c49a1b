#pragma once
// `zpull once`: one replication cycle for every configured dataset, at most
// `parallelism` at a time; a failing dataset does not stop the others.

#include <vector>

#include "config/config.h"
#include "daemon/hosts.h"
#include "exporter/replication_metrics.h"
#include "replicate/cycle.h"

namespace zpull::daemon {

// Outcomes in the order of config.datasets. With `metrics`, the cycles
// report into it as the daemon's do.
std::vector<replicate::CycleOutcome> RunAllOnce(const config::Config& config, Hosts& hosts,
                                                const std::function<std::int64_t()>& now,
                                                exporter::ReplicationMetrics* metrics = nullptr);

// One line per dataset: "ok <dataset> <what> <bytes> ..." or "FAILED <dataset> <reason>: <message>".
std::string FormatOutcome(const config::DatasetConfig& dataset, const replicate::CycleOutcome& outcome);

}  // namespace zpull::daemon
