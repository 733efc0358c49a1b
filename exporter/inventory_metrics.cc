#include "exporter/inventory_metrics.h"

#include "exporter/metric_family.h"

namespace zpull::exporter {

using prometheus::MetricFamily;
using prometheus::MetricType;

void InventoryMetrics::Set(const std::string& dataset, const checks::Inventory& inventory, std::int64_t now) {
  std::lock_guard lock(mu_);
  Entry& e = entries_[dataset];
  e.inventory = inventory;
  if (inventory.resume_token.value_or(false)) {
    if (!e.token_since) e.token_since = now;
  } else {
    e.token_since.reset();
  }
}

std::vector<MetricFamily> InventoryMetrics::Collect() const {
  auto holds = NewFamily("zpull_holds", "Snapshots carrying zpull's hold tag, by side (absent where zfs holds "
                                        "does not work: zfs-fuse).",
                         MetricType::Gauge);
  auto oldest = NewFamily("zpull_hold_oldest_timestamp_seconds",
                          "Unix time of zpull's oldest hold, by side: an old one blocks pruning.", MetricType::Gauge);
  auto bookmarks = NewFamily("zpull_bookmarks", "zpull's bookmarks for this destination on the source.",
                             MetricType::Gauge);
  auto token = NewFamily("zpull_resume_token_present",
                         "1 while the destination keeps an interrupted receive's resume token.", MetricType::Gauge);
  auto since = NewFamily("zpull_resume_token_since_timestamp_seconds",
                         "When this zpull first saw the current resume token (a stale token blocks receives).",
                         MetricType::Gauge);
  std::lock_guard lock(mu_);
  for (const auto& [dataset, e] : entries_) {
    const auto& inv = e.inventory;
    for (auto [side, summary] : {std::pair{"source", &inv.source_holds}, {"destination", &inv.destination_holds}}) {
      if (!*summary) continue;
      AddSample(holds, {{"dataset", dataset}, {"side", side}}, double((*summary)->count));
      if ((*summary)->oldest) AddSample(oldest, {{"dataset", dataset}, {"side", side}}, double(*(*summary)->oldest));
    }
    if (inv.bookmarks) AddSample(bookmarks, {{"dataset", dataset}}, double(*inv.bookmarks));
    if (inv.resume_token) AddSample(token, {{"dataset", dataset}}, *inv.resume_token ? 1 : 0);
    if (e.token_since) AddSample(since, {{"dataset", dataset}}, double(*e.token_since));
  }
  return Families(holds, oldest, bookmarks, token, since);
}

}  // namespace zpull::exporter
