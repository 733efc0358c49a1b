#include "replicate/cycle.h"

#include <gtest/gtest.h>

#include "replicate/snapshot_name.h"
#include "tests/support/fake_zfs.h"
#include "tests/support/snapshots.h"

namespace zpull::replicate {
namespace {

using core::DatasetName;
using test::Names;

class CycleTest : public ::testing::Test {
 protected:
  CycleTest() : src_("src", [this] { return now_; }), dst_("local", [this] { return now_; }) {
    src_.CreateFilesystem("tank");
    src_.CreateFilesystem("tank/data");
    dst_.CreateFilesystem("backup");
    job_.source = DatasetName::Parse("tank/data").value();
    job_.destination = DatasetName::Parse("backup/data").value();
    job_.prefix = "zp";
  }

  CycleOutcome Run() {
    CycleEnv env{src_, dst_, dst_features_, [this] { return now_; },
                 [this](std::uint64_t n) { streamed_ += n; }};
    env.before_snapshot = before_snapshot_;
    auto out = RunCycle(env, job_);
    now_ += 3600;
    return out;
  }

  core::SnapshotList List(test::FakeZfs& z, const char* fs) { return z.ListSnapshots(DatasetName::Parse(fs).value())->value(); }

  std::int64_t now_ = 1795780800;
  core::ZfsFeatures dst_features_{"fake", true};
  std::function<core::Status()> before_snapshot_;
  std::uint64_t streamed_ = 0;
  test::FakeZfs src_, dst_;
  DatasetJob job_{DatasetName::Parse("x").value(), DatasetName::Parse("x").value()};
};

TEST_F(CycleTest, FullThenIncrementalWithForeignSnapshots) {
  auto first = Run();
  ASSERT_TRUE(first.ok()) << first.error->message;
  EXPECT_EQ(first.plan.steps.size(), 1u);
  EXPECT_FALSE(first.plan.steps[0].from);
  EXPECT_GT(first.bytes, 0u);
  EXPECT_EQ(streamed_, first.bytes);
  EXPECT_EQ(Names(List(dst_, "backup/data")), "zp_2026-11-27T12:00:00Z");

  ASSERT_TRUE(src_.CreateSnapshot(job_.source, "sanoid_hourly"));
  auto second = Run();
  ASSERT_TRUE(second.ok()) << second.error->message;
  EXPECT_EQ(Names(List(dst_, "backup/data")), "zp_2026-11-27T12:00:00Z sanoid_hourly zp_2026-11-27T13:00:00Z");
  // The hold moved to the new base on both sides.
  EXPECT_EQ(src_.Holds("tank/data", "zp_2026-11-27T12:00:00Z"), 0u);
  EXPECT_EQ(src_.Holds("tank/data", "zp_2026-11-27T13:00:00Z"), 1u);
  EXPECT_EQ(dst_.Holds("backup/data", "zp_2026-11-27T13:00:00Z"), 1u);
  auto success = dst_.GetUserProperty(job_.destination, "", kLastSuccessProperty);
  ASSERT_TRUE(success && *success);
  EXPECT_EQ(**success, "1795784400");
  auto common = dst_.GetUserProperty(job_.destination, "zp_2026-11-27T13:00:00Z", kCommonProperty);
  ASSERT_TRUE(common && *common);
}

// A cycle with nothing new lists each side once (a cycle that received lists
// the destination again to see what arrived).
TEST_F(CycleTest, NothingNewListsEachSideOnce) {
  ASSERT_TRUE(Run().ok());
  EXPECT_EQ(dst_.Listings("backup/data"), 2);
  job_.take_snapshot = false;
  const int src_before = src_.Listings("tank/data"), dst_before = dst_.Listings("backup/data");
  auto idle = Run();
  ASSERT_TRUE(idle.ok()) << idle.error->message;
  EXPECT_EQ(idle.plan.kind, PlanKind::kNothing);
  EXPECT_EQ(src_.Listings("tank/data") - src_before, 1);
  EXPECT_EQ(dst_.Listings("backup/data") - dst_before, 1);
  // Its bookkeeping still happens: the hold, the common marker, last success.
  EXPECT_EQ(dst_.Holds("backup/data", "zp_2026-11-27T12:00:00Z"), 1u);
  auto success = dst_.GetUserProperty(job_.destination, "", kLastSuccessProperty);
  ASSERT_TRUE(success && *success);
  EXPECT_EQ(**success, "1795784400");
  EXPECT_EQ(idle.newest_common->name, "zp_2026-11-27T12:00:00Z");
  EXPECT_EQ(idle.destination_snapshots, 1u);
}

TEST_F(CycleTest, PrunesDestinationByPolicyButNeverTheBase) {
  job_.destination_retention.keep_last = 2;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Run().ok());
  ASSERT_TRUE(dst_.CreateSnapshot(job_.destination, "manual"));  // foreign: never pruned
  // A destination-only snapshot newer than the common one: the next cycle must refuse.
  auto diverged = Run();
  ASSERT_FALSE(diverged.ok());
  EXPECT_EQ(diverged.error->reason, core::Reason::kDiverged);
  EXPECT_NE(diverged.error->message.find("@manual"), std::string::npos);
  EXPECT_EQ(Names(List(dst_, "backup/data")), "zp_2026-11-27T14:00:00Z zp_2026-11-27T15:00:00Z manual");
  EXPECT_EQ(diverged.pruned_destination, 0u);
}

TEST_F(CycleTest, SourcePruningKeepsTheNewestCommon) {
  job_.source_retention = RetentionPolicy{};
  job_.source_retention->keep_last = 1;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Run().ok());
  EXPECT_EQ(Names(List(src_, "tank/data")), "zp_2026-11-27T14:00:00Z");
  EXPECT_EQ(List(dst_, "backup/data").size(), 3u);
}

TEST_F(CycleTest, MissingSourceFailsClearly) {
  job_.source = DatasetName::Parse("tank/nope").value();
  auto out = Run();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error->reason, core::Reason::kSourceMissing);
  EXPECT_NE(out.error->message.find("dataset backup/data"), std::string::npos);
}

TEST_F(CycleTest, ModifiedDestinationIsReportedNotOverwritten) {
  ASSERT_TRUE(Run().ok());
  dst_.MarkModified("backup/data");
  auto out = Run();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error->reason, core::Reason::kDestinationModified);
  EXPECT_EQ(List(dst_, "backup/data").size(), 1u);
  job_.force = true;  // only with force does receive roll it back
  EXPECT_TRUE(Run().ok());
}

TEST_F(CycleTest, NoCommonSnapshotRefuses) {
  dst_.CreateFilesystem("backup/data");
  ASSERT_TRUE(dst_.CreateSnapshot(job_.destination, "old"));
  auto out = Run();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error->reason, core::Reason::kNoCommonSnapshot);
  EXPECT_EQ(Names(List(dst_, "backup/data")), "old");
}

TEST_F(CycleTest, ExistingEmptyDestinationNeedsForce) {
  dst_.CreateFilesystem("backup/data");
  auto out = Run();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error->reason, core::Reason::kNoCommonSnapshot);
  EXPECT_NE(out.error->message.find("force: true"), std::string::npos);
  job_.force = true;
  EXPECT_TRUE(Run().ok());
}

// A refused cycle costs nothing on the source: no snapshot, no stream.
TEST_F(CycleTest, RefusedCyclesTakeNoSnapshot) {
  ASSERT_TRUE(Run().ok());
  ASSERT_TRUE(dst_.CreateSnapshot(job_.destination, "manual"));
  const auto before = Names(List(src_, "tank/data"));
  const auto streamed = streamed_;
  for (int i = 0; i < 3; ++i) {
    auto out = Run();
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error->reason, core::Reason::kDiverged);
    EXPECT_NE(out.error->message.find("force_on_divergence: true would destroy @manual"), std::string::npos)
        << out.error->message;
    EXPECT_TRUE(out.snapshot_taken.empty());
  }
  EXPECT_EQ(Names(List(src_, "tank/data")), before);
  EXPECT_EQ(streamed_, streamed);
}

// The pre_snapshot hook runs after the destination was checked and before
// the snapshot: a refused cycle runs none, a failing one skips the cycle.
TEST_F(CycleTest, BeforeSnapshotRunsOnlyForACycleThatMaySend) {
  std::vector<std::size_t> seen;  // source snapshots when it ran
  before_snapshot_ = [&]() -> core::Status {
    seen.push_back(List(src_, "tank/data").size());
    return {};
  };
  ASSERT_TRUE(Run().ok());
  EXPECT_EQ(seen, std::vector<std::size_t>{0});
  ASSERT_TRUE(dst_.CreateSnapshot(job_.destination, "manual"));
  EXPECT_FALSE(Run().ok());  // diverged: refused before the hook
  EXPECT_EQ(seen.size(), 1u);
  ASSERT_TRUE(dst_.DestroySnapshot(job_.destination, "manual"));
  before_snapshot_ = [] { return core::Status(core::Fail(core::Reason::kHookFailed, "pre_snapshot hook: exit 4")); };
  const auto before = Names(List(src_, "tank/data"));
  auto failed = Run();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error->reason, core::Reason::kHookFailed);
  EXPECT_EQ(Names(List(src_, "tank/data")), before);
}

TEST_F(CycleTest, AMissingDestinationPoolIsNamedBeforeAnySnapshot) {
  job_.destination = DatasetName::Parse("nopool/deep/data").value();
  auto out = Run();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error->reason, core::Reason::kDestinationMissing);
  EXPECT_NE(out.error->message.find("destination pool nopool does not exist on this host"), std::string::npos)
      << out.error->message;
  EXPECT_TRUE(List(src_, "tank/data").empty());
  // Without snapshotting too (the attempt checks it then), in the same words.
  job_.take_snapshot = false;
  ASSERT_TRUE(src_.CreateSnapshot(job_.source, "daily"));
  auto existing = Run();
  ASSERT_FALSE(existing.ok());
  EXPECT_EQ(existing.error->reason, core::Reason::kDestinationMissing);
  EXPECT_NE(existing.error->message.find("destination pool nopool does not exist on this host"), std::string::npos)
      << existing.error->message;
}

// Where the destination reports `written`, a modified replica is refused
// before the snapshot; where it does not (zfs-fuse), the receive refuses it
// and the snapshot this cycle took goes again. Either way nothing piles up.
TEST_F(CycleTest, AModifiedReplicaLeavesNoSnapshotBehind) {
  for (bool written : {true, false}) {
    core::ZfsFeatures f{"fake", true};
    f.written = written;
    dst_.SetFeatures(f);
    dst_features_ = f;
    ASSERT_TRUE(Run().ok());
    dst_.MarkModified("backup/data");
    const auto before = Names(List(src_, "tank/data"));
    auto out = Run();
    ASSERT_FALSE(out.ok()) << written;
    EXPECT_EQ(out.error->reason, core::Reason::kDestinationModified);
    if (written) {
      EXPECT_NE(out.error->message.find("rollback_destination: true"), std::string::npos) << out.error->message;
    }
    EXPECT_EQ(Names(List(src_, "tank/data")), before) << written;
    job_.options.rollback_destination = true;
    ASSERT_TRUE(Run().ok()) << written;
    job_.options.rollback_destination = false;
  }
}

// Only a refusal gives the snapshot back: a transfer that failed keeps it
// (the next cycle sends it), and so does a refusal where another entry
// pulls the same source dataset (its stream may hold the snapshot).
TEST_F(CycleTest, OnlyAnUnsharedRefusalDestroysTheSnapshotItTook) {
  ASSERT_TRUE(Run().ok());
  src_.CutNextSend();
  job_.options.transfer.retries = 0;
  auto cut = Run();
  ASSERT_FALSE(cut.ok());
  ASSERT_FALSE(cut.snapshot_taken.empty());
  EXPECT_NE(Names(List(src_, "tank/data")).find(cut.snapshot_taken), std::string::npos);
  ASSERT_TRUE(Run().ok());
  dst_.MarkModified("backup/data");  // found by the receive (no `written` here)
  job_.source_siblings = {DatasetName::Parse("backup/other").value()};
  auto shared = Run();
  ASSERT_FALSE(shared.ok());
  EXPECT_EQ(shared.error->reason, core::Reason::kDestinationModified);
  ASSERT_FALSE(shared.snapshot_taken.empty());
  EXPECT_NE(Names(List(src_, "tank/data")).find(shared.snapshot_taken), std::string::npos);
}

// With force, an incremental receive rolls a modified replica back (-F):
// the `written` check does not refuse it.
TEST_F(CycleTest, ForceStillReceivesOverAModifiedReplica) {
  core::ZfsFeatures f{"fake", true};
  f.written = true;
  dst_.SetFeatures(f);
  dst_features_ = f;
  ASSERT_TRUE(Run().ok());
  dst_.MarkModified("backup/data");
  job_.force = true;
  auto out = Run();
  EXPECT_TRUE(out.ok()) << out.error->message;
}

// Cycles sharing a missing ancestor: another creates it between this
// cycle's check and its create; "already exists" as a filesystem is fine.
TEST_F(CycleTest, AParentCreatedMeanwhileIsSuccess) {
  class Racing : public test::FakeZfs {
   public:
    using FakeZfs::FakeZfs;
    core::Result<bool> Exists(const DatasetName& fs) override {
      if (fs.str() == "backup/deep") {
        if (!raced_) {
          raced_ = true;
          (void)FakeZfs::CreateContainer(fs);  // the other cycle, just after this one looked
        }
        return false;
      }
      return FakeZfs::Exists(fs);
    }
    bool raced_ = false;
  };
  Racing dst("local", [this] { return now_; });
  dst.CreateFilesystem("backup");
  job_.destination = DatasetName::Parse("backup/deep/data").value();
  CycleEnv env{src_, dst, core::ZfsFeatures{"fake", true}, [this] { return now_; }, {}};
  auto out = RunCycle(env, job_);
  ASSERT_TRUE(out.ok()) << out.error->message;
  EXPECT_TRUE(dst.raced_);
  EXPECT_TRUE(out.created_parents.empty());
}

// zfs-fuse's create sets `-o` properties after the dataset appears: a
// parallel cycle may read canmount=on for a moment, and waits for it to
// settle; a parent that stays something else is refused by name.
class RacingCreate : public test::FakeZfs {
 public:
  RacingCreate(std::function<std::int64_t()> now, std::string canmount_at_last, int settling_reads)
      : FakeZfs("local", std::move(now)), last_(std::move(canmount_at_last)), settling_(settling_reads) {}
  core::Status CreateContainer(const DatasetName& fs) override {
    if (fs.str() == "backup/deep" && !raced_) {
      raced_ = true;
      (void)FakeZfs::CreateContainer(fs);  // the other cycle, just before this one
      return core::Fail(core::Reason::kDestinationMissing, "cannot create 'backup/deep': dataset already exists");
    }
    return FakeZfs::CreateContainer(fs);
  }
  core::Result<core::DatasetProperties> GetProperties(const DatasetName& fs,
                                                      const std::vector<std::string>& properties) override {
    auto props = FakeZfs::GetProperties(fs, properties);
    if (props && fs.str() == "backup/deep" && props->values.count("canmount")) {
      ++reads;
      if (reads <= settling_) props->values["canmount"].value = "on";
      else props->values["canmount"].value = last_;
    }
    return props;
  }
  int reads = 0;

 private:
  bool raced_ = false;
  std::string last_;
  int settling_;
};

TEST_F(CycleTest, AParentWhosePropertiesSettleIsSuccess) {
  RacingCreate dst([this] { return now_; }, "off", 3);
  dst.CreateFilesystem("backup");
  job_.destination = DatasetName::Parse("backup/deep/data").value();
  CycleEnv env{src_, dst, core::ZfsFeatures{"fake", true}, [this] { return now_; }, {}};
  auto out = RunCycle(env, job_);
  ASSERT_TRUE(out.ok()) << out.error->message;
  EXPECT_EQ(dst.reads, 4);
  EXPECT_TRUE(out.created_parents.empty());
}

TEST_F(CycleTest, AParentThatAppearsMountableIsRefused) {
  RacingCreate dst([this] { return now_; }, "noauto", 1);
  dst.CreateFilesystem("backup");
  job_.destination = DatasetName::Parse("backup/deep/data").value();
  CycleEnv env{src_, dst, core::ZfsFeatures{"fake", true}, [this] { return now_; }, {}};
  auto out = RunCycle(env, job_);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error->reason, core::Reason::kDestinationMissing);
  EXPECT_NE(out.error->message.find("parent backup/deep appeared while this cycle created it, as a filesystem with "
                                    "canmount=noauto"),
            std::string::npos)
      << out.error->message;
  EXPECT_FALSE(dst.Exists(job_.destination).value());  // nothing received under it
}

TEST_F(CycleTest, SnapshotNameCollisionGetsASuffix) {
  ASSERT_TRUE(src_.CreateSnapshot(job_.source, "zp_2026-11-27T12:00:00Z"));
  auto out = Run();
  ASSERT_TRUE(out.ok()) << out.error->message;
  EXPECT_EQ(out.snapshot_taken, "zp_2026-11-27T12:00:00Z_1");
}

TEST_F(CycleTest, EstimatesEachStepWhereTheSourceCan) {
  core::ZfsFeatures f;
  f.send_estimate = true;
  src_.SetFeatures(f);
  std::vector<std::uint64_t> estimates;
  job_.initial = InitialMode::kAll;
  ASSERT_TRUE(src_.CreateSnapshot(job_.source, "old"));
  CycleEnv env{src_, dst_, core::ZfsFeatures{"fake", true}, [this] { return now_; },
               [this](std::uint64_t n) { streamed_ += n; }, f, [&](std::uint64_t n) { estimates.push_back(n); }};
  auto out = RunCycle(env, job_);
  ASSERT_TRUE(out.ok()) << out.error->message;
  ASSERT_EQ(estimates.size(), 2u);  // full @old, then -I to the new one
  EXPECT_EQ(estimates[0] + estimates[1], streamed_);  // the fake predicts exactly
  CycleEnv no_estimates{src_, dst_, core::ZfsFeatures{"fake", true}, [this] { return now_; }, {}, {},
                        [&](std::uint64_t n) { estimates.push_back(n); }};
  now_ += 10;
  ASSERT_TRUE(src_.CreateSnapshot(job_.source, "later"));
  ASSERT_TRUE(RunCycle(no_estimates, job_).ok());
  EXPECT_EQ(estimates.size(), 2u);
}

TEST_F(CycleTest, WithoutSnapshottingReplicatesExistingOnly) {
  job_.take_snapshot = false;
  auto nothing = Run();
  ASSERT_TRUE(nothing.ok());
  EXPECT_EQ(nothing.bytes, 0u);
  ASSERT_TRUE(src_.CreateSnapshot(job_.source, "daily"));
  auto out = Run();
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(Names(List(dst_, "backup/data")), "daily");
}

TEST_F(CycleTest, FilteredSnapshotsTravelAsAChainOfIncrementals) {
  job_.take_snapshot = false;
  job_.options.snapshots.exclude = {"*_hourly"};
  ASSERT_TRUE(src_.CreateSnapshot(job_.source, "autosnap_1_daily"));
  ASSERT_TRUE(Run().ok());
  for (const char* s : {"autosnap_2_hourly", "autosnap_3_daily", "autosnap_4_hourly", "autosnap_5_daily",
                        "autosnap_6_hourly"}) {
    ASSERT_TRUE(src_.CreateSnapshot(job_.source, s));
  }
  auto out = Run();
  ASSERT_TRUE(out.ok()) << out.error->message;
  EXPECT_EQ(DescribePlan(out.plan),
            "incremental @autosnap_1_daily -> @autosnap_3_daily, then incremental @autosnap_3_daily -> "
            "@autosnap_5_daily");
  EXPECT_EQ(Names(List(dst_, "backup/data")), "autosnap_1_daily autosnap_3_daily autosnap_5_daily");
  // The hold marks the newest replicated (selected) snapshot.
  EXPECT_EQ(src_.Holds("tank/data", "autosnap_5_daily"), 1u);
  EXPECT_EQ(src_.Holds("tank/data", "autosnap_6_hourly"), 0u);
  // Only left-out snapshots are new: up to date.
  ASSERT_TRUE(src_.CreateSnapshot(job_.source, "autosnap_7_hourly"));
  auto nothing = Run();
  ASSERT_TRUE(nothing.ok()) << nothing.error->message;
  EXPECT_EQ(nothing.plan.kind, PlanKind::kNothing);
}

// The hold tags on `fs@snap` (the fake lists them where list_holds is on).
std::string Tags(test::FakeZfs& z, const std::string& fs, const std::string& snap) {
  core::ZfsFeatures f{"fake", true};
  f.list_holds = true;
  z.SetFeatures(f);
  std::string out;
  auto holds = z.ListHoldsOf({fs + "@" + snap});
  if (holds && holds->count(fs)) {
    for (const auto& h : holds->at(fs)) out += (out.empty() ? "" : " ") + h.tag;
  }
  return out;
}

// By default zpull's own source snapshots older than the newest common one
// go after each successful cycle: they piled up before (96 a day at 15m).
TEST_F(CycleTest, OwnSourceSnapshotsArePrunedByDefault) {
  ASSERT_TRUE(src_.CreateSnapshot(job_.source, "sanoid_daily"));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Run().ok());
  EXPECT_EQ(Names(List(src_, "tank/data")), "sanoid_daily zp_2026-11-27T14:00:00Z");
  auto out = Run();
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.pruned_source, 1u);
  EXPECT_EQ(out.pruned_source_names, std::vector<std::string>{"zp_2026-11-27T14:00:00Z"});
  EXPECT_EQ(List(dst_, "backup/data").size(), 4u);  // the destination keeps what its retention keeps
  job_.source_retention.reset();                    // source_retention: {prune: false}
  ASSERT_TRUE(Run().ok());
  EXPECT_EQ(Names(List(src_, "tank/data")), "sanoid_daily zp_2026-11-27T15:00:00Z zp_2026-11-27T16:00:00Z");
}

// Two entries pulling one source dataset: each holds its base with a tag
// of its own, so one's cycle neither releases nor prunes the other's base
// (with one shared tag, the second entry's hold move released the first's).
TEST_F(CycleTest, EntriesSharingASourceKeepEachOthersBases) {
  DatasetJob other = job_;
  other.destination = DatasetName::Parse("backup/other").value();
  job_.source_siblings = {other.destination};
  other.source_siblings = {job_.destination};
  ASSERT_TRUE(Run().ok());
  const std::string first = "zp_2026-11-27T12:00:00Z";
  CycleEnv env{src_, dst_, dst_features_, [this] { return now_; }, {}};
  for (int round = 0; round < 2; ++round) {
    auto out = RunCycle(env, other);
    ASSERT_TRUE(out.ok()) << out.error->message;
    now_ += 3600;
  }
  // `other` moved on twice; this entry's base is still there and still held.
  EXPECT_EQ(Tags(src_, "tank/data", first), "zp_backup:data");
  EXPECT_EQ(Tags(src_, "tank/data", "zp_2026-11-27T14:00:00Z"), "zp_backup:other");
  EXPECT_EQ(Names(List(src_, "tank/data")), first + " zp_2026-11-27T14:00:00Z");
  auto back = Run();
  ASSERT_TRUE(back.ok()) << back.error->message;
  EXPECT_EQ(back.plan.steps.front().from, first);
  // Its own old base goes now; the other's base stays.
  EXPECT_EQ(Names(List(src_, "tank/data")), "zp_2026-11-27T14:00:00Z zp_2026-11-27T15:00:00Z");
}

// An older zpull held the base with the prefix alone: the next cycle moves
// that hold to the entry's tag, and its pruning then destroys the older
// snapshots (named in the outcome, for the log).
TEST_F(CycleTest, TheFirstCycleAfterAnUpgradeMovesTheOldHoldAndPrunes) {
  job_.source_retention.reset();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Run().ok());
  const std::string base = "zp_2026-11-27T14:00:00Z";
  ASSERT_TRUE(src_.Release(job_.source, base, SourceHoldTag(job_)));
  ASSERT_TRUE(src_.Hold(job_.source, base, "zp"));  // as the older zpull left it
  job_.source_retention = RetentionPolicy{};
  auto out = Run();
  ASSERT_TRUE(out.ok()) << out.error->message;
  EXPECT_EQ(out.pruned_source_names,
            (std::vector<std::string>{"zp_2026-11-27T12:00:00Z", "zp_2026-11-27T13:00:00Z", base}));
  EXPECT_EQ(Names(List(src_, "tank/data")), "zp_2026-11-27T15:00:00Z");
  EXPECT_EQ(Tags(src_, "tank/data", "zp_2026-11-27T15:00:00Z"), "zp_backup:data");
}

// Without destroy permission on the source, pruning it fails: a warning
// and source_prune_failed (the metric), never a failed cycle.
TEST_F(CycleTest, AFailedSourcePruneIsAWarning) {
  class NoDestroy : public test::FakeZfs {
   public:
    using FakeZfs::FakeZfs;
    core::Status DestroySnapshot(const DatasetName& fs, const std::string& snap) override {
      if (refuse) return core::Fail(core::Reason::kOther, "zpull-guard: zfs destroy of a snapshot needs the guard's --destroy");
      return FakeZfs::DestroySnapshot(fs, snap);
    }
    bool refuse = true;
  };
  NoDestroy src("src", [this] { return now_; });
  src.CreateFilesystem("tank/data");
  CycleEnv env{src, dst_, dst_features_, [this] { return now_; }, {}};
  for (int i = 0; i < 2; ++i) {
    auto out = RunCycle(env, job_);
    now_ += 3600;
    ASSERT_TRUE(out.ok()) << out.error->message;
    EXPECT_EQ(out.source_prune_failed, i == 1);
    if (i == 1) {
      ASSERT_EQ(out.warnings.size(), 1u);
      EXPECT_NE(out.warnings[0].message.find("zpull-guard --destroy --snapshot-prefix zp"), std::string::npos);
      EXPECT_NE(out.warnings[0].message.find("source_retention: {prune: false}"), std::string::npos);
    }
  }
}

// A cycle whose transfer failed leaves its snapshot unsent; the next
// cycle's snapshot replaces it: at most one unsent snapshot of zpull's.
TEST_F(CycleTest, ANewSnapshotReplacesTheUnsentOne) {
  ASSERT_TRUE(Run().ok());
  job_.options.transfer.retries = 0;
  for (int i = 0; i < 3; ++i) {
    src_.CutNextSend();
    ASSERT_FALSE(Run().ok());
  }
  EXPECT_EQ(Names(List(src_, "tank/data")), "zp_2026-11-27T12:00:00Z zp_2026-11-27T15:00:00Z");
  auto out = Run();
  ASSERT_TRUE(out.ok()) << out.error->message;
  EXPECT_EQ(out.replaced, std::vector<std::string>{"zp_2026-11-27T15:00:00Z"});
  EXPECT_EQ(Names(List(dst_, "backup/data")), "zp_2026-11-27T12:00:00Z zp_2026-11-27T16:00:00Z");
}

// After an upgrade from one shared hold tag: the older zpull left entry
// A's base held by the prefix and B's base unheld (A's hold move released
// it), or held by the prefix too. A's next cycle keeps B's base either way,
// and does not release the prefix hold from it; B's own cycle then moves on.
TEST_F(CycleTest, AfterAnUpgradeAnEntryKeepsItsSiblingsBase) {
  for (bool b_held_by_prefix : {false, true}) {
    SCOPED_TRACE(b_held_by_prefix ? "B's base held by the prefix" : "B's base unheld");
    test::FakeZfs src("src", [this] { return now_; }), dst("local", [this] { return now_; });
    src.CreateFilesystem("tank/data");
    dst.CreateFilesystem("backup");
    DatasetJob a = job_, b = job_;
    b.destination = DatasetName::Parse("backup/other").value();
    a.source_siblings = {b.destination};
    b.source_siblings = {a.destination};
    CycleEnv env{src, dst, dst_features_, [this] { return now_; }, {}};
    auto run = [&](const DatasetJob& job) {
      auto out = RunCycle(env, job);
      now_ += 3600;
      return out;
    };
    const std::int64_t start = now_;
    ASSERT_TRUE(run(a).ok());
    ASSERT_TRUE(run(b).ok());
    const std::string a_base = SnapshotNameFor("zp", start), b_base = SnapshotNameFor("zp", start + 3600);
    // As the older zpull left them.
    ASSERT_TRUE(src.Release(a.source, a_base, SourceHoldTag(a)));
    ASSERT_TRUE(src.Release(b.source, b_base, SourceHoldTag(b)));
    ASSERT_TRUE(src.Hold(a.source, a_base, "zp"));
    if (b_held_by_prefix) {
      ASSERT_TRUE(src.Hold(b.source, b_base, "zp"));
    }
    auto out = run(a);
    ASSERT_TRUE(out.ok()) << out.error->message;
    const std::string a_new = SnapshotNameFor("zp", start + 7200);
    EXPECT_EQ(Names(List(src, "tank/data")), b_base + " " + a_new);
    EXPECT_EQ(Tags(src, "tank/data", b_base), b_held_by_prefix ? "zp" : "");
    auto back = run(b);
    ASSERT_TRUE(back.ok()) << back.error->message;
    EXPECT_EQ(back.plan.steps.front().from, b_base);
    EXPECT_EQ(Names(List(src, "tank/data")), a_new + " " + SnapshotNameFor("zp", start + 3 * 3600));
    EXPECT_EQ(Tags(src, "tank/data", a_new), "zp_backup:data");
  }
}

}  // namespace
}  // namespace zpull::replicate
