#include "exporter/feature_metrics.h"

#include <prometheus/metric_family.h>

namespace zpull::exporter {

void FeatureMetrics::Set(const std::string& host, const core::ZfsFeatures& features) {
  std::lock_guard lock(mu_);
  hosts_[host] = features;
}

std::vector<prometheus::MetricFamily> FeatureMetrics::Collect() const {
  using prometheus::ClientMetric;
  prometheus::MetricFamily feature, version;
  feature.name = "zpull_zfs_feature";
  feature.help = "1 if the host's ZFS supports the feature (probed by trying it), 0 if not.";
  feature.type = prometheus::MetricType::Gauge;
  version.name = "zpull_zfs_version_info";
  version.help = "The host's ZFS version (`zfs version`, or legacy for zfs-fuse); always 1.";
  version.type = prometheus::MetricType::Gauge;
  std::lock_guard lock(mu_);
  for (const auto& [host, f] : hosts_) {
    const std::pair<const char*, bool> features[] = {
        {"recv_unmounted", f.recv_unmounted}, {"recv_resumable", f.recv_resumable},
        {"list_parsable", f.list_parsable},   {"json", f.json},
        {"send_estimate", f.send_estimate},   {"bookmarks", f.bookmarks},
        {"written", f.written}};
    for (const auto& [name, on] : features) {
      ClientMetric m;
      m.label = {{"host", host}, {"feature", name}};
      m.gauge.value = on ? 1 : 0;
      feature.metric.push_back(std::move(m));
    }
    ClientMetric v;
    v.label = {{"host", host}, {"version", f.version}};
    v.gauge.value = 1;
    version.metric.push_back(std::move(v));
  }
  return {feature, version};
}

}  // namespace zpull::exporter
