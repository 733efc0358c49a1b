#include "cli/selection.h"

#include "cli/suggest.h"

namespace zpull::cli {
namespace {

std::string WithoutTrailingSlashes(std::string name) {
  while (name.size() > 1 && name.back() == '/') name.pop_back();
  return name;
}

bool Names(const config::DatasetConfig& d, const std::string& name) {
  const std::string& dest = d.destination.str();
  return dest == name || dest.starts_with(name + "/");
}

// Why `name` selects nothing of `config`: the nearest destination, or the
// destinations that pull it when it is a source dataset.
core::Error NothingSelected(const config::Config& config, const std::string& name) {
  std::vector<std::string> pulling, destinations;
  for (const auto& d : config.datasets) {
    if (d.source_dataset.str() == name) pulling.push_back(d.destination.str());
    destinations.push_back(d.destination.str());
  }
  std::string message = "no configured destination '" + name + "'";
  if (!pulling.empty()) {
    message += ": it is a source dataset; name its entries by destination:";
    for (const auto& p : pulling) message += " " + p;
  } else if (auto s = Suggest(name, destinations)) {
    message += " (did you mean '" + *s + "'?)";
  } else {
    message += "; `zpull status` or the configuration's destination: keys list them";
  }
  return core::Error{core::Reason::kConfig, message};
}

}  // namespace

core::Result<std::vector<std::size_t>> SelectEntries(const config::Config& config,
                                                     const std::vector<std::string>& names) {
  std::vector<bool> selected(config.datasets.size(), names.empty());
  for (const auto& raw : names) {
    const std::string name = WithoutTrailingSlashes(raw);
    bool any = false;
    for (std::size_t i = 0; i < config.datasets.size(); ++i) {
      if (Names(config.datasets[i], name)) selected[i] = any = true;
    }
    if (!any) return tl::unexpected(NothingSelected(config, name));
  }
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < selected.size(); ++i) {
    if (selected[i]) out.push_back(i);
  }
  return out;
}

core::Status CheckSelectable(const config::Config& config, const std::vector<std::string>& names) {
  for (const auto& raw : names) {
    const std::string name = WithoutTrailingSlashes(raw);
    bool maybe = false;
    for (const auto& d : config.datasets) {
      maybe = maybe || Names(d, name) || (d.recursive && name.starts_with(d.destination.str() + "/"));
    }
    if (!maybe) return tl::unexpected(NothingSelected(config, name));
  }
  return {};
}

}  // namespace zpull::cli
