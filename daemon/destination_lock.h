#pragma once
// The lock that keeps two zpull processes (or overlapping cycles) from
// receiving into the same destination.

#include <atomic>
#include <string>

#include "config/config.h"
#include "core/dataset_name.h"
#include "core/lock_file.h"
#include "core/result.h"

namespace zpull::daemon {

// Takes <lock_directory>/dataset-<name with '/' as '@'>.lock; held while the
// returned LockFile lives. Fails with lock_busy, naming the dataset.
core::Result<core::LockFile> LockDestination(const config::Config& config, const core::DatasetName& destination);

// The lock that keeps the cycles of entries pulling one source dataset
// (replicate::DatasetJob::source_siblings) from running at once: one's
// pruning and replacing on the source would race the other's snapshot
// and send. Takes <lock_directory>/source-<source>@<dataset>.lock,
// waiting while another holds it; fails with shutdown once `cancel` is set.
core::Result<core::LockFile> LockSourceDataset(const config::Config& config, const std::string& source,
                                               const core::DatasetName& dataset, const std::atomic<bool>* cancel);

}  // namespace zpull::daemon
