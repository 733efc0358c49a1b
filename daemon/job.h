#pragma once
// Each configured dataset as the replication cycle sees it (replicate::DatasetJob).

#include <vector>

#include "config/config.h"
#include "replicate/job.h"

namespace zpull::daemon {

replicate::DatasetJob JobFor(const config::Config& config, const config::DatasetConfig& dataset);
// The same with the other entries that pull its source dataset given
// (SourceSiblings: for every dataset at once, without a scan per dataset).
replicate::DatasetJob JobFor(const config::Config& config, const config::DatasetConfig& dataset,
                             std::vector<core::DatasetName> siblings);
// For each dataset, the destinations of the other entries that pull the
// same source dataset.
std::vector<std::vector<core::DatasetName>> SourceSiblings(const config::Config& config);

}  // namespace zpull::daemon
