#include "daemon/round.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "daemon/once.h"
#include "tests/support/fake_zfs.h"

namespace zpull::daemon {
namespace {

using core::DatasetName;

// `zpull once` over a recursive entry of a root and three children and one
// dataset of its own, on in-memory hosts.
class RoundTest : public ::testing::Test {
 protected:
  RoundTest() : dir_(::testing::TempDir() + "zpull-round-test-" + std::to_string(::getpid())) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    src_.CreateFilesystem("tank");
    dst_.CreateFilesystem("backup");
    for (const char* fs : {"tank/r", "tank/r/a", "tank/r/b", "tank/r/b/c", "tank/alone"}) {
      src_.CreateFilesystem(fs);
      EXPECT_TRUE(src_.CreateSnapshot(DatasetName::Parse(fs).value(), "s1"));
    }
    config_.snapshot_prefix = "zpull_t";
    config_.lock_directory = dir_;
    config::SourceConfig s;
    s.name = "src";
    s.host = "local";
    config_.sources.push_back(s);
    auto add = [&](const std::string& fs, const std::string& expanded_from, const std::string& parent) {
      config::DatasetConfig d{.source = "src",
                              .source_dataset = DatasetName::Parse("tank/" + fs).value(),
                              .destination = DatasetName::Parse("backup/" + fs).value()};
      d.interval_seconds = 900;
      d.snapshot = false;
      d.recursive = fs == "r";
      d.expanded_from = expanded_from;
      if (!parent.empty()) d.replicated_parent = DatasetName::Parse(parent).value();
      config_.datasets.push_back(d);
    };
    add("r", "", "");
    add("r/a", "backup/r", "backup/r");
    add("r/b", "backup/r", "backup/r");
    add("r/b/c", "backup/r", "backup/r/b");
    add("alone", "", "");
  }
  ~RoundTest() override { std::filesystem::remove_all(dir_); }

  std::vector<replicate::CycleOutcome> Once() {
    Hosts hosts({{"src", &src_}}, &dst_);
    return RunEachOnce(config_, hosts, [this] { return now_; }, core::Log(nullptr, core::LogFormat::kText), nullptr);
  }

  std::string dir_;
  std::int64_t now_ = 1'700'000'000;
  test::FakeZfs src_{"src", [this] { return now_; }}, dst_{"local", [this] { return now_; }};
  config::Config config_;
};

// A cycle that finds nothing new writes nothing but its last success, and
// the round writes those with one command; each dataset is listed once
// per side.
TEST_F(RoundTest, ANoOpRoundListsEachDatasetOnceAndWritesOnlyTheLastSuccessesAtOnce) {
  for (const auto& o : Once()) ASSERT_TRUE(o.ok()) << o.error->message;
  now_ += 1000;
  const int src_writes = src_.Writes(), dst_writes = dst_.Writes();
  std::map<std::string, int> listed;
  for (const auto& d : config_.datasets) {
    listed[d.source_dataset.str()] = src_.Listings(d.source_dataset.str());
    listed[d.destination.str()] = dst_.Listings(d.destination.str());
  }
  for (const auto& o : Once()) {
    ASSERT_TRUE(o.ok()) << o.error->message;
    EXPECT_EQ(o.plan.kind, replicate::PlanKind::kNothing);
  }
  EXPECT_EQ(src_.Writes(), src_writes);
  EXPECT_EQ(dst_.Writes(), dst_writes + 1);
  for (const auto& d : config_.datasets) {
    EXPECT_EQ(src_.Listings(d.source_dataset.str()), listed[d.source_dataset.str()] + 1) << d.source_dataset.str();
    EXPECT_EQ(dst_.Listings(d.destination.str()), listed[d.destination.str()] + 1) << d.destination.str();
    auto success = dst_.GetUserProperty(d.destination, "", "zpull:last_success");
    ASSERT_TRUE(success && *success);
    EXPECT_GE(std::stoll(**success), now_) << d.destination.str();
  }
}

// A first run: the round cannot serve datasets not received yet, and each
// of them lists for itself, without listing the whole host again.
TEST_F(RoundTest, AFirstRunListsTheHostOnceAndThenEachDatasetForItself) {
  for (const auto& o : Once()) ASSERT_TRUE(o.ok()) << o.error->message;
  for (const auto& d : config_.datasets) {
    EXPECT_EQ(src_.Listings(d.source_dataset.str()), 2) << d.source_dataset.str();  // the round's, its own
  }
}

// A new snapshot on one member: that one sends, holds and marks its new
// base; the others still write nothing of their own.
TEST_F(RoundTest, OnlyTheMemberThatMovedWritesItsBase) {
  for (const auto& o : Once()) ASSERT_TRUE(o.ok()) << o.error->message;
  now_ += 1000;
  ASSERT_TRUE(src_.CreateSnapshot(DatasetName::Parse("tank/r/b").value(), "s2"));
  const int dst_writes = dst_.Writes();
  auto outcomes = Once();
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    ASSERT_TRUE(outcomes[i].ok()) << outcomes[i].error->message;
    EXPECT_EQ(outcomes[i].plan.kind == replicate::PlanKind::kSend, config_.datasets[i].destination.str() == "backup/r/b");
  }
  EXPECT_EQ(dst_.Holds("backup/r/b", "s2"), 1u);
  EXPECT_EQ(dst_.Holds("backup/r/b", "s1"), 0u);
  // The moved one: its 5 forced properties after the receive (this fake
  // has no recv -o), hold, release, mark; its last success with the others'.
  EXPECT_EQ(dst_.Writes(), dst_writes + 5 + 3 + 1);
  auto marked = dst_.SnapshotUserProperty(DatasetName::Parse("backup/r/b").value(), "zpull:common");
  ASSERT_TRUE(marked && *marked);
  EXPECT_TRUE((*marked)->contains("s2"));
}

// Several members that moved: each releases its old hold, and their new
// bases are held and marked with one command each for all of them.
TEST_F(RoundTest, TheNewBasesOfARoundAreHeldAndMarkedAtOnce) {
  for (const auto& o : Once()) ASSERT_TRUE(o.ok()) << o.error->message;
  now_ += 1000;
  const std::vector<std::string> moved = {"r/a", "r/b", "r/b/c", "alone"};
  for (const auto& fs : moved) ASSERT_TRUE(src_.CreateSnapshot(DatasetName::Parse("tank/" + fs).value(), "s2"));
  const int dst_writes = dst_.Writes();
  for (const auto& o : Once()) ASSERT_TRUE(o.ok()) << o.error->message;
  // Per moved one: 5 forced properties and the release; then one hold, one
  // mark and one last success for all.
  EXPECT_EQ(dst_.Writes(), dst_writes + 4 * (5 + 1) + 3);
  for (const auto& fs : moved) {
    EXPECT_EQ(dst_.Holds("backup/" + fs, "s2"), 1u) << fs;
    EXPECT_EQ(dst_.Holds("backup/" + fs, "s1"), 0u) << fs;
    auto marked = dst_.SnapshotUserProperty(DatasetName::Parse("backup/" + fs).value(), "zpull:common");
    ASSERT_TRUE(marked && *marked);
    EXPECT_TRUE((*marked)->contains("s2")) << fs;
  }
}

// A new base the round cannot mark withholds its dataset's last success
// (zpull once fails it), and the next cycle records it.
TEST_F(RoundTest, ABaseTheRoundCannotRecordWithholdsTheLastSuccess) {
  for (const auto& o : Once()) ASSERT_TRUE(o.ok()) << o.error->message;
  const auto fs = DatasetName::Parse("backup/r/b").value();
  auto before = dst_.GetUserProperty(fs, "", "zpull:last_success");
  ASSERT_TRUE(before && *before);
  now_ += 1000;
  ASSERT_TRUE(src_.CreateSnapshot(DatasetName::Parse("tank/r/b").value(), "s2"));
  dst_.FailUserProperty("zpull:common");
  auto outcomes = Once();
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const bool moved = config_.datasets[i].destination == fs;
    ASSERT_EQ(outcomes[i].ok(), !moved) << config_.datasets[i].destination.str();
    if (moved) {
      EXPECT_NE(outcomes[i].error->message.find("marking the new base zpull:common"), std::string::npos)
          << outcomes[i].error->message;
    }
  }
  EXPECT_EQ(dst_.GetUserProperty(fs, "", "zpull:last_success").value(), *before);
  EXPECT_EQ(dst_.Holds("backup/r/b", "s2"), 1u);  // held all the same
  dst_.FailUserProperty("");
  now_ += 1000;
  for (const auto& o : Once()) ASSERT_TRUE(o.ok()) << o.error->message;
  auto marked = dst_.SnapshotUserProperty(fs, "zpull:common");
  ASSERT_TRUE(marked && *marked);
  EXPECT_TRUE((*marked)->contains("s2"));
  EXPECT_NE(dst_.GetUserProperty(fs, "", "zpull:last_success").value(), *before);
}

// A hold taken away by hand is put back: the base only counts as recorded
// while it is held on both sides.
TEST_F(RoundTest, AHoldReleasedByHandIsTakenAgain) {
  for (const auto& o : Once()) ASSERT_TRUE(o.ok()) << o.error->message;
  const auto fs = DatasetName::Parse("backup/alone").value();
  ASSERT_TRUE(dst_.Release(fs, "s1", "zpull_t"));
  ASSERT_EQ(dst_.Holds("backup/alone", "s1"), 0u);
  for (const auto& o : Once()) ASSERT_TRUE(o.ok()) << o.error->message;
  EXPECT_EQ(dst_.Holds("backup/alone", "s1"), 1u);
}

// A last success the round cannot write fails that dataset's `zpull once`.
TEST_F(RoundTest, ALastSuccessTheRoundCannotWriteFailsTheCycle) {
  for (const auto& o : Once()) ASSERT_TRUE(o.ok()) << o.error->message;
  dst_.FailUserProperty("zpull:last_success");
  for (const auto& o : Once()) {
    ASSERT_FALSE(o.ok());
    EXPECT_NE(o.error->message.find("recording zpull:last_success"), std::string::npos) << o.error->message;
  }
}

// A share listed before the destination last changed (another zpull's
// cycle, as its lock tells) is not used: the cycle reads its own.
TEST_F(RoundTest, AShareOlderThanTheDestinationsLastChangeIsNotUsed) {
  for (const auto& o : Once()) ASSERT_TRUE(o.ok()) << o.error->message;
  Hosts hosts({{"src", &src_}}, &dst_);
  std::vector<std::size_t> all(config_.datasets.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  Rounds rounds(config_, hosts, [&] { return all; });
  auto first = rounds.Take(0, 0);
  ASSERT_TRUE(first && first->listed);
  auto fresh = rounds.Take(1, 0);
  EXPECT_TRUE(fresh && fresh->listed);
  const std::int64_t later = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
  auto stale = rounds.Take(2, later);
  ASSERT_TRUE(stale);
  EXPECT_FALSE(stale->listed);
  for (std::size_t i : {0, 1, 2}) rounds.Ended(i);
}

// The snapshot: true variant: the recursive entry's datasets take one
// snapshot together.
class TreeSnapshotTest : public RoundTest {
 protected:
  TreeSnapshotTest() {
    for (auto& d : config_.datasets) d.snapshot = true;
  }
  // Every destination received (a first receive snapshots on its own).
  void SetUp() override {
    for (const auto& o : Once()) ASSERT_TRUE(o.ok()) << o.error->message;
    now_ += 1000;
  }
  // The newest snapshot of `fs` on the fake `zfs`.
  static std::string Newest(test::FakeZfs& zfs, const std::string& fs) {
    auto list = zfs.ListSnapshots(DatasetName::Parse(fs).value());
    return list && *list && !(*list)->empty() ? (*list)->back().name : "";
  }
  std::vector<std::string> Tree() const { return {"r", "r/a", "r/b", "r/b/c"}; }
};

// The whole tree below the root is selected: one `zfs snapshot -r`, one
// name, which every member replicates; the dataset of its own snapshots
// alone.
TEST_F(TreeSnapshotTest, AWholeTreeTakesOneRecursiveSnapshot) {
  const std::size_t before = src_.SnapshotCommands().size();
  for (const auto& o : Once()) ASSERT_TRUE(o.ok()) << o.error->message;
  const std::string name = Newest(src_, "tank/r");
  ASSERT_TRUE(name.starts_with("zpull_t_")) << name;
  std::vector<std::string> commands = src_.SnapshotCommands();
  commands.erase(commands.begin(), commands.begin() + static_cast<std::ptrdiff_t>(before));
  EXPECT_EQ(commands, (std::vector<std::string>{"-r tank/r@" + name, "tank/alone@" + name}));
  for (const auto& fs : Tree()) {
    EXPECT_EQ(Newest(src_, "tank/" + fs), name) << fs;
    EXPECT_EQ(Newest(dst_, "backup/" + fs), name) << fs;
  }
}

// A dataset below the root that the entry does not select (excluded):
// the members' names in one command where the source can, each on its own
// otherwise; the excluded one gets none.
TEST_F(TreeSnapshotTest, ATreeWithAnUnselectedDatasetNamesItsMembers) {
  src_.CreateFilesystem("tank/r/excluded");
  for (bool many : {false, true}) {
    core::ZfsFeatures f;
    f.version = "fake";
    f.recv_unmounted = true;
    f.snapshot_many = many;
    src_.SetFeatures(f);
    const std::size_t before = src_.SnapshotCommands().size();
    for (const auto& o : Once()) ASSERT_TRUE(o.ok()) << o.error->message;
    now_ += 1000;
    const std::string name = Newest(src_, "tank/r");
    std::vector<std::string> commands = src_.SnapshotCommands();
    commands.erase(commands.begin(), commands.begin() + static_cast<std::ptrdiff_t>(before));
    std::vector<std::string> want;
    if (many) {
      want = {"tank/r@" + name + " tank/r/a@" + name + " tank/r/b@" + name + " tank/r/b/c@" + name};
    } else {
      for (const auto& fs : Tree()) want.push_back("tank/" + fs + "@" + name);
    }
    want.push_back("tank/alone@" + name);
    EXPECT_EQ(commands, want) << "snapshot_many " << many;
    for (const auto& fs : Tree()) EXPECT_EQ(Newest(dst_, "backup/" + fs), name) << fs;
    EXPECT_EQ(Newest(src_, "tank/r/excluded"), "");
  }
}

// A member whose destination refuses keeps the tree's snapshot on its
// source (the others replicate it), and catches up later.
TEST_F(TreeSnapshotTest, AMemberThatIsRefusedKeepsTheTreeSnapshotAndCatchesUp) {
  for (const auto& o : Once()) ASSERT_TRUE(o.ok()) << o.error->message;
  now_ += 1000;
  dst_.MarkModified("backup/r/a");
  auto outcomes = Once();
  const std::string second = Newest(src_, "tank/r");
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const std::string& fs = config_.datasets[i].destination.str();
    EXPECT_EQ(outcomes[i].ok(), fs != "backup/r/a") << fs;
    EXPECT_EQ(outcomes[i].snapshot_taken, second) << fs;
  }
  EXPECT_EQ(Newest(src_, "tank/r/a"), second);  // not destroyed with the refusal
  EXPECT_EQ(Newest(dst_, "backup/r/b"), second);
  EXPECT_NE(Newest(dst_, "backup/r/a"), second);
  ASSERT_TRUE(dst_.Rollback(DatasetName::Parse("backup/r/a").value(), Newest(dst_, "backup/r/a")));
  now_ += 1000;
  for (const auto& o : Once()) ASSERT_TRUE(o.ok()) << o.error->message;
  const std::string third = Newest(src_, "tank/r");
  for (const auto& fs : Tree()) EXPECT_EQ(Newest(dst_, "backup/" + fs), third) << fs;
  // The never-sent one went when the next replaced it.
  auto a = src_.ListSnapshots(DatasetName::Parse("tank/r/a").value());
  ASSERT_TRUE(a && *a);
  for (const auto& s : **a) EXPECT_NE(s.name, second);
}

// The entry's pre_snapshot hook runs once for the tree, naming its
// datasets; failing, it fails each of them and nothing is snapshotted.
TEST_F(TreeSnapshotTest, ThePreSnapshotHookRunsOnceForTheTree) {
  const std::string log = dir_ + "/hook.log";
  for (auto& d : config_.datasets) {
    d.hooks.pre_snapshot = config::HookConfig{
        {"/bin/sh", "-c", "echo \"$ZPULL_DATASET $ZPULL_DATASET_COUNT $ZPULL_DATASETS\" >> '" + log + "'"}};
  }
  for (const auto& o : Once()) ASSERT_TRUE(o.ok()) << o.error->message;
  std::ifstream in(log);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  EXPECT_EQ(lines, (std::vector<std::string>{"backup/r 4 backup/r backup/r/a backup/r/b backup/r/b/c",
                                             "backup/alone  "}));
  now_ += 1000;
  const std::string before = Newest(src_, "tank/r/a");
  for (auto& d : config_.datasets) d.hooks.pre_snapshot = config::HookConfig{{"/bin/false"}};
  for (const auto& o : Once()) {
    ASSERT_FALSE(o.ok());
    EXPECT_EQ(o.error->reason, core::Reason::kHookFailed) << o.error->message;
  }
  EXPECT_EQ(Newest(src_, "tank/r/a"), before);
}

// One member's snapshot that fails (its quota, say) fails that member
// only: the others are snapshotted each on its own under the same name.
TEST_F(TreeSnapshotTest, AMemberWhoseSnapshotFailsFailsAlone) {
  for (const auto& o : Once()) ASSERT_TRUE(o.ok()) << o.error->message;
  now_ += 1000;
  src_.FailSnapshotOf("tank/r/b");
  auto outcomes = Once();
  const std::string name = Newest(src_, "tank/r");
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const std::string& fs = config_.datasets[i].destination.str();
    EXPECT_EQ(outcomes[i].ok(), fs != "backup/r/b") << fs;
    if (fs == "backup/r/b") {
      EXPECT_NE(outcomes[i].error->message.find("out of space"), std::string::npos) << outcomes[i].error->message;
    }
  }
  for (const char* fs : {"r", "r/a", "r/b/c"}) EXPECT_EQ(Newest(dst_, std::string("backup/") + fs), name) << fs;
}

}  // namespace
}  // namespace zpull::daemon
