#include "checks/restore_drill.h"

#include <gtest/gtest.h>

#include "tests/support/fake_zfs.h"
#include "core/local_runner.h"
#include "replicate/transfer.h"

namespace zpull::checks {
namespace {

using core::DatasetName;

class RestoreDrillTest : public ::testing::Test {
 protected:
  RestoreDrillTest() : src_("web1", [] { return 1000; }), dst_("local", [] { return 1000; }) {
    src_.CreateFilesystem("tank");
    src_.CreateFilesystem("tank/a");
    dst_.CreateFilesystem("backup");
  }
  DrillOutcome Drill(DrillOptions o) {
    DrillSide s{src_, runner_, DatasetName::Parse("tank/a").value(), "/tmp/src"};
    DrillSide d{dst_, runner_, DatasetName::Parse("backup/a").value(), "/tmp/dst"};
    return RunDrill(s, d, o, [] { return 2000; });
  }
  void Replicate() {
    ASSERT_TRUE(src_.CreateSnapshot(DatasetName::Parse("tank/a").value(), "s1"));
    ASSERT_TRUE(replicate::RunTransfer(src_, {DatasetName::Parse("tank/a").value(), "s1", std::nullopt, true}, dst_,
                                       {DatasetName::Parse("backup/a").value(), true, false, false}, {}));
  }
  std::size_t Children(test::FakeZfs& z, const char* pool) {
    return z.ListChildren(DatasetName::Parse(pool).value())->size();
  }
  test::FakeZfs src_, dst_;
  core::LocalRunner runner_;
};

TEST_F(RestoreDrillTest, NoSnapshotAndMissingOnSource) {
  auto none = Drill({"zp_drill"});
  EXPECT_EQ(none.failure, DrillFailure::kNoSnapshot);
  Replicate();
  ASSERT_TRUE(src_.DestroySnapshot(DatasetName::Parse("tank/a").value(), "s1"));
  auto missing = Drill({"zp_drill"});
  EXPECT_EQ(missing.failure, DrillFailure::kMissingOnSource) << missing.message;
  EXPECT_EQ(Children(dst_, "backup"), 1u);  // only backup/a: no clone made
}

TEST_F(RestoreDrillTest, TimeoutFailsAndTheScratchCloneIsDestroyed) {
  Replicate();
  DrillOptions o{"zp_drill"};
  o.timeout_seconds = 0;  // already past it after the first step
  auto out = Drill(o);
  EXPECT_EQ(out.failure, DrillFailure::kTimeout) << out.message;
  EXPECT_NE(out.message.find("after cloning"), std::string::npos) << out.message;
  EXPECT_EQ(out.snapshot, "s1");
  EXPECT_EQ(Children(dst_, "backup"), 1u);  // the clone is gone again
}

TEST_F(RestoreDrillTest, StoppingEndsTheDrillAndCleansUp) {
  Replicate();
  std::atomic<bool> cancel{true};
  DrillOptions o{"zp_drill"};
  o.cancel = &cancel;
  auto out = Drill(o);
  EXPECT_EQ(out.failure, DrillFailure::kStopped) << out.message;
  EXPECT_NE(out.message.find("zpull is stopping"), std::string::npos) << out.message;
  EXPECT_FALSE(DrillReachedVerdict(out.failure));
  EXPECT_EQ(Children(dst_, "backup"), 1u);  // no scratch clone left
}

TEST_F(RestoreDrillTest, SweepDestroysOnlyOwnLeftovers) {
  Replicate();
  auto a = DatasetName::Parse("backup/a").value();
  ASSERT_TRUE(dst_.Clone(a, "s1", DatasetName::Parse("backup/zp_drill_1_2_3").value(), "/x"));
  ASSERT_TRUE(dst_.Clone(a, "s1", DatasetName::Parse("backup/other_drill_1").value(), "/y"));
  auto n = SweepDrillLeftovers(dst_, "backup", "zp_drill", false);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1u);
  EXPECT_FALSE(*dst_.Exists(DatasetName::Parse("backup/zp_drill_1_2_3").value()));
  EXPECT_TRUE(*dst_.Exists(DatasetName::Parse("backup/other_drill_1").value()));
}

TEST_F(RestoreDrillTest, OnASourceTheSweepDestroysOnlyClones) {
  Replicate();
  auto a = DatasetName::Parse("backup/a").value();
  ASSERT_TRUE(dst_.Clone(a, "s1", DatasetName::Parse("backup/zp_drill_00ff").value(), "/x"));
  dst_.CreateFilesystem("backup/zp_drill_data");  // named like one, holding someone's data
  auto n = SweepDrillLeftovers(dst_, "backup", "zp_drill", /*clones_only=*/true);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 1u);
  EXPECT_FALSE(*dst_.Exists(DatasetName::Parse("backup/zp_drill_00ff").value()));
  EXPECT_TRUE(*dst_.Exists(DatasetName::Parse("backup/zp_drill_data").value()));
}

TEST(DrillReachedVerdict, FindingsVersusFailuresToRun) {
  EXPECT_TRUE(DrillReachedVerdict(std::nullopt));
  for (auto f : {DrillFailure::kNoSnapshot, DrillFailure::kMissingOnSource, DrillFailure::kIoError,
                 DrillFailure::kMismatch}) {
    EXPECT_TRUE(DrillReachedVerdict(f)) << DrillFailureName(f);
  }
  for (auto f : {DrillFailure::kCloneFailed, DrillFailure::kTimeout, DrillFailure::kSourceUnreachable,
                 DrillFailure::kOther}) {
    EXPECT_FALSE(DrillReachedVerdict(f)) << DrillFailureName(f);
  }
}

TEST(DrillFailureName, ClosedList) {
  std::vector<std::string> names;
  for (auto f : kAllDrillFailures) names.emplace_back(DrillFailureName(f));
  EXPECT_EQ(names, (std::vector<std::string>{"no_snapshot", "missing_on_source", "clone_failed", "io_error", "mismatch",
                                             "timeout", "source_unreachable", "stopped", "other"}));
}

}  // namespace
}  // namespace zpull::checks
