#include "cli/selection.h"

#include "cli/suggest.h"

namespace zpull::cli {

core::Result<std::vector<std::size_t>> SelectEntries(const config::Config& config,
                                                     const std::vector<std::string>& names) {
  std::vector<bool> selected(config.datasets.size(), names.empty());
  for (const auto& name : names) {
    bool any = false;
    std::vector<std::string> pulling, destinations;
    for (std::size_t i = 0; i < config.datasets.size(); ++i) {
      const auto& d = config.datasets[i];
      const std::string& dest = d.destination.str();
      if (dest == name || dest.starts_with(name + "/")) {
        selected[i] = true;
        any = true;
      }
      if (d.source_dataset.str() == name) pulling.push_back(dest);
      destinations.push_back(dest);
    }
    if (any) continue;
    std::string message = "no configured destination '" + name + "'";
    if (!pulling.empty()) {
      message += ": it is a source dataset; name its entries by destination:";
      for (const auto& p : pulling) message += " " + p;
    } else if (auto s = Suggest(name, destinations)) {
      message += " (did you mean '" + *s + "'?)";
    } else {
      message += "; `zpull status` or the configuration's destination: keys list them";
    }
    return core::Fail(core::Reason::kConfig, message);
  }
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < selected.size(); ++i) {
    if (selected[i]) out.push_back(i);
  }
  return out;
}

}  // namespace zpull::cli
