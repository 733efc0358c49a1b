#pragma once
// `zpull once`: one replication cycle for every configured dataset through
// the daemon's scheduler (daemon/scheduler.h: `parallelism`, per-host
// slots, parents first) with the same retries, waits and logs; a failing
// dataset does not stop the others.

#include <vector>

#include "config/config.h"
#include "core/log.h"
#include "daemon/hosts.h"
#include "exporter/replication_metrics.h"
#include "replicate/cycle.h"

namespace zpull::daemon {

// Outcomes in the order of config.datasets. With `metrics`, the cycles
// report into it as the daemon's do. With `only` (indices), just those
// datasets run; the others' outcomes stay empty.
std::vector<replicate::CycleOutcome> RunEachOnce(const config::Config& config, Hosts& hosts,
                                                 const std::function<std::int64_t()>& now, const core::Log& log,
                                                 exporter::ReplicationMetrics* metrics = nullptr,
                                                 const std::vector<std::size_t>& only = {});

// Logs each failed attempt of `dataset` when it fails, with its reason and
// the wait before the next (CycleHooks::on_retry), in `zpull run` and once.
std::function<void(const core::Error&, std::int64_t)> LogRetries(const core::Log& log, const std::string& dataset);

// Logs how a cycle of `dataset` ended, in `zpull run` and once: its
// warnings, what it brought into line or destroyed on divergence, and a
// failure; a success too with `log_success` (zpull once says that on
// stdout instead).
void LogCycle(const core::Log& log, const std::string& dataset, const replicate::CycleOutcome& outcome, double seconds,
              bool log_success = true);

// One line per dataset: "ok <dataset> <what> <bytes> ..." or
// "FAILED <dataset> reason=<reason>: <message>; fix: <remedy>" (core::ReasonRemedy).
std::string FormatOutcome(const config::DatasetConfig& dataset, const replicate::CycleOutcome& outcome);

}  // namespace zpull::daemon
