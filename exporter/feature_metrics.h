#pragma once
// What each host's ZFS can do, as probed (by trying commands): one
// zpull_zfs_feature{host,feature} series per feature, and
// zpull_zfs_version_info{host,version}. Thread-safe: guarded by mu_.

#include <map>
#include <mutex>
#include <string>

#include "core/zfs.h"
#include "exporter/metric_text.h"

namespace zpull::exporter {

class FeatureMetrics : public MetricSource {
 public:
  void Set(const std::string& host, const core::ZfsFeatures& features);
  void WriteMetrics(MetricWriter& out) const override;

 private:
  mutable std::mutex mu_;
  std::map<std::string, core::ZfsFeatures> hosts_;  // guarded by mu_
};

}  // namespace zpull::exporter
