#include "replicate/plan.h"

#include <gtest/gtest.h>

#include "tests/support/snapshots.h"

namespace zpull::replicate {
namespace {

using test::Snaps;

struct Case {
  const char* title;
  const char* source;
  std::optional<const char*> destination;  // nullopt: absent
  InitialMode initial;
  PlanKind kind;
  std::vector<SendStep> steps;
  std::optional<const char*> common;
  std::vector<std::string> conflicts;
  bool needs_force = false;
  friend void PrintTo(const Case& c, std::ostream* os) { *os << c.title; }
};

std::optional<core::SnapshotList> Dst(const Case& c) {
  if (!c.destination) return std::nullopt;
  return Snaps(*c.destination);
}

class PlanTest : public ::testing::TestWithParam<Case> {};

TEST_P(PlanTest, Plans) {
  const Case& c = GetParam();
  Plan p = PlanReplication(Snaps(c.source), Dst(c), c.initial);
  EXPECT_EQ(p.kind, c.kind);
  EXPECT_EQ(p.steps, c.steps);
  EXPECT_EQ(p.conflicts, c.conflicts);
  EXPECT_EQ(p.needs_force, c.needs_force);
  if (c.common) {
    ASSERT_TRUE(p.newest_common.has_value());
    EXPECT_EQ(p.newest_common->name, *c.common);
  } else {
    EXPECT_FALSE(p.newest_common.has_value());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, PlanTest,
    ::testing::Values(
        Case{"first run sends the newest", "a:1 b:2 c:3", std::nullopt, InitialMode::kNewest, PlanKind::kSend,
             {{std::nullopt, "c", true}}, std::nullopt, {}},
        Case{"first run with initial all", "a:1 b:2 c:3", std::nullopt, InitialMode::kAll, PlanKind::kSend,
             {{std::nullopt, "a", true}, {"a", "c", true}}, std::nullopt, {}},
        Case{"initial all with one snapshot", "a:1", std::nullopt, InitialMode::kAll, PlanKind::kSend,
             {{std::nullopt, "a", true}}, std::nullopt, {}},
        Case{"empty source: nothing", "", std::nullopt, InitialMode::kNewest, PlanKind::kNothing, {}, std::nullopt,
             {}},
        Case{"incremental brings foreign intermediates", "a:1 sanoid_x:2 b:3 sanoid_y:4 c:5", "a:1 b:3",
             InitialMode::kNewest, PlanKind::kSend, {{"b", "c", true}}, "b", {}},
        Case{"up to date", "a:1 b:2", "a:1 b:2", InitialMode::kNewest, PlanKind::kNothing, {}, "b", {}},
        Case{"destination pruned older ones", "a:1 b:2 c:3", "b:2", InitialMode::kNewest, PlanKind::kSend,
             {{"b", "c", true}}, "b", {}},
        Case{"source pruned the older common ones", "c:3 d:4", "a:1 b:2 c:3", InitialMode::kNewest,
             PlanKind::kSend, {{"c", "d", true}}, "c", {}},
        Case{"diverged: destination has newer snapshots", "a:1 b:2 c:3", "a:1 b:2 x:9 y:10", InitialMode::kNewest,
             PlanKind::kDiverged, {}, "b", {"x", "y"}},
        Case{"no common snapshot", "a:1 b:2", "x:8 y:9", InitialMode::kNewest, PlanKind::kNoCommonSnapshot, {},
             std::nullopt, {"x", "y"}},
        Case{"same name, other guid is not common", "a:1 b:2", "a:7", InitialMode::kNewest,
             PlanKind::kNoCommonSnapshot, {}, std::nullopt, {"a"}},
        Case{"same name, other guid after a common one diverges", "a:1 b:2 c:3", "a:1 b:22", InitialMode::kNewest,
             PlanKind::kDiverged, {}, "a", {"b"}},
        Case{"renamed on the destination still matches by guid", "a:1 b:2 c:3", "a:1 renamed:2",
             InitialMode::kNewest, PlanKind::kSend, {{"b", "c", true}}, "renamed", {}},
        Case{"existing empty destination needs force", "a:1 b:2", "", InitialMode::kNewest, PlanKind::kSend,
             {{std::nullopt, "b", true}}, std::nullopt, {}, true}),
    [](const auto& param_info) {
      std::string s = param_info.param.title;
      for (char& c : s) {
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return s;
    });

TEST(DescribePlan, NamesTheConflicts) {
  Plan p = PlanReplication(Snaps("a:1 b:2"), Snaps("a:1 x:5 y:6"), InitialMode::kNewest);
  EXPECT_EQ(DescribePlan(p), "diverged: destination has snapshots newer than the newest common @a: @x, @y");
  Plan q = PlanReplication(Snaps("a:1 b:2 c:3"), Snaps("a:1"), InitialMode::kNewest);
  EXPECT_EQ(DescribePlan(q), "incremental @a -> @c");
}

}  // namespace
}  // namespace zpull::replicate

namespace zpull::replicate {
namespace {

TEST(PlanWithBookmarks, BookmarkStandsInForADestroyedCommonSnapshot) {
  // The source lost @b (guid 2) but keeps a bookmark of it.
  auto plan = PlanReplication(test::Snaps("a:1 c:3 d:4"), test::Snaps("a:1 b:2"), InitialMode::kNewest,
                              test::Snaps("mark_b:2"));
  ASSERT_EQ(plan.kind, PlanKind::kSend);
  // -i from the bookmark to the first newer snapshot, then -I on from there.
  EXPECT_EQ(plan.steps, (std::vector<SendStep>{{"mark_b", "c", false, true}, {"c", "d", true}}));
  EXPECT_EQ(plan.newest_common->name, "b");
  EXPECT_EQ(DescribePlan(plan), "incremental #mark_b -> @c, then incremental @c -> @d");
}

TEST(PlanWithBookmarks, SnapshotsArePreferredAndBookmarksCannotHideDivergence) {
  auto same = PlanReplication(test::Snaps("a:1 b:2 c:3"), test::Snaps("a:1 b:2"), InitialMode::kNewest,
                              test::Snaps("mark_b:2"));
  EXPECT_EQ(same.steps, (std::vector<SendStep>{{"b", "c", true, false}}));
  // A bookmark of an older snapshot does not excuse newer destination ones.
  auto diverged = PlanReplication(test::Snaps("c:3"), test::Snaps("a:1 x:9"), InitialMode::kNewest,
                                  test::Snaps("mark_a:1"));
  EXPECT_EQ(diverged.kind, PlanKind::kDiverged);
  EXPECT_EQ(diverged.conflicts, std::vector<std::string>{"x"});
  // Nothing newer than the bookmark on the source: nothing to send.
  auto nothing = PlanReplication(test::Snaps("z:0"), test::Snaps("a:1"), InitialMode::kNewest,
                                 test::Snaps("mark_a:1"));
  EXPECT_EQ(nothing.kind, PlanKind::kNothing);
}

}  // namespace
}  // namespace zpull::replicate

namespace zpull::replicate {
namespace {

TEST(PlanWithFilter, SkippedSnapshotsMakeAChainOfIncrementals) {
  SnapshotFilter hourly_out{{}, {"*_hourly"}};
  // common b; then c (hourly, left out), d, e (hourly), zp_f (own: always).
  auto plan = PlanReplication(test::Snaps("a:1 b:2 c_hourly:3 d:4 e_hourly:5 zp_f:6"),
                              test::Snaps("a:1 b:2"), InitialMode::kNewest, {}, hourly_out, "zp");
  ASSERT_EQ(plan.kind, PlanKind::kSend);
  EXPECT_EQ(plan.steps, (std::vector<SendStep>{{"b", "d", false}, {"d", "zp_f", false}}));
  // Nothing left out between the common and the last selected: one -I
  // (an unselected one after the last selected stays behind).
  auto tail = PlanReplication(test::Snaps("a:1 b:2 d:4 e_hourly:5"), test::Snaps("a:1 b:2"),
                              InitialMode::kNewest, {}, hourly_out, "zp");
  EXPECT_EQ(tail.steps, (std::vector<SendStep>{{"b", "d", true}}));
  // Only unselected snapshots are new: nothing to do.
  auto none = PlanReplication(test::Snaps("a:1 b:2 e_hourly:5"), test::Snaps("a:1 b:2"), InitialMode::kNewest,
                              {}, hourly_out, "zp");
  EXPECT_EQ(none.kind, PlanKind::kNothing);
}

TEST(PlanWithFilter, FirstReceiveStartsFromTheSelectedSnapshots) {
  SnapshotFilter daily_only{{"*_daily"}, {}};
  auto newest = PlanReplication(test::Snaps("x_daily:1 y_hourly:2 z_daily:3 w_hourly:4"), std::nullopt,
                                InitialMode::kNewest, {}, daily_only, "zp");
  EXPECT_EQ(newest.steps, (std::vector<SendStep>{{std::nullopt, "z_daily", true}}));
  auto all = PlanReplication(test::Snaps("x_daily:1 y_hourly:2 z_daily:3 w_hourly:4"), std::nullopt,
                             InitialMode::kAll, {}, daily_only, "zp");
  EXPECT_EQ(all.steps, (std::vector<SendStep>{{std::nullopt, "x_daily", true}, {"x_daily", "z_daily", false}}));
  EXPECT_TRUE(daily_only.Selects("zp_2026-11-27T00:00:00Z", "zp"));  // own snapshots always
  EXPECT_FALSE(daily_only.Selects("zp_2026-11-27T00:00:00Z", ""));
}

}  // namespace
}  // namespace zpull::replicate
