#pragma once
// The inventory of each dataset (checks/inventory.h) as a prometheus-cpp
// Collectable: zpull's holds per side, its source bookmarks, and the
// destination's resume token with the time it was first seen (by this
// process). Series a host cannot tell (zfs-fuse) are absent. Thread-safe.

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <prometheus/collectable.h>

#include "checks/inventory.h"

namespace zpull::exporter {

class InventoryMetrics : public prometheus::Collectable {
 public:
  void Set(const std::string& dataset, const checks::Inventory& inventory, std::int64_t now);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  struct Entry {
    checks::Inventory inventory;
    std::optional<std::int64_t> token_since;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;  // by dataset; guarded by mu_
};

}  // namespace zpull::exporter
