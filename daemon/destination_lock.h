#pragma once
// The lock that keeps two zpull processes (or overlapping cycles) from
// receiving into the same destination.

#include "config/config.h"
#include "core/dataset_name.h"
#include "core/lock_file.h"
#include "core/result.h"

namespace zpull::daemon {

// Takes <lock_directory>/dataset-<name with '/' as '@'>.lock; held while the
// returned LockFile lives. Fails with lock_busy, naming the dataset.
core::Result<core::LockFile> LockDestination(const config::Config& config, const core::DatasetName& destination);

}  // namespace zpull::daemon
