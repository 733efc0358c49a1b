#include "exporter/inventory_metrics.h"


namespace zpull::exporter {


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

void InventoryMetrics::WriteMetrics(MetricWriter& out) const {
  // A copy, keyed by views into entries_ (whose entries are never erased).
  std::vector<std::pair<std::string_view, Entry>> entries;
  {
    std::lock_guard lock(mu_);
    entries.assign(entries_.begin(), entries_.end());
  }
  // The holds of each side the host could tell.
  auto per_side = [&](auto value) {
    for (const auto& [dataset, e] : entries) {
      for (auto [side, summary] :
           {std::pair{"source", &e.inventory.source_holds}, {"destination", &e.inventory.destination_holds}}) {
        if (!*summary) continue;
        if (std::optional<double> v = value(**summary)) out.Sample({{"dataset", dataset}, {"side", side}}, *v);
      }
    }
  };
  auto per_dataset = [&](auto value) {
    for (const auto& [dataset, e] : entries) {
      if (std::optional<double> v = value(e)) out.Sample({{"dataset", dataset}}, *v);
    }
  };
  using G = std::optional<double>;
  if (detail_.inventory) {
    out.Family("zpull_holds", "Snapshots carrying zpull's hold tag, by side (absent where zfs holds does not work: "
               "zfs-fuse).", MetricType::kGauge);
    per_side([](const checks::HoldSummary& h) { return G(double(h.count)); });
  }
  out.Family("zpull_hold_oldest_timestamp_seconds", "Unix time of zpull's oldest hold, by side: an old one blocks "
             "pruning.", MetricType::kGauge);
  per_side([](const checks::HoldSummary& h) { return h.oldest ? G(double(*h.oldest)) : std::nullopt; });
  if (detail_.inventory) {
    out.Family("zpull_bookmarks", "zpull's bookmarks for this destination on the source.", MetricType::kGauge);
    per_dataset([](const Entry& e) { return e.inventory.bookmarks ? G(double(*e.inventory.bookmarks)) : std::nullopt; });
  }
  out.Family("zpull_resume_token_present", "1 while the destination keeps an interrupted receive's resume token.",
             MetricType::kGauge);
  per_dataset([](const Entry& e) {
    return e.inventory.resume_token ? G(*e.inventory.resume_token ? 1 : 0) : std::nullopt;
  });
  out.Family("zpull_resume_token_since_timestamp_seconds",
             "When this zpull first saw the current resume token (a stale token blocks receives).", MetricType::kGauge);
  per_dataset([](const Entry& e) { return e.token_since ? G(double(*e.token_since)) : std::nullopt; });
}

}  // namespace zpull::exporter
