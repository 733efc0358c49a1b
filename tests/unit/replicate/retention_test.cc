#include "replicate/retention.h"

#include <gtest/gtest.h>

#include "tests/support/snapshots.h"

namespace zpull::replicate {
namespace {

using test::Names;
using test::Snaps;

constexpr std::int64_t kHour = 3600, kDay = 86400;
// 2026-11-27T12:00:00Z, a Friday.
constexpr std::int64_t kNow = 1795780800;

std::string Pruned(const core::SnapshotList& list, const RetentionPolicy& p,
                   std::optional<std::uint64_t> protected_guid = std::nullopt) {
  core::SnapshotList out;
  for (auto& s : SelectForPruning(list, p, kNow, "zp", protected_guid)) out.push_back(s);
  return Names(out);
}

std::string At(std::int64_t t) { return std::to_string(t); }

TEST(Retention, NoRulesDestroysNothing) {
  EXPECT_EQ(Pruned(Snaps("zp_a:1 zp_b:2"), RetentionPolicy{}), "");
}

TEST(Retention, KeepLast) {
  RetentionPolicy p;
  p.keep_last = 2;
  EXPECT_EQ(Pruned(Snaps("zp_a:1 zp_b:2 zp_c:3 zp_d:4"), p), "zp_a zp_b");
}

TEST(Retention, KeepLastCountsOnlyOwnSnapshots) {
  RetentionPolicy p;
  p.keep_last = 1;
  // Foreign snapshots are neither counted nor pruned.
  EXPECT_EQ(Pruned(Snaps("zp_a:1 other_b:2 zp_c:3 sanoid_d:4"), p), "zp_a");
}

TEST(Retention, PrefixMustBeFollowedByUnderscore) {
  RetentionPolicy p;
  p.keep_last = 1;
  EXPECT_EQ(Pruned(Snaps("zpx_a:1 zp_b:2 zp_c:3"), p), "zp_b");
  EXPECT_TRUE(IsOwnSnapshot("zp_1", "zp"));
  EXPECT_FALSE(IsOwnSnapshot("zp", "zp"));
  EXPECT_FALSE(IsOwnSnapshot("zp_", "zp"));
  EXPECT_FALSE(IsOwnSnapshot("zpull_other", "zp"));
}

TEST(Retention, MaxAge) {
  RetentionPolicy p;
  p.max_age_seconds = 2 * kDay;
  auto list = Snaps("zp_old:1@" + At(kNow - 3 * kDay) + " zp_edge:2@" + At(kNow - 2 * kDay) + " zp_new:3@" +
                    At(kNow - kHour));
  EXPECT_EQ(Pruned(list, p), "zp_old zp_edge");
}

TEST(Retention, HourlyGridKeepsOldestPerHourForCountHours) {
  RetentionPolicy p;
  p.grid = {{GridPeriod::kHour, 2}};
  // Current hour 12:xx: keep oldest of 12:xx and oldest of 11:xx.
  auto list = Snaps("zp_10:1@" + At(kNow - 2 * kHour + 60) + " zp_1101:2@" + At(kNow - kHour + 60) +
                    " zp_1130:3@" + At(kNow - kHour + 1800) + " zp_1200:4@" + At(kNow) + " zp_1205:5@" +
                    At(kNow + 300));
  EXPECT_EQ(Pruned(list, p), "zp_10 zp_1130 zp_1205");
}

TEST(Retention, DailyWeeklyMonthlyBuckets) {
  EXPECT_EQ(GridBucket(GridPeriod::kDay, kNow) - GridBucket(GridPeriod::kDay, kNow - kDay), 1);
  // Monday 2026-11-23 00:00Z starts the week of Friday 2026-11-27.
  const std::int64_t monday = kNow - 4 * kDay - 12 * kHour;
  EXPECT_EQ(GridBucket(GridPeriod::kWeek, monday), GridBucket(GridPeriod::kWeek, kNow));
  EXPECT_EQ(GridBucket(GridPeriod::kWeek, monday - 1) + 1, GridBucket(GridPeriod::kWeek, kNow));
  // 2026-11-01 00:00Z vs 2026-10-31 23:59:59Z.
  EXPECT_EQ(GridBucket(GridPeriod::kMonth, 1793491200), 2026 * 12 + 10);
  EXPECT_EQ(GridBucket(GridPeriod::kMonth, 1793491199), 2026 * 12 + 9);
  EXPECT_EQ(GridBucket(GridPeriod::kYear, kNow), 2026);
}

TEST(Retention, GridDailyAcrossDays) {
  RetentionPolicy p;
  p.grid = {{GridPeriod::kDay, 3}};
  auto list = Snaps("zp_d5:1@" + At(kNow - 5 * kDay) + " zp_d2a:2@" + At(kNow - 2 * kDay) + " zp_d2b:3@" +
                    At(kNow - 2 * kDay + 60) + " zp_d1:4@" + At(kNow - kDay) + " zp_d0:5@" + At(kNow));
  EXPECT_EQ(Pruned(list, p), "zp_d5 zp_d2b");
}

TEST(Retention, UnionOfRules) {
  RetentionPolicy p;
  p.keep_last = 1;
  p.max_age_seconds = kDay;
  p.grid = {{GridPeriod::kMonth, 12}};
  // Month rule keeps the oldest of each month; max_age the recent; keep_last the newest.
  auto list = Snaps("zp_sep:1@" + At(kNow - 80 * kDay) + " zp_oct1:2@" + At(kNow - 50 * kDay) + " zp_oct2:3@" +
                    At(kNow - 40 * kDay) + " zp_nov1:4@" + At(kNow - 20 * kDay) + " zp_nov2:5@" +
                    At(kNow - 10 * kDay) + " zp_today:6@" + At(kNow - kHour));
  EXPECT_EQ(Pruned(list, p), "zp_oct2 zp_nov2");
}

TEST(Retention, HeldAndProtectedAreNeverPruned) {
  RetentionPolicy p;
  p.keep_last = 1;
  auto list = Snaps("zp_a:1+ zp_b:2 zp_c:3 zp_d:4");
  EXPECT_EQ(Pruned(list, p, 3), "zp_b");
}

TEST(Retention, PruneForeign) {
  RetentionPolicy p;
  p.keep_last = 1;
  p.prune_foreign = true;
  EXPECT_EQ(Pruned(Snaps("sanoid_a:1 zp_b:2 manual:3"), p), "sanoid_a zp_b");
}

}  // namespace
}  // namespace zpull::replicate
