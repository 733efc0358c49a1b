#include "exporter/feature_metrics.h"

#include "exporter/metric_family.h"

namespace zpull::exporter {

void FeatureMetrics::Set(const std::string& host, const core::ZfsFeatures& features) {
  std::lock_guard lock(mu_);
  hosts_[host] = features;
}

std::vector<prometheus::MetricFamily> FeatureMetrics::Collect() const {
  auto feature = NewFamily("zpull_zfs_feature",
                           "1 if the host's ZFS supports the feature (probed by trying it), 0 if not.",
                           prometheus::MetricType::Gauge);
  auto version = NewFamily("zpull_zfs_version_info",
                           "The host's ZFS version (`zfs version`, or legacy for zfs-fuse); always 1.",
                           prometheus::MetricType::Gauge);
  auto guard = NewFamily("zpull_guard_version",
                         "The version of the host's zpull-guard (`zpull-guard version`): 0 none, 1 one that predates "
                         "the version command.",
                         prometheus::MetricType::Gauge);
  std::lock_guard lock(mu_);
  for (const auto& [host, f] : hosts_) {
    AddSample(guard, {{"host", host}}, f.guard);
    for (const auto& [name, flag] : core::kFeatureFlags) {
      AddSample(feature, {{"host", host}, {"feature", name}}, f.*flag ? 1 : 0);
    }
    AddSample(version, {{"host", host}, {"version", f.version}}, 1);
  }
  return Families(feature, version, guard);
}

}  // namespace zpull::exporter
