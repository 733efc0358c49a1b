#include "replicate/dataset_selection.h"

#include <algorithm>
#include <optional>

#include "replicate/pattern.h"

namespace zpull::replicate {
namespace {

std::optional<bool> PropertyVerdict(const std::string& value) {
  if (value == "on" || value == "true" || value == "yes") return true;
  if (value == "off" || value == "false" || value == "no") return false;
  return std::nullopt;
}

// `relative` and each of its ancestors below the root: "a/b/c" -> a, a/b, a/b/c.
std::vector<std::string> PathsOf(const std::string& relative) {
  std::vector<std::string> out;
  for (std::size_t slash = relative.find('/'); slash != std::string::npos; slash = relative.find('/', slash + 1)) {
    out.push_back(relative.substr(0, slash));
  }
  out.push_back(relative);
  return out;
}

bool AnyPathMatches(const std::vector<std::string>& patterns, const std::vector<std::string>& paths) {
  return std::any_of(paths.begin(), paths.end(), [&](const std::string& p) { return MatchesAny(patterns, p); });
}

// Orders names so that a parent precedes its children ('/' before any other
// character).
bool TreeOrder(const std::string& a, const std::string& b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    if (x == y) return false;
    if (x == '/') return true;
    if (y == '/') return false;
    return static_cast<unsigned char>(x) < static_cast<unsigned char>(y);
  });
}

}  // namespace

TreeSelection SelectTree(const std::string& root, const std::vector<core::TreeEntry>& tree,
                         const ChildSelection& selection) {
  TreeSelection out;
  out.datasets.push_back(root);
  const std::string prefix = root + "/";
  std::vector<std::string> children;
  for (const auto& e : tree) {
    if (!e.name.starts_with(prefix) || e.name.size() == prefix.size()) continue;
    const std::string relative = e.name.substr(prefix.size());
    std::optional<bool> verdict;
    if (!selection.property.empty() && e.value) {
      verdict = PropertyVerdict(*e.value);
      if (!verdict) {
        out.warnings.push_back(selection.property + "=" + *e.value + " on " + e.name +
                               " is neither on nor off; the patterns decide");
      }
    }
    if (!verdict) {
      const auto paths = PathsOf(relative);
      verdict = !AnyPathMatches(selection.exclude, paths) &&
                (selection.include.empty() || AnyPathMatches(selection.include, paths));
    }
    if (*verdict) children.push_back(e.name);
  }
  std::sort(children.begin(), children.end(), TreeOrder);
  children.erase(std::unique(children.begin(), children.end()), children.end());
  out.datasets.insert(out.datasets.end(), children.begin(), children.end());
  return out;
}

}  // namespace zpull::replicate
