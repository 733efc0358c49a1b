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
    const std::pair<const char*, bool> features[] = {
        {"recv_unmounted", f.recv_unmounted}, {"recv_resumable", f.recv_resumable},
        {"list_parsable", f.list_parsable},   {"json", f.json},
        {"send_estimate", f.send_estimate},   {"bookmarks", f.bookmarks},
        {"written", f.written},               {"send_raw", f.send_raw},
        {"send_compressed", f.send_compressed}, {"send_large_blocks", f.send_large_blocks},
        {"send_embedded", f.send_embedded},   {"recv_property_override", f.recv_property_override},
        {"list_holds", f.list_holds},         {"get_types", f.get_types},
        {"volmode", f.volmode}};
    for (const auto& [name, on] : features) {
      AddSample(feature, {{"host", host}, {"feature", name}}, on ? 1 : 0);
    }
    AddSample(version, {{"host", host}, {"version", f.version}}, 1);
  }
  return Families(feature, version, guard);
}

}  // namespace zpull::exporter
