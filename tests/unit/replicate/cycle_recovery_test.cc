// The cycle when things go wrong: interrupted transfers (resume tokens where
// the destination keeps them, a fresh start where it does not), retries,
// divergence, modified destinations, lost common snapshots (bookmarks),
// encrypted sources, and the send flags both sides must support.

#include <gtest/gtest.h>

#include "tests/support/fake_zfs.h"
#include "replicate/cycle.h"
#include "tests/support/snapshots.h"

namespace zpull::replicate {
namespace {

using core::DatasetName;
using test::Names;

core::ZfsFeatures OpenZfsLike() {
  core::ZfsFeatures f;
  f.version = "fake-openzfs";
  f.recv_unmounted = f.recv_resumable = f.bookmarks = true;
  f.send_raw = f.send_compressed = f.send_large_blocks = f.send_embedded = true;
  f.recv_property_override = true;
  return f;
}

core::ZfsFeatures ZfsFuseLike() {
  core::ZfsFeatures f;
  f.version = "legacy";
  f.recv_unmounted = true;
  return f;
}

class CycleRecoveryTest : public ::testing::Test {
 protected:
  CycleRecoveryTest() : src_("src", [this] { return now_; }), dst_("local", [this] { return now_; }) {
    src_.CreateFilesystem("tank");
    src_.CreateFilesystem("tank/data");
    dst_.CreateFilesystem("backup");
    job_.prefix = "zp";
    job_.options.transfer.retry_backoff_seconds = 5;
    Use(OpenZfsLike());
  }

  void Use(const core::ZfsFeatures& f) {
    features_ = f;
    src_.SetFeatures(f);
    dst_.SetFeatures(f);
  }

  CycleOutcome Run() {
    CycleEnv env{src_, dst_, features_, [this] { return now_; }, [this](std::uint64_t n) { streamed_ += n; },
                 features_};
    env.pause = [this](std::int64_t s) {
      pauses_.push_back(s);
      return allow_pause_;
    };
    env.bring_into_line = bring_into_line_;
    auto out = RunCycle(env, job_);
    now_ += 3600;
    return out;
  }

  std::string Dst() { return Names(dst_.ListSnapshots(job_.destination)->value_or(core::SnapshotList{})); }
  std::optional<std::string> Token() { return dst_.ResumeToken(job_.destination).value(); }

  std::int64_t now_ = 1795780800;
  std::uint64_t streamed_ = 0;
  test::FakeZfs src_, dst_;
  core::ZfsFeatures features_;
  DatasetJob job_{DatasetName::Parse("tank/data").value(), DatasetName::Parse("backup/data").value()};
  std::vector<std::int64_t> pauses_;
  bool allow_pause_ = true;
  std::vector<core::PropertyChange> bring_into_line_;
};

TEST_F(CycleRecoveryTest, InterruptedIncrementalResumesFromItsTokenNextCycle) {
  ASSERT_TRUE(Run().ok());
  job_.options.transfer.retries = 0;
  src_.CutNextSend();
  auto cut = Run();
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error->reason, core::Reason::kNetwork) << cut.error->message;
  ASSERT_TRUE(Token());
  EXPECT_EQ(Dst(), "zp_2026-11-27T12:00:00Z");

  auto next = Run();
  ASSERT_TRUE(next.ok()) << next.error->message;
  EXPECT_EQ(next.resumed, 1);
  EXPECT_EQ(next.tokens_aborted, 0);
  EXPECT_FALSE(Token());
  // The resumed step brought @13:00; the cycle then sent its own @14:00.
  EXPECT_EQ(Dst(), "zp_2026-11-27T12:00:00Z zp_2026-11-27T13:00:00Z zp_2026-11-27T14:00:00Z");
}

TEST_F(CycleRecoveryTest, InterruptedFirstReceiveResumesWithinTheCycle) {
  src_.CutNextSend();
  auto out = Run();
  ASSERT_TRUE(out.ok()) << out.error->message;
  EXPECT_EQ(out.retries, 1);
  ASSERT_EQ(out.retried.size(), 1u);
  EXPECT_EQ(out.retried[0].reason, core::Reason::kNetwork);
  EXPECT_EQ(pauses_, std::vector<std::int64_t>{5});
  EXPECT_EQ(out.resumed, 1);
  EXPECT_EQ(Dst(), "zp_2026-11-27T12:00:00Z");
}

TEST_F(CycleRecoveryTest, TokenForADestroyedSnapshotIsAbortedAndThePlanRedone) {
  ASSERT_TRUE(Run().ok());
  job_.options.transfer.retries = 0;
  src_.CutNextSend();
  ASSERT_FALSE(Run().ok());
  ASSERT_TRUE(Token());
  // The snapshot the token was sending is destroyed on the source.
  ASSERT_TRUE(src_.DestroySnapshot(job_.source, "zp_2026-11-27T13:00:00Z"));
  auto next = Run();
  ASSERT_TRUE(next.ok()) << next.error->message;
  EXPECT_EQ(next.tokens_aborted, 1);
  EXPECT_EQ(next.resumed, 0);
  EXPECT_FALSE(Token());
  EXPECT_EQ(Dst(), "zp_2026-11-27T12:00:00Z zp_2026-11-27T14:00:00Z");
}

TEST_F(CycleRecoveryTest, WithoutTokensAFailedTransferStartsOverFromTheCommonSnapshot) {
  Use(ZfsFuseLike());
  ASSERT_TRUE(Run().ok());
  src_.CutNextSend();
  auto out = Run();
  ASSERT_TRUE(out.ok()) << out.error->message;
  EXPECT_EQ(out.retries, 1);
  EXPECT_EQ(out.resumed, 0);
  EXPECT_EQ(Dst(), "zp_2026-11-27T12:00:00Z zp_2026-11-27T13:00:00Z");
}

TEST_F(CycleRecoveryTest, RetriesBackOffExponentiallyAndGiveUp) {
  Use(ZfsFuseLike());
  ASSERT_TRUE(Run().ok());
  job_.options.transfer.retries = 2;
  // Every attempt's send is cut: the pause hook re-arms the fake's one-shot cut.
  CycleEnv env{src_, dst_, features_, [this] { return now_; }, {}, features_};
  src_.CutNextSend();
  std::vector<std::string> told;  // each failed attempt, when it fails, before its wait
  env.on_retry = [&](const core::Error& e, std::int64_t wait) {
    told.push_back(std::string(core::ReasonName(e.reason)) + " " + std::to_string(wait) + " after " +
                   std::to_string(pauses_.size()) + " waits");
  };
  env.pause = [this](std::int64_t s) {
    pauses_.push_back(s);
    src_.CutNextSend();
    return true;
  };
  auto out = RunCycle(env, job_);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error->reason, core::Reason::kNetwork);
  EXPECT_EQ(out.retries, 2);
  EXPECT_EQ(pauses_, (std::vector<std::int64_t>{5, 10}));
  EXPECT_EQ(told, (std::vector<std::string>{"network 5 after 0 waits", "network 10 after 1 waits"}));
  EXPECT_EQ(Dst(), "zp_2026-11-27T12:00:00Z");
}

TEST_F(CycleRecoveryTest, StoppingDuringTheBackoffGivesUp) {
  Use(ZfsFuseLike());
  ASSERT_TRUE(Run().ok());
  allow_pause_ = false;
  src_.CutNextSend();
  auto out = Run();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.retries, 1);
  EXPECT_EQ(pauses_.size(), 1u);
}

TEST_F(CycleRecoveryTest, ConflictsAreNotRetried) {
  ASSERT_TRUE(Run().ok());
  ASSERT_TRUE(dst_.CreateSnapshot(job_.destination, "manual"));
  auto out = Run();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error->reason, core::Reason::kDiverged);
  EXPECT_EQ(out.retries, 0);
  EXPECT_TRUE(pauses_.empty());
}

TEST_F(CycleRecoveryTest, ForceOnDivergenceDestroysExactlyTheNewerDestinationSnapshots) {
  ASSERT_TRUE(Run().ok());
  ASSERT_TRUE(dst_.CreateSnapshot(job_.destination, "manual1"));
  ASSERT_TRUE(dst_.CreateSnapshot(job_.destination, "manual2"));
  job_.options.force_on_divergence = true;
  auto out = Run();
  ASSERT_TRUE(out.ok()) << out.error->message;
  EXPECT_EQ(out.destroyed_on_divergence, (std::vector<std::string>{"manual1", "manual2"}));
  EXPECT_EQ(Dst(), "zp_2026-11-27T12:00:00Z zp_2026-11-27T13:00:00Z");
}

TEST_F(CycleRecoveryTest, NoCommonSnapshotIsRefusedEvenWithForceOnDivergence) {
  dst_.CreateFilesystem("backup/data");
  ASSERT_TRUE(dst_.CreateSnapshot(job_.destination, "unrelated"));
  job_.options.force_on_divergence = true;
  auto out = Run();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error->reason, core::Reason::kNoCommonSnapshot);
  EXPECT_EQ(Dst(), "unrelated");
}

TEST_F(CycleRecoveryTest, RollbackDestinationDiscardsLocalChangesBeforeAnIncremental) {
  ASSERT_TRUE(Run().ok());
  dst_.MarkModified("backup/data");
  job_.options.rollback_destination = true;
  auto out = Run();
  ASSERT_TRUE(out.ok()) << out.error->message;
  EXPECT_TRUE(out.rolled_back);
  EXPECT_EQ(Dst(), "zp_2026-11-27T12:00:00Z zp_2026-11-27T13:00:00Z");
}

TEST_F(CycleRecoveryTest, NewReplicaIsReadonlyAndNotAutomounted) {
  ASSERT_TRUE(Run().ok());
  EXPECT_EQ(dst_.GetProperty(job_.destination, "readonly").value(), "on");
  EXPECT_EQ(dst_.GetProperty(job_.destination, "canmount").value(), "noauto");
  job_.options.readonly = false;
  job_.destination = DatasetName::Parse("backup/writable").value();
  ASSERT_TRUE(Run().ok());
  EXPECT_EQ(dst_.GetProperty(job_.destination, "readonly").value(), "off");
  EXPECT_EQ(dst_.GetProperty(job_.destination, "canmount").value(), "noauto");
}

TEST_F(CycleRecoveryTest, BookmarkReplacesACommonSnapshotDestroyedOnTheSource) {
  ASSERT_TRUE(Run().ok());
  const std::string stem = BookmarkStem("zp", job_.destination);
  EXPECT_EQ(stem, "zp_backup:data_");
  auto marks = src_.ListBookmarks(job_.source).value();
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_TRUE(marks[0].name.starts_with(stem));
  // Someone releases zpull's hold and destroys the common snapshot.
  ASSERT_TRUE(src_.Release(job_.source, "zp_2026-11-27T12:00:00Z", SourceHoldTag(job_)));
  ASSERT_TRUE(src_.DestroySnapshot(job_.source, "zp_2026-11-27T12:00:00Z"));
  auto out = Run();
  ASSERT_TRUE(out.ok()) << out.error->message;
  ASSERT_EQ(out.plan.steps.size(), 1u);
  EXPECT_TRUE(out.plan.steps[0].from_bookmark);
  EXPECT_EQ(Dst(), "zp_2026-11-27T12:00:00Z zp_2026-11-27T13:00:00Z");
  // The bookmark moved to the new base; the old one is gone.
  marks = src_.ListBookmarks(job_.source).value();
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].guid, src_.ListSnapshots(job_.source)->value().back().guid);
}

TEST_F(CycleRecoveryTest, WithoutBookmarksALostCommonSnapshotIsRefusedAndNothingDestroyed) {
  Use(ZfsFuseLike());
  ASSERT_TRUE(Run().ok());
  ASSERT_TRUE(src_.Release(job_.source, "zp_2026-11-27T12:00:00Z", SourceHoldTag(job_)));
  ASSERT_TRUE(src_.DestroySnapshot(job_.source, "zp_2026-11-27T12:00:00Z"));
  auto out = Run();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error->reason, core::Reason::kNoCommonSnapshot);
  EXPECT_EQ(Dst(), "zp_2026-11-27T12:00:00Z");
}

TEST_F(CycleRecoveryTest, EncryptedSourceIsSentRawUnlessDecryptedIsAllowed) {
  ASSERT_TRUE(src_.SetProperty(job_.source, "encryption", "aes-256-gcm"));
  ASSERT_TRUE(Run().ok());
  auto raw = src_.LastSend().value();
  EXPECT_TRUE(raw.raw);
  EXPECT_FALSE(raw.compressed);  // -w carries the blocks as stored
  job_.options.send.send_decrypted = true;
  ASSERT_TRUE(Run().ok());
  auto plain = src_.LastSend().value();
  EXPECT_FALSE(plain.raw);
  EXPECT_TRUE(plain.compressed);
}

TEST_F(CycleRecoveryTest, EncryptedSourceIsRefusedWhenThisHostCannotReceiveRaw) {
  ASSERT_TRUE(src_.SetProperty(job_.source, "encryption", "aes-256-gcm"));
  auto dst_features = OpenZfsLike();
  dst_features.send_raw = false;
  CycleEnv env{src_, dst_, dst_features, [this] { return now_; }, {}, OpenZfsLike()};
  auto out = RunCycle(env, job_);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error->reason, core::Reason::kConfig);
  EXPECT_NE(out.error->message.find("set send: {decrypted: true}"), std::string::npos);
  EXPECT_FALSE(dst_.Exists(job_.destination).value());
}

TEST_F(CycleRecoveryTest, SendFlagsNeedBothSidesAndThePolicy) {
  ASSERT_TRUE(Run().ok());
  auto all = src_.LastSend().value();
  EXPECT_TRUE(all.compressed && all.large_blocks && all.embedded);
  EXPECT_FALSE(all.raw || all.properties);

  job_.options.send.large_blocks = false;
  ASSERT_TRUE(Run().ok());
  EXPECT_FALSE(src_.LastSend()->large_blocks);

  auto old_dst = OpenZfsLike();
  old_dst.send_compressed = false;  // a receiver that predates -c
  CycleEnv env{src_, dst_, old_dst, [this] { return now_; }, {}, OpenZfsLike()};
  now_ += 60;
  ASSERT_TRUE(RunCycle(env, job_).ok());
  EXPECT_FALSE(src_.LastSend()->compressed);
  EXPECT_TRUE(src_.LastSend()->embedded);
}

TEST_F(CycleRecoveryTest, SentPropertiesNeverBringTheSourceMountpointOrShares) {
  job_.options.send.properties = true;
  ASSERT_TRUE(src_.SetProperty(job_.source, "mountpoint", "/srv/data"));
  ASSERT_TRUE(src_.SetProperty(job_.source, "sharenfs", "on"));
  ASSERT_TRUE(src_.SetProperty(job_.source, "quota", "1G"));
  job_.options.receive.exclude = {"quota"};
  job_.options.receive.set = {{"compression", "zstd"}};
  ASSERT_TRUE(Run().ok());
  EXPECT_TRUE(src_.LastSend()->properties);
  EXPECT_EQ(dst_.LastRecv()->exclude,
            (std::vector<std::string>{"mountpoint", "sharenfs", "sharesmb", "quota", "zpull:common", "zpull:last_success",
                                      "zpull:drill_last_run", "zpull:drill_last_success", "zpull:drill_last_outcome", "zpull:drill_rotation", "zpull:drill_covered"}));
  EXPECT_EQ(dst_.LastRecv()->set,
            (std::vector<std::string>{"canmount=noauto", "setuid=off", "devices=off", "exec=off", "readonly=on",
                                      "compression=zstd"}));
  // Where recv -o/-x are missing (zfs-fuse) they are reset and set after the receive.
  Use(ZfsFuseLike());
  job_.destination = DatasetName::Parse("backup/old").value();
  ASSERT_TRUE(Run().ok());
  EXPECT_TRUE(dst_.LastRecv()->exclude.empty());
  EXPECT_TRUE(dst_.LastRecv()->set.empty());
  // Only what the stream set (received), not the operator's local values.
  EXPECT_EQ(dst_.Inherited(job_.destination.str()), (std::vector<std::string>{"mountpoint", "quota", "sharenfs"}));
  EXPECT_EQ(dst_.GetProperty(job_.destination, "compression").value(), "zstd");
  auto now = dst_.GetProperties(job_.destination, {"mountpoint", "sharenfs"});
  ASSERT_TRUE(now);
  EXPECT_EQ(now->values.at("mountpoint").source, "default");
  EXPECT_EQ(now->values.at("sharenfs").source, "-");
}

TEST_F(CycleRecoveryTest, AStreamsPropertiesAreDroppedEvenWhereZpullDidNotAskForThem) {
  // A source that sends -p although zpull did not ask (the stream check is
  // off here, as if it had missed it): -x where the receiver has it ...
  job_.options.send.properties = false;
  EXPECT_TRUE(dst_.GetProperties(job_.destination, {"exec"}).error().reason == core::Reason::kDestinationMissing);
  ASSERT_TRUE(Run().ok());
  EXPECT_EQ(dst_.LastRecv()->exclude.front(), "mountpoint");
  // ... and on zfs-fuse, where it has not, inherited away after the receive.
  Use(ZfsFuseLike());
  job_.destination = DatasetName::Parse("backup/old").value();
  ASSERT_TRUE(Run().ok());
  EXPECT_TRUE(dst_.Inherited(job_.destination.str()).empty()) << "nothing was received: nothing inherited";
}

TEST_F(CycleRecoveryTest, NoPropertyIsNamedTwiceInOAndX) {
  // OpenZFS (and the fake) refuse a receive that names a property twice.
  job_.options.receive.exclude = {"exec", "quota"};
  job_.options.receive.set = {{"mountpoint", "/mnt/browse"}};
  auto out = Run();
  ASSERT_TRUE(out.ok()) << out.error->message;
  const std::vector<std::string> x = dst_.LastRecv()->exclude;
  EXPECT_EQ(std::count(x.begin(), x.end(), "exec"), 0) << "exec=off is set, not also excluded";
  EXPECT_EQ(std::count(x.begin(), x.end(), "mountpoint"), 0) << "receive.set names it";
  EXPECT_EQ(std::count(x.begin(), x.end(), "quota"), 1);
  EXPECT_EQ(std::count(x.begin(), x.end(), "sharenfs"), 1);
}

TEST_F(CycleRecoveryTest, AResumedReceiveEndsWithTheForcedValuesToo) {
  for (bool override_supported : {true, false}) {
    if (!override_supported) {
      Use(OpenZfsLike());
      features_.recv_property_override = false;
      src_.SetFeatures(features_);
      dst_.SetFeatures(features_);
      job_.destination = DatasetName::Parse("backup/noox").value();
    }
    job_.options.transfer.retries = 0;
    src_.CutNextSend();
    EXPECT_FALSE(Run().ok());
    ASSERT_TRUE(Token()) << "the first receive left a token";
    for (const char* p : {"setuid", "exec"}) ASSERT_TRUE(dst_.SetProperty(job_.destination, p, "on"));
    auto out = Run();
    ASSERT_TRUE(out.ok()) << out.error->message;
    EXPECT_EQ(out.resumed, 1);
    for (const char* p : {"setuid", "exec"}) {
      EXPECT_EQ(dst_.GetUserProperty(job_.destination, "", p).value(), "off") << p;
    }
  }
}

TEST_F(CycleRecoveryTest, MissingDestinationParentsAreCreatedAsContainers) {
  job_.destination = DatasetName::Parse("backup/hosts/web1/data").value();
  auto out = Run();
  ASSERT_TRUE(out.ok()) << out.error->message;
  EXPECT_EQ(out.created_parents, (std::vector<std::string>{"backup/hosts", "backup/hosts/web1"}));
  for (const char* p : {"backup/hosts", "backup/hosts/web1"}) {
    EXPECT_EQ(dst_.GetProperty(DatasetName::Parse(p).value(), "canmount").value(), "off") << p;
  }
  EXPECT_EQ(Dst(), "zp_2026-11-27T12:00:00Z");
  // A missing pool is not created: that stays destination_missing.
  job_.destination = DatasetName::Parse("nopool/data").value();
  auto no_pool = Run();
  ASSERT_FALSE(no_pool.ok());
  EXPECT_TRUE(no_pool.created_parents.empty());
}

TEST_F(CycleRecoveryTest, AReplicatedParentIsWaitedForNotCreated) {
  // tank/data/logs/x below a replicated tank/data (tank/data/logs excluded).
  job_.destination = DatasetName::Parse("backup/data/logs/x").value();
  job_.replicated_parent = DatasetName::Parse("backup/data").value();
  auto early = Run();
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error->reason, core::Reason::kDestinationMissing);
  EXPECT_NE(early.error->message.find("parent backup/data is replicated by its own cycle"), std::string::npos)
      << early.error->message;
  EXPECT_TRUE(early.created_parents.empty());
  EXPECT_FALSE(dst_.Exists(DatasetName::Parse("backup/data").value()).value());
  // Once the parent has been received, the excluded level between is a container.
  dst_.CreateFilesystem("backup/data");
  auto later = Run();
  ASSERT_TRUE(later.ok()) << later.error->message;
  EXPECT_EQ(later.created_parents, std::vector<std::string>{"backup/data/logs"});
}

}  // namespace
}  // namespace zpull::replicate

namespace zpull::replicate {
namespace {

// Issue 20: every receive, full or incremental, leaves the replica unable
// to mount by itself or to run setuid files and device nodes, through
// recv -o where the destination has it and zfs set right after otherwise;
// receive.set may override; containers get the same; a volume gets volmode=none.
class ForcedPropertiesTest : public CycleRecoveryTest {
 protected:
  std::string Props(const std::string& fs) {
    std::string out;
    for (const char* p : {"canmount", "setuid", "devices", "exec", "readonly", "volmode"}) {
      auto v = dst_.GetUserProperty(DatasetName::Parse(fs).value(), "", p);
      out += std::string(p) + "=" + (v && *v ? **v : "-") + " ";
    }
    return out;
  }
};

TEST_F(ForcedPropertiesTest, EveryReceiveForcesThemOnBothDialects) {
  for (bool override_supported : {true, false}) {
    if (!override_supported) {
      Use(ZfsFuseLike());
      job_.destination = DatasetName::Parse("backup/fuse").value();
    }
    ASSERT_TRUE(Run().ok());
    EXPECT_EQ(Props(job_.destination.str()), "canmount=noauto setuid=off devices=off exec=off readonly=on volmode=- ");
    // Someone (or a -p stream) switches them on; the next receive switches them off.
    for (const char* p : {"setuid", "devices", "exec"}) ASSERT_TRUE(dst_.SetProperty(job_.destination, p, "on"));
    ASSERT_TRUE(dst_.SetProperty(job_.destination, "canmount", "on"));
    ASSERT_TRUE(src_.CreateSnapshot(job_.source, override_supported ? "later1" : "later2"));
    auto out = Run();
    ASSERT_TRUE(out.ok()) << out.error->message;
    ASSERT_FALSE(out.plan.steps.empty());
    EXPECT_TRUE(out.plan.steps[0].from);
    EXPECT_EQ(Props(job_.destination.str()), "canmount=noauto setuid=off devices=off exec=off readonly=on volmode=- ")
        << (override_supported ? "recv -o" : "zfs set after the receive");
  }
}

TEST_F(ForcedPropertiesTest, ReceiveSetOverridesAndContainersAreHardenedToo) {
  job_.options.receive.set = {{"exec", "on"}};
  job_.destination = DatasetName::Parse("backup/hosts/web1/data").value();
  ASSERT_TRUE(Run().ok());
  EXPECT_EQ(Props("backup/hosts/web1/data"), "canmount=noauto setuid=off devices=off exec=on readonly=on volmode=- ");
  EXPECT_EQ(Props("backup/hosts"), "canmount=off setuid=off devices=off exec=off readonly=- volmode=- ");
}

TEST_F(ForcedPropertiesTest, TheNextCycleBringsWhatTheSafetyCheckFoundIntoLineEvenWithNothingToSend) {
  ASSERT_TRUE(Run().ok());
  dst_.CreateFilesystem("backup/data/kid");  // say, a hostile grandchild
  dst_.CreateFilesystem("backup/other");
  ASSERT_TRUE(dst_.SetProperty(job_.destination, "exec", "on"));
  ASSERT_TRUE(dst_.SetProperty(DatasetName::Parse("backup/data/kid").value(), "mountpoint", "/etc"));
  ASSERT_TRUE(dst_.SetProperty(DatasetName::Parse("backup/other").value(), "exec", "on"));
  job_.take_snapshot = false;
  bring_into_line_ = {{job_.destination, "exec", "off"},
                      {DatasetName::Parse("backup/data/kid").value(), "mountpoint", std::nullopt},
                      {DatasetName::Parse("backup/other").value(), "exec", "off"},  // not this job's: ignored
                      {DatasetName::Parse("backup/data/gone").value(), "exec", "off"}};  // fails: a warning
  auto out = Run();
  ASSERT_TRUE(out.ok()) << out.error->message;
  EXPECT_EQ(out.plan.kind, PlanKind::kNothing);
  EXPECT_EQ(out.brought_into_line, (std::vector<std::string>{"backup/data exec=off", "backup/data/kid mountpoint inherited"}));
  ASSERT_EQ(out.warnings.size(), 1u);
  EXPECT_NE(out.warnings[0].message.find("backup/data/gone"), std::string::npos) << out.warnings[0].message;
  EXPECT_EQ(Props("backup/data"), "canmount=noauto setuid=off devices=off exec=off readonly=on volmode=- ");
  EXPECT_EQ(dst_.Inherited("backup/data/kid"), (std::vector<std::string>{"mountpoint"}));
  EXPECT_EQ(dst_.GetUserProperty(DatasetName::Parse("backup/other").value(), "", "exec").value(), "on");
}

TEST(ForcedProperties, AVolumeGetsVolmodeNoneAndNoFilesystemProperty) {
  DatasetJob job{DatasetName::Parse("tank/vol").value(), DatasetName::Parse("backup/vol").value()};
  using P = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(ForcedProperties(job, true), (P{{"volmode", "none"}, {"readonly", "on"}}));
  job.options.readonly = false;
  EXPECT_EQ(ForcedProperties(job, false), (P{{"canmount", "noauto"}, {"setuid", "off"}, {"devices", "off"}, {"exec", "off"}}));
}

}  // namespace
}  // namespace zpull::replicate
