#pragma once
// Restore drills of configured datasets: run one, record it in metrics and
// as user properties on the destination dataset (zpull:drill_last_run,
// zpull:drill_last_success, zpull:drill_last_outcome, and the rotation:
// zpull:drill_rotation, zpull:drill_covered — no private state file), read
// that state back after a restart, and sweep leftovers.


#include "checks/restore_drill.h"
#include "exporter/check_metrics.h"
#include "config/config.h"
#include "core/log.h"
#include "daemon/hosts.h"

namespace zpull::daemon {

using replicate::kDrillLastOutcomeProperty;
using replicate::kDrillLastRunProperty;
using replicate::kDrillLastSuccessProperty;
using replicate::kDrillCoveredProperty;
using replicate::kDrillRotationProperty;

// The scratch clone prefix: the snapshot prefix names this backup host.
std::string DrillPrefix(const config::Config& config);

// covered / total; 1 for an empty tree (nothing left unread).
double CoveredRatio(std::size_t covered, std::size_t total);

// Why `dir` (drill.directory, where clones of a source's content are
// mounted on this host) is not safe (core::UnsafeDirectory, made where
// missing); nullopt when it is.
std::optional<std::string> UnsafeDrillDirectory(const std::string& dir);

checks::DrillOutcome RunDatasetDrill(const config::Config& config, const config::DatasetConfig& d, Hosts& hosts,
                                     const std::function<std::int64_t()>& now,
                                     const std::atomic<bool>* cancel = nullptr);

// Stores the outcome on the destination dataset and in `metrics`.
void RecordDrill(const config::DatasetConfig& d, Hosts& hosts, const checks::DrillOutcome& o, exporter::CheckMetrics& metrics,
                 const core::Log& log);

// The state kept on the destination, for metrics after a restart.
std::optional<exporter::CheckMetrics::DrillState> RestoreDrillState(const config::DatasetConfig& d, Hosts& hosts);

// Destroys drill scratch clones left by a run that died: on the
// destination pools where `source` is empty, else on that source's pools;
// only the pools of datasets with scheduled drills (drill.every).
void SweepDrills(const config::Config& config, Hosts& hosts, const core::Log& log, const std::string& source);

}  // namespace zpull::daemon
