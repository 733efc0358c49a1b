#include "replicate/restore_plan.h"

#include <gtest/gtest.h>

namespace zpull::replicate {
namespace {

core::SnapshotInfo S(const std::string& name, std::uint64_t guid, std::uint64_t txg) { return {name, guid, txg, 0, 0}; }
using Names = std::vector<std::string>;

const core::SnapshotList kBackup = {S("a", 1, 10), S("b", 2, 20), S("c", 3, 30)};

TEST(PlanRestore, FullIntoANewTarget) {
  auto p = PlanRestore(kBackup, "", std::nullopt, std::nullopt);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, RestorePlan::Kind::kFull);
  EXPECT_EQ(p->snapshot.name, "c");
  EXPECT_FALSE(p->needs_force);
  EXPECT_EQ(DescribeRestore("backup/x", "web1:tank/x", *p),
            "restore backup/x@c -> web1:tank/x (does not exist: created)\n  send: full stream of @c\n");
}

TEST(PlanRestore, IncrementalFromTheNewestCommonByGuid) {
  // The target's "b" has another guid: not common.
  auto p = PlanRestore(kBackup, "", core::SnapshotList{S("a", 1, 5), S("b", 99, 6)}, 0);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, RestorePlan::Kind::kIncremental);
  EXPECT_EQ(p->base->name, "a");
  EXPECT_EQ(p->sent, (Names{"b", "c"}));
  EXPECT_TRUE(p->needs_force);
  EXPECT_EQ(p->destroyed, Names{"b"});
  auto clean = PlanRestore(kBackup, "b", core::SnapshotList{S("a", 1, 5)}, 0);
  ASSERT_TRUE(clean);
  EXPECT_EQ(clean->sent, Names{"b"});
  EXPECT_FALSE(clean->needs_force);
}

TEST(PlanRestore, ChangesSinceTheNewestSnapshotNeedForce) {
  auto p = PlanRestore(kBackup, "", core::SnapshotList{S("b", 2, 5)}, 4096);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->needs_force);
  EXPECT_TRUE(p->destroyed.empty());
  EXPECT_NE(DescribeRestore("b/x", "t", *p).find("(and changes since its newest snapshot)"), std::string::npos);
}

TEST(PlanRestore, NoCommonSnapshotReplacesTheTarget) {
  auto p = PlanRestore(kBackup, "b", core::SnapshotList{S("mine", 7, 5)}, std::nullopt);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, RestorePlan::Kind::kFull);
  EXPECT_TRUE(p->needs_force);
  EXPECT_EQ(p->destroyed, Names{"mine"});
  EXPECT_NE(DescribeRestore("b/x", "t", *p).find("would destroy on the target: its current contents @mine"),
            std::string::npos);
}

TEST(PlanRestore, NothingWhenTheTargetHasItAndErrors) {
  auto p = PlanRestore(kBackup, "b", core::SnapshotList{S("a", 1, 5), S("b", 2, 6)}, 0);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, RestorePlan::Kind::kNothing);
  EXPECT_FALSE(p->needs_force);
  auto older = PlanRestore(kBackup, "b", core::SnapshotList{S("a", 1, 5), S("b", 2, 6), S("c", 3, 7)}, 0);
  ASSERT_TRUE(older);
  EXPECT_EQ(older->kind, RestorePlan::Kind::kNothing);
  EXPECT_FALSE(older->needs_force);  // nothing is received, so nothing is destroyed
  EXPECT_NE(DescribeRestore("b/x", "web1:tank/x", *older).find("`zfs rollback -r tank/x@b` on it goes back"),
            std::string::npos);
  EXPECT_FALSE(PlanRestore(kBackup, "zz", std::nullopt, std::nullopt));
  EXPECT_EQ(PlanRestore({}, "", std::nullopt, std::nullopt).error().reason, core::Reason::kConfig);
}

}  // namespace
}  // namespace zpull::replicate
