#include "checks/replica_safety.h"

#include <algorithm>

namespace zpull::checks {
namespace {

bool Below(const std::string& name, const std::string& ancestor) {
  return name == ancestor || (name.size() > ancestor.size() && name.starts_with(ancestor) && name[ancestor.size()] == '/');
}

// The target `name` counts for: the deepest one that is it or an ancestor.
const SafetyTarget* Owner(const std::vector<SafetyTarget>& targets, const std::string& name) {
  const SafetyTarget* best = nullptr;
  for (const auto& t : targets) {
    if (Below(name, t.dataset) && (!best || t.dataset.size() > best->dataset.size())) best = &t;
  }
  return best;
}

// Where `now` is not safe, what makes it safe (a value, or nullopt for
// `zfs inherit`); nullopt where it is safe or does not apply.
std::optional<std::optional<std::string>> Fix(const std::string& property, const core::PropertyValue& now,
                                              bool volume, bool readonly) {
  if (now.value == "-") return std::nullopt;
  if (volume) {
    if (property == "volmode" && now.value != "none") return std::optional<std::string>("none");
    if (property == "readonly" && readonly && now.value != "on") return std::optional<std::string>("on");
    return std::nullopt;
  }
  if (property == "canmount" && now.value == "on") return std::optional<std::string>("noauto");
  if ((property == "setuid" || property == "devices" || property == "exec") && now.value != "off") {
    return std::optional<std::string>("off");
  }
  if (property == "readonly" && readonly && now.value != "on") return std::optional<std::string>("on");
  if (property == "mountpoint" && now.source == "received") return std::optional<std::string>();
  return std::nullopt;
}

}  // namespace

std::size_t SafetyReport::Unasked() const {
  return static_cast<std::size_t>(std::count_if(unsafe.begin(), unsafe.end(), [](const auto& u) { return !u.asked; }));
}

std::vector<core::PropertyChange> SafetyReport::Repairs() const {
  std::vector<core::PropertyChange> out;
  for (const auto& u : unsafe) {
    if (u.asked) continue;
    auto fs = core::DatasetName::Parse(u.dataset);
    if (fs) out.push_back({*fs, u.property, u.safe});
  }
  return out;
}

std::vector<std::string> SafetyProperties(bool volmode) {
  std::vector<std::string> out = {"canmount", "setuid", "devices", "exec", "mountpoint", "readonly"};
  if (volmode) out.push_back("volmode");
  return out;
}

std::vector<std::string> SafetyRoots(const std::vector<SafetyTarget>& targets) {
  std::vector<std::string> out;  // one per pool, in the order pools first appear
  for (const auto& t : targets) {
    const std::string pool = t.dataset.substr(0, t.dataset.find('/'));
    auto root = std::find_if(out.begin(), out.end(), [&](const std::string& r) { return Below(r, pool); });
    if (root == out.end()) {
      out.push_back(t.dataset);
      continue;
    }
    // The common ancestor of `*root` and this target, component by component.
    while (!Below(t.dataset, *root)) root->erase(root->rfind('/'));
  }
  return out;
}

std::vector<SafetyReport> CheckReplicaSafety(const std::vector<SafetyTarget>& targets,
                                             const std::vector<core::DatasetProperties>& listing) {
  std::vector<SafetyReport> out;
  std::map<std::string, std::size_t> index;
  for (const auto& t : targets) {
    index.emplace(t.dataset, out.size());
    out.push_back({t.dataset, {}});
  }
  for (const auto& d : listing) {
    const SafetyTarget* owner = Owner(targets, d.name);
    if (!owner) continue;
    auto type = d.values.find("type");
    const bool volume = type != d.values.end() && type->second.value == "volume";
    for (const auto& [property, now] : d.values) {
      auto fix = Fix(property, now, volume, owner->readonly);
      if (!fix) continue;
      // zfs-fuse's `zfs inherit` does not hide the value a -R stream gave a
      // child (docs/zfs-dialects.md §1): below a replica, none instead.
      if (property == "mountpoint" && d.name != owner->dataset) *fix = std::string("none");
      auto asked = owner->set.find(property);
      out[index.at(owner->dataset)].unsafe.push_back(
          {d.name, property, now, *fix, asked != owner->set.end() && asked->second == now.value});
    }
  }
  return out;
}

}  // namespace zpull::checks
