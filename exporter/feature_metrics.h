#pragma once
// What each host's ZFS can do, as probed (by trying commands): one
// zpull_zfs_feature{host,feature} series per feature, and
// zpull_zfs_version_info{host,version}. Thread-safe: guarded by mu_.

#include <map>
#include <mutex>
#include <string>

#include <prometheus/collectable.h>

#include "core/zfs.h"

namespace zpull::exporter {

class FeatureMetrics : public prometheus::Collectable {
 public:
  void Set(const std::string& host, const core::ZfsFeatures& features);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  mutable std::mutex mu_;
  std::map<std::string, core::ZfsFeatures> hosts_;  // guarded by mu_
};

}  // namespace zpull::exporter
