#include "daemon/round.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

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
  ASSERT_TRUE(first && *first);
  auto fresh = rounds.Take(1, 0);
  EXPECT_TRUE(fresh && *fresh);
  const std::int64_t later = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
  auto stale = rounds.Take(2, later);
  ASSERT_TRUE(stale);
  EXPECT_FALSE(*stale);
  for (std::size_t i : {0, 1, 2}) rounds.Ended(i);
}

}  // namespace
}  // namespace zpull::daemon
