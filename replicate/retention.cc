#include "replicate/retention.h"

#include <ctime>
#include <map>
#include <set>

namespace zpull::replicate {

bool IsOwnSnapshot(std::string_view name, std::string_view own_prefix) {
  return name.size() > own_prefix.size() + 1 && name.starts_with(own_prefix) && name[own_prefix.size()] == '_';
}

std::int64_t GridBucket(GridPeriod period, std::int64_t t) {
  auto floor_div = [](std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); };
  switch (period) {
    case GridPeriod::kHour:
      return floor_div(t, 3600);
    case GridPeriod::kDay:
      return floor_div(t, 86400);
    case GridPeriod::kWeek:
      return floor_div(t - 4 * 86400, 7 * 86400);  // 1970-01-05 was a Monday
    case GridPeriod::kMonth:
    case GridPeriod::kYear: {
      std::time_t tt = static_cast<std::time_t>(t);
      std::tm tm{};
      gmtime_r(&tt, &tm);
      std::int64_t year = tm.tm_year + 1900;
      return period == GridPeriod::kYear ? year : year * 12 + tm.tm_mon;
    }
  }
  return 0;
}

std::vector<core::SnapshotInfo> SelectForPruning(const core::SnapshotList& snapshots, const RetentionPolicy& policy,
                                                 std::int64_t now, std::string_view own_prefix,
                                                 std::optional<std::uint64_t> protected_guid) {
  std::vector<core::SnapshotInfo> out;
  if (!policy.HasRules()) return out;

  std::vector<const core::SnapshotInfo*> governed;  // oldest first
  for (const auto& s : snapshots) {
    if (policy.prune_foreign || IsOwnSnapshot(s.name, own_prefix)) governed.push_back(&s);
  }
  std::set<const core::SnapshotInfo*> keep;
  if (policy.keep_last) {
    int n = *policy.keep_last;
    for (auto it = governed.rbegin(); it != governed.rend() && n > 0; ++it, --n) keep.insert(*it);
  }
  if (policy.max_age_seconds) {
    for (auto* s : governed) {
      if (now - s->creation < *policy.max_age_seconds) keep.insert(s);
    }
  }
  for (const auto& rule : policy.grid) {
    const std::int64_t current = GridBucket(rule.period, now);
    std::map<std::int64_t, const core::SnapshotInfo*> oldest_in_bucket;
    for (auto* s : governed) {
      std::int64_t b = std::min(GridBucket(rule.period, s->creation), current);
      if (b > current - rule.count) oldest_in_bucket.try_emplace(b, s);  // governed is oldest first
    }
    for (auto& [bucket, s] : oldest_in_bucket) keep.insert(s);
  }
  for (auto* s : governed) {
    if (keep.count(s) || s->userrefs > 0 || (protected_guid && s->guid == *protected_guid)) continue;
    out.push_back(*s);
  }
  return out;
}

}  // namespace zpull::replicate
