#pragma once
// Retention: which snapshots a side may destroy. Pure.
//
// A snapshot survives if ANY rule keeps it. Rules:
//   keep_last N      the N newest snapshots under the policy
//   max_age S        snapshots younger than S seconds
//   grid             for each period (hour, day, week from Monday, month,
//                    year; UTC calendar) the oldest snapshot in each of the
//                    `count` most recent periods, the current one included
// Under the policy are zpull's own snapshots (name starts with "<prefix>_"),
// or every snapshot when prune_foreign is set. Never destroyed, whatever the
// rules say: held snapshots (userrefs > 0) and the protected guid (the
// newest common snapshot). A policy without any rule destroys nothing.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/snapshot.h"

namespace zpull::replicate {

enum class GridPeriod { kHour, kDay, kWeek, kMonth, kYear };

struct GridRule {
  GridPeriod period;
  int count = 0;
  friend bool operator==(const GridRule&, const GridRule&) = default;
};

struct RetentionPolicy {
  std::optional<int> keep_last;
  std::optional<std::int64_t> max_age_seconds;
  std::vector<GridRule> grid;
  bool prune_foreign = false;

  bool HasRules() const { return keep_last || max_age_seconds || !grid.empty(); }
  friend bool operator==(const RetentionPolicy&, const RetentionPolicy&) = default;
};

// The snapshots to destroy, oldest first.
std::vector<core::SnapshotInfo> SelectForPruning(const core::SnapshotList& snapshots, const RetentionPolicy& policy,
                                                 std::int64_t now, std::string_view own_prefix,
                                                 std::optional<std::uint64_t> protected_guid);

// Whether `name` is one of zpull's own snapshots for `own_prefix`.
bool IsOwnSnapshot(std::string_view name, std::string_view own_prefix);

// The calendar bucket of `t` for a grid period (UTC); exposed for tests.
std::int64_t GridBucket(GridPeriod period, std::int64_t t);

}  // namespace zpull::replicate
