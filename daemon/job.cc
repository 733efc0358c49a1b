#include "daemon/job.h"

#include <map>
#include <string>
#include <utility>

namespace zpull::daemon {

replicate::DatasetJob JobFor(const config::Config& config, const config::DatasetConfig& d) {
  std::vector<core::DatasetName> siblings;
  for (const auto& o : config.datasets) {
    if (o.source == d.source && o.source_dataset == d.source_dataset && o.destination != d.destination) {
      siblings.push_back(o.destination);
    }
  }
  return JobFor(config, d, std::move(siblings));
}

std::vector<std::vector<core::DatasetName>> SourceSiblings(const config::Config& config) {
  std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> by_source;
  for (std::size_t i = 0; i < config.datasets.size(); ++i) {
    by_source[{config.datasets[i].source, config.datasets[i].source_dataset.str()}].push_back(i);
  }
  std::vector<std::vector<core::DatasetName>> out(config.datasets.size());
  for (const auto& [key, indices] : by_source) {
    if (indices.size() < 2) continue;
    for (std::size_t i : indices) {
      for (std::size_t o : indices) {
        if (config.datasets[o].destination != config.datasets[i].destination) {
          out[i].push_back(config.datasets[o].destination);
        }
      }
    }
  }
  return out;
}

replicate::DatasetJob JobFor(const config::Config& config, const config::DatasetConfig& d,
                             std::vector<core::DatasetName> siblings) {
  return {.source = d.source_dataset,
          .destination = d.destination,
          .prefix = config.snapshot_prefix,
          .take_snapshot = d.snapshot,
          .initial = d.initial,
          .force = d.force,
          .destination_retention = d.retention,
          .source_retention = d.source_retention,
          .options = d.options,  // all but the bandwidth limit (BandwidthLimits)
          .replicated_parent = d.replicated_parent,
          .source_siblings = std::move(siblings)};
}

}  // namespace zpull::daemon
