#include "config/expand.h"

#include <algorithm>
#include <unordered_map>

namespace zpull::config {

std::vector<DatasetConfig> EntriesFor(const DatasetConfig& root, const std::vector<std::string>& selected) {
  std::vector<DatasetConfig> out;
  const std::string prefix = root.source_dataset.str() + "/";
  for (const auto& name : selected) {
    if (name == root.source_dataset.str()) {
      out.push_back(root);
      out.back().expanded_from = root.destination.str();
      continue;
    }
    if (!name.starts_with(prefix)) continue;
    auto source = core::DatasetName::Parse(name);
    auto destination = core::DatasetName::Parse(root.destination.str() + "/" + name.substr(prefix.size()));
    if (!source || !destination) continue;  // zfs names are valid names; nothing to replicate otherwise
    DatasetConfig child = root;
    child.source_dataset = *source;
    child.destination = *destination;
    child.recursive = false;
    child.children = {};
    child.expanded_from = root.destination.str();
    // The nearest selected ancestor; the root is one of them.
    for (std::string up = name.substr(0, name.rfind('/'));; up = up.substr(0, up.rfind('/'))) {
      auto it = std::find_if(out.begin(), out.end(), [&](const DatasetConfig& d) { return d.source_dataset.str() == up; });
      if (it != out.end()) {
        child.replicated_parent = it->destination;
        break;
      }
      if (up.size() <= root.source_dataset.str().size()) break;
    }
    out.push_back(std::move(child));
  }
  return out;
}

core::Result<replicate::TreeSelection> SelectNow(const DatasetConfig& root, const SourceZfs& source_zfs) {
  const std::string property = root.children.property.empty() ? "name" : root.children.property;
  auto tree = source_zfs(root.source).ListTree(root.source_dataset, property);
  if (!tree) return tl::unexpected(core::WithContext(tree.error(), "listing children of " + root.source_dataset.str()));
  if (root.children.property.empty()) {
    for (auto& e : *tree) e.value.reset();
  }
  return replicate::SelectTree(root.source_dataset.str(), *tree, root.children);
}

Expansion ExpandDatasets(const Config& config, const SourceZfs& source_zfs) {
  Expansion out{config, {}, {}};
  out.config.datasets.clear();
  for (const auto& d : config.datasets) {
    if (!d.recursive) {
      out.config.datasets.push_back(d);
      continue;
    }
    auto selection = SelectNow(d, source_zfs);
    std::vector<std::string> names{d.source_dataset.str()};
    if (selection) {
      names = selection->datasets;
      for (const auto& w : selection->warnings) out.warnings.push_back(w);
    } else {
      out.errors.push_back(selection.error());
    }
    for (auto& e : EntriesFor(d, names)) out.config.datasets.push_back(std::move(e));
  }
  return out;
}

Config ExpandKnown(const Config& config, const std::map<std::string, std::vector<std::string>>& selections) {
  Config out = config;
  out.datasets.clear();
  for (const auto& d : config.datasets) {
    if (!d.recursive) {
      out.datasets.push_back(d);
      continue;
    }
    auto known = selections.find(d.destination.str());
    const std::vector<std::string> names =
        known != selections.end() ? known->second : std::vector<std::string>{d.source_dataset.str()};
    for (auto& e : EntriesFor(d, names)) out.datasets.push_back(std::move(e));
  }
  return out;
}

std::vector<std::string> ExpandedSources(const Config& config, const std::string& root_destination) {
  std::vector<std::string> out;
  for (const auto& d : config.datasets) {
    if (d.expanded_from == root_destination) out.push_back(d.source_dataset.str());
  }
  return out;
}

std::vector<std::optional<std::size_t>> ParentIndices(const Config& config) {
  std::vector<std::optional<std::size_t>> out(config.datasets.size());
  std::unordered_map<std::string, std::size_t> by_destination;  // the last of a name, as a scan would find
  for (std::size_t j = 0; j < config.datasets.size(); ++j) by_destination[config.datasets[j].destination.str()] = j;
  for (std::size_t i = 0; i < config.datasets.size(); ++i) {
    const auto& parent = config.datasets[i].replicated_parent;
    if (!parent) continue;
    if (auto it = by_destination.find(parent->str()); it != by_destination.end()) out[i] = it->second;
  }
  return out;
}

}  // namespace zpull::config
