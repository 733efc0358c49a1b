#pragma once
// The inventory of each dataset (checks/inventory.h): the age of zpull's
// oldest hold per side, the destination's resume token with the time it was
// first seen (by this process), and with MetricDetail::inventory the holds
// per side and the source bookmarks. Series a host cannot tell (zfs-fuse)
// are absent. Thread-safe.

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "checks/inventory.h"
#include "core/metric_detail.h"
#include "exporter/metric_text.h"

namespace zpull::exporter {

class InventoryMetrics : public MetricSource {
 public:
  explicit InventoryMetrics(core::MetricDetail detail = {}) : detail_(detail) {}
  void Set(const std::string& dataset, const checks::Inventory& inventory, std::int64_t now);
  void WriteMetrics(MetricWriter& out) const override;

 private:
  struct Entry {
    checks::Inventory inventory;
    std::optional<std::int64_t> token_since;
  };
  const core::MetricDetail detail_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;  // by dataset; guarded by mu_
};

}  // namespace zpull::exporter
