#include "exporter/feature_metrics.h"

namespace zpull::exporter {

void FeatureMetrics::Set(const std::string& host, const core::ZfsFeatures& features) {
  std::lock_guard lock(mu_);
  hosts_[host] = features;
}

void FeatureMetrics::WriteMetrics(MetricWriter& out) const {
  std::map<std::string, core::ZfsFeatures> hosts;
  {
    std::lock_guard lock(mu_);
    hosts = hosts_;
  }
  out.Family("zpull_zfs_feature", "1 if the host's ZFS supports the feature (probed by trying it), 0 if not.",
             MetricType::kGauge);
  for (const auto& [host, f] : hosts) {
    for (const auto& [name, flag] : core::kFeatureFlags) out.Sample({{"host", host}, {"feature", name}}, f.*flag ? 1 : 0);
  }
  out.Family("zpull_zfs_version_info", "The host's ZFS version (`zfs version`, or legacy for zfs-fuse); always 1.",
             MetricType::kGauge);
  for (const auto& [host, f] : hosts) out.Sample({{"host", host}, {"version", f.version}}, 1);
  out.Family("zpull_guard_version",
             "The version of the host's zpull-guard (`zpull-guard version`): 0 none, 1 one that predates the "
             "version command.",
             MetricType::kGauge);
  for (const auto& [host, f] : hosts) out.Sample({{"host", host}}, f.guard);
}

}  // namespace zpull::exporter
