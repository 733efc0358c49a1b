#pragma once
// Which datasets of a source tree a recursive entry replicates. Pure.
//
// The configured root is always selected. A dataset below it is selected by
// its `property` on the source when that says on/true/yes or off/false/no
// (the value may be inherited, as ZFS user properties are); otherwise by
// patterns on its path below the root ("vm/disk0"): excluded when it or one
// of its ancestors below the root matches an `exclude` pattern; else
// selected when there are no `include` patterns or it or one of those
// ancestors matches one.

#include <string>
#include <vector>

#include "core/zfs.h"

namespace zpull::replicate {

struct ChildSelection {
  std::vector<std::string> include, exclude;  // fnmatch patterns on the path below the root
  std::string property = "zpull:backup";      // empty: no property is consulted
  friend bool operator==(const ChildSelection&, const ChildSelection&) = default;
};

struct TreeSelection {
  std::vector<std::string> datasets;  // full names, the root first, every parent before its children
  std::vector<std::string> warnings;  // property values that are neither on nor off (patterns decided)
};

TreeSelection SelectTree(const std::string& root, const std::vector<core::TreeEntry>& tree,
                         const ChildSelection& selection);

}  // namespace zpull::replicate
