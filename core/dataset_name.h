#pragma once
// Validated ZFS dataset and snapshot names.
//
// The rule is the one both zfs-fuse and OpenZFS enforce (zfs_namecheck.c):
// components of [A-Za-z0-9-_.: ], separated by single '/', no empty, '.' or
// '..' component, total length below 256. zfs-fuse accepts '.'/'..'
// components by mistake; zpull refuses them before any command runs.

#include <string>
#include <string_view>

#include "core/result.h"

namespace zpull::core {

inline constexpr std::size_t kMaxDatasetNameLength = 255;

// Ok when `name` is a valid filesystem name (no '@'); the error message says
// which rule failed and quotes the name.
Status ValidateDatasetName(std::string_view name);

// Ok when `name` is a valid snapshot short name (the part after '@').
Status ValidateSnapshotName(std::string_view name);

// A filesystem name that passed ValidateDatasetName. Immutable value type.
class DatasetName {
 public:
  static Result<DatasetName> Parse(std::string_view name);

  const std::string& str() const { return name_; }
  std::string Pool() const { return name_.substr(0, name_.find('/')); }
  // "pool/a/b" -> "pool/a"; the pool itself has no parent (empty string).
  std::string Parent() const;
  // "fs@snap"; `snap` must be a valid snapshot name.
  std::string Snapshot(std::string_view snap) const;

  friend bool operator==(const DatasetName&, const DatasetName&) = default;
  friend auto operator<=>(const DatasetName&, const DatasetName&) = default;

 private:
  explicit DatasetName(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

}  // namespace zpull::core
