#include "replicate/preview.h"

#include <gtest/gtest.h>

#include "replicate/snapshot_name.h"
#include "tests/support/fake_zfs.h"
#include "tests/support/snapshots.h"

namespace zpull::replicate {
namespace {

using core::DatasetName;
using test::Names;

class PreviewTest : public ::testing::Test {
 protected:
  PreviewTest() : src_("src", [this] { return now_; }), dst_("local", [this] { return now_; }) {
    core::ZfsFeatures f;
    f.recv_unmounted = f.recv_resumable = f.bookmarks = f.send_estimate = true;
    features_ = f;
    src_.SetFeatures(f);
    dst_.SetFeatures(f);
    src_.CreateFilesystem("tank/data");
    dst_.CreateFilesystem("backup");
    job_.prefix = "zp";
  }
  CycleEnv Env() { return CycleEnv{src_, dst_, features_, [this] { return now_; }, {}, features_}; }
  std::string Src() { return Names(src_.ListSnapshots(job_.source)->value()); }

  std::int64_t now_ = 1795780800;
  test::FakeZfs src_, dst_;
  core::ZfsFeatures features_;
  DatasetJob job_{DatasetName::Parse("tank/data").value(), DatasetName::Parse("backup/web1/data").value()};
};

TEST_F(PreviewTest, FirstRunChangesNothing) {
  ASSERT_TRUE(src_.CreateSnapshot(job_.source, "daily"));
  auto p = PreviewCycle(Env(), job_);
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.would_snapshot, "zp_2026-11-27T12:00:00Z");
  EXPECT_EQ(p.would_create_parents, std::vector<std::string>{"backup/web1"});
  EXPECT_EQ(DescribePreview("backup/web1/data", p),
            "dry-run backup/web1/data: would snapshot @zp_2026-11-27T12:00:00Z; would create backup/web1 "
            "(canmount=off); would send full @zp_2026-11-27T12:00:00Z");
  EXPECT_EQ(Src(), "daily");  // no snapshot taken
  EXPECT_FALSE(dst_.Exists(DatasetName::Parse("backup/web1").value()).value());
}

TEST_F(PreviewTest, EstimatesWithoutSnapshottingAndListsPruning) {
  job_.take_snapshot = false;
  job_.destination = DatasetName::Parse("backup/data").value();
  job_.initial = InitialMode::kAll;
  for (const char* s : {"zp_a", "zp_b"}) {
    ASSERT_TRUE(src_.CreateSnapshot(job_.source, s));
    now_ += 60;
  }
  CycleEnv env = Env();
  ASSERT_TRUE(RunCycle(env, job_).ok());
  ASSERT_TRUE(src_.CreateSnapshot(job_.source, "zp_c"));
  job_.destination_retention.keep_last = 1;
  auto p = PreviewCycle(env, job_);
  ASSERT_FALSE(p.error);
  ASSERT_TRUE(p.estimated_bytes);
  EXPECT_GT(*p.estimated_bytes, 0u);
  // As the receive leaves the destination (zp_a zp_b zp_c, keep_last 1):
  // the cycle prunes @zp_a and @zp_b after @zp_c arrived.
  EXPECT_EQ(p.would_prune_destination, (std::vector<std::string>{"zp_a", "zp_b"}));
  EXPECT_EQ(dst_.ListSnapshots(job_.destination)->value().size(), 2u);
  EXPECT_NE(DescribePreview("backup/data", p).find("would send incremental @zp_b -> @zp_c; about "),
            std::string::npos)
      << DescribePreview("backup/data", p);
}

TEST_F(PreviewTest, RefusalsAndDestructiveOptionsAreNamed) {
  job_.destination = DatasetName::Parse("backup/data").value();
  CycleEnv env = Env();
  ASSERT_TRUE(RunCycle(env, job_).ok());
  ASSERT_TRUE(dst_.CreateSnapshot(job_.destination, "manual"));
  auto refused = PreviewCycle(env, job_);
  ASSERT_TRUE(refused.refusal);
  EXPECT_EQ(refused.refusal->reason, core::Reason::kDiverged);
  job_.options.force_on_divergence = true;
  auto forced = PreviewCycle(env, job_);
  EXPECT_FALSE(forced.refusal);
  EXPECT_EQ(forced.would_destroy_on_divergence, std::vector<std::string>{"manual"});
  EXPECT_NE(DescribePreview("backup/data", forced).find("would DESTROY @manual (force_on_divergence)"),
            std::string::npos);
  // Still there: a preview destroys nothing.
  EXPECT_EQ(dst_.ListSnapshots(job_.destination)->value().back().name, "manual");
}

// The dry-run says what the next real cycle does: the snapshot's name
// (with its suffix in a second already used), the send, and the prunes on
// both sides after the receive.
TEST_F(PreviewTest, SaysWhatTheNextCycleDoes) {
  job_.destination = DatasetName::Parse("backup/data").value();
  job_.destination_retention.keep_last = 2;
  job_.source_retention = RetentionPolicy{};
  job_.source_retention->keep_last = 1;
  CycleEnv env = Env();
  for (int i = 0; i < 3; ++i) {
    // The first cycle of each round runs in a second another name holds.
    ASSERT_TRUE(src_.CreateSnapshot(job_.source, SnapshotNameFor("zp", now_)));
    auto p = PreviewCycle(env, job_);
    ASSERT_FALSE(p.error);
    ASSERT_FALSE(p.refusal) << p.refusal->message;
    auto out = RunCycle(env, job_);
    ASSERT_TRUE(out.ok()) << out.error->message;
    EXPECT_EQ(p.would_snapshot, out.snapshot_taken) << i;
    EXPECT_EQ(DescribePlan(p.plan), DescribePlan(out.plan)) << i;
    EXPECT_EQ(p.would_prune_destination.size(), out.pruned_destination) << i << ": " << DescribePreview("d", p);
    EXPECT_EQ(p.would_prune_source.size(), out.pruned_source) << i << ": " << DescribePreview("d", p);
    auto gone = [](const core::SnapshotList& now, const std::string& name) {
      return std::none_of(now.begin(), now.end(), [&](const auto& s) { return s.name == name; });
    };
    for (const auto& name : p.would_prune_source) EXPECT_TRUE(gone(src_.ListSnapshots(job_.source)->value(), name)) << name;
    for (const auto& name : p.would_prune_destination) {
      EXPECT_TRUE(gone(dst_.ListSnapshots(job_.destination)->value(), name)) << name;
    }
    now_ += 3600;
  }
}

TEST_F(PreviewTest, ATokenWouldBeResumedFirst) {
  job_.destination = DatasetName::Parse("backup/data").value();
  CycleEnv env = Env();
  ASSERT_TRUE(RunCycle(env, job_).ok());
  now_ += 3600;
  src_.CutNextSend();
  job_.options.transfer.retries = 0;
  ASSERT_FALSE(RunCycle(env, job_).ok());
  auto p = PreviewCycle(env, job_);
  EXPECT_TRUE(p.would_resume);
  EXPECT_TRUE(dst_.ResumeToken(job_.destination).value());  // untouched
}

// A recursive entry's child: the run receives its replicated parent first,
// so the dry-run says what follows then, not that the parent is missing,
// and creates only the levels below that parent.
TEST_F(PreviewTest, AChildFollowsItsReplicatedParent) {
  src_.CreateFilesystem("tank/data/tmp/keep");
  job_.source = DatasetName::Parse("tank/data/tmp/keep").value();
  job_.destination = DatasetName::Parse("backup/data/tmp/keep").value();
  job_.replicated_parent = DatasetName::Parse("backup/data").value();
  auto p = PreviewCycle(Env(), job_);
  ASSERT_FALSE(p.error);
  ASSERT_FALSE(p.refusal) << p.refusal->message;
  EXPECT_EQ(DescribePreview("backup/data/tmp/keep", p),
            "dry-run backup/data/tmp/keep: once backup/data is received (its own cycle, first); would snapshot "
            "@zp_2026-11-27T12:00:00Z; would create backup/data/tmp (canmount=off); would send full "
            "@zp_2026-11-27T12:00:00Z");
  // The cycle itself, run before the parent's, waits.
  CycleEnv env = Env();
  auto out = RunCycle(env, job_);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error->message.find("parent backup/data is replicated by its own cycle"), std::string::npos);
  EXPECT_TRUE(out.snapshot_taken.empty());
}

}  // namespace
}  // namespace zpull::replicate
