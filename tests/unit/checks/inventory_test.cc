#include "checks/inventory.h"

#include <gtest/gtest.h>

#include "tests/support/fake_zfs.h"
#include "core/zfs_parse.h"
#include "exporter/inventory_metrics.h"
#include "tests/support/transcript.h"

namespace zpull::checks {
namespace {

using core::DatasetName;

TEST(Inventory, SummarizesOnlyZpullsTag) {
  std::vector<core::HoldInfo> holds = {
      {"a", "zp", 300}, {"b", "zp", 200}, {"b", "syncoid", 100}, {"c", ".send-77-0", 50}};
  EXPECT_EQ(SummarizeHolds(holds, "zp"), (HoldSummary{2, 200}));
  EXPECT_EQ(SummarizeHolds(holds, "other"), (HoldSummary{0, std::nullopt}));
}

TEST(Inventory, ParsesZfsHoldsOfOpenZfs) {
  auto holds = core::ParseHolds(test::FixtureText("zfs-holds-Hp.openzfs-2.3.2.txt"));
  ASSERT_TRUE(holds) << holds.error().message;
  ASSERT_EQ(holds->size(), 1u);
  const auto& data = holds->at("ozsrc/data");
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0], (core::HoldInfo{"a", "keep me", 1795778273}));  // a tag with a space
  EXPECT_EQ(data[1], (core::HoldInfo{"a", "zpt", 1795778273}));
  auto two = core::ParseHolds("tank/a@s1\tzp\t5\ntank/a b@s2\tzp\t6\n");
  ASSERT_TRUE(two) << two.error().message;
  EXPECT_EQ(two->at("tank/a"), (std::vector<core::HoldInfo>{{"s1", "zp", 5}}));
  EXPECT_EQ(two->at("tank/a b"), (std::vector<core::HoldInfo>{{"s2", "zp", 6}}));
  EXPECT_FALSE(core::ParseHolds("ozsrc/data@a\tzpt\tnot-a-time\n"));
  EXPECT_FALSE(core::ParseHolds("ozsrc/data\tzpt\t1\n"));  // not a snapshot
  EXPECT_FALSE(core::ParseHolds("@a\tzpt\t1\n"));
}

class InventoryFake : public ::testing::Test {
 protected:
  InventoryFake() : src_("src", [this] { return now_; }), dst_("local", [this] { return now_; }) {
    core::ZfsFeatures f;
    f.recv_resumable = f.bookmarks = f.list_holds = true;
    src_.SetFeatures(f);
    dst_.SetFeatures(f);
    features_ = f;
    for (const char* fs : {"tank/data", "tank/other"}) src_.CreateFilesystem(fs);
    for (const char* fs : {"backup/data", "backup/other"}) dst_.CreateFilesystem(fs);
  }
  // The held snapshots, as the parity pass hands them over.
  static std::vector<std::string> Held(test::FakeZfs& zfs, const core::DatasetName& fs) {
    std::vector<std::string> out;
    const core::SnapshotList snaps = zfs.ListSnapshots(fs)->value();
    for (const auto& s : snaps) {
      if (s.userrefs > 0) out.push_back(s.name);
    }
    return out;
  }
  InventoryInput Input(const InventoryTarget& t) { return {t, Held(src_, t.source), Held(dst_, t.destination)}; }

  std::int64_t now_ = 5000;
  test::FakeZfs src_, dst_;
  core::ZfsFeatures features_;
  InventoryTarget data_{"backup/data", DatasetName::Parse("tank/data").value(),
                        DatasetName::Parse("backup/data").value(), "zp", "zp_backup:data_"};
  InventoryTarget other_{"backup/other", DatasetName::Parse("tank/other").value(),
                         DatasetName::Parse("backup/other").value(), "zp", "zp_backup:other_"};
};

TEST_F(InventoryFake, CountsHoldsBookmarksAndTokenOfSeveralDatasetsAtOnce) {
  const auto fs = data_.source;
  ASSERT_TRUE(src_.CreateSnapshot(fs, "s1"));
  ASSERT_TRUE(src_.Hold(fs, "s1", "zp"));
  now_ = 6000;
  ASSERT_TRUE(src_.CreateSnapshot(fs, "s2"));
  ASSERT_TRUE(src_.Hold(fs, "s2", "zp"));
  ASSERT_TRUE(src_.Hold(fs, "s2", "someone-else"));
  ASSERT_TRUE(src_.CreateBookmark(fs, "s2", "zp_backup:data_00000000000000aa"));
  ASSERT_TRUE(src_.CreateBookmark(fs, "s1", "unrelated"));
  ASSERT_TRUE(src_.CreateSnapshot(other_.source, "o1"));
  ASSERT_TRUE(src_.Hold(other_.source, "o1", "zp"));
  ASSERT_TRUE(src_.CreateBookmark(other_.source, "o1", "zp_backup:other_00000000000000bb"));
  ASSERT_TRUE(dst_.CreateSnapshot(other_.destination, "o1"));
  ASSERT_TRUE(dst_.Hold(other_.destination, "o1", "zp"));
  const std::vector<InventoryInput> inputs = {Input(data_), Input(other_)};
  const int listed = src_.Listings("tank/data") + dst_.Listings("backup/data");

  auto inv = TakeInventories(src_, features_, dst_, features_, inputs);
  ASSERT_EQ(inv.size(), 2u);
  ASSERT_TRUE(inv[0]) << inv[0].error().message;
  EXPECT_EQ(inv[0]->source_holds, (HoldSummary{2, 5000}));
  EXPECT_EQ(inv[0]->destination_holds, (HoldSummary{0, std::nullopt}));
  EXPECT_EQ(inv[0]->bookmarks, 1u);
  EXPECT_EQ(inv[0]->resume_token, false);
  ASSERT_TRUE(inv[1]) << inv[1].error().message;
  EXPECT_EQ(inv[1]->source_holds, (HoldSummary{1, 6000}));
  EXPECT_EQ(inv[1]->destination_holds, (HoldSummary{1, 6000}));
  EXPECT_EQ(inv[1]->bookmarks, 1u);
  // The parity pass's listing is used, not a listing of its own.
  EXPECT_EQ(src_.Listings("tank/data") + dst_.Listings("backup/data"), listed);

  core::MetricDetail detail;
  detail.inventory = true;
  exporter::InventoryMetrics m(detail);
  m.Set("backup/data", *inv[0], 7000);
  const std::string text = exporter::RenderMetrics(m);
  EXPECT_NE(text.find("zpull_holds{dataset=\"backup/data\",side=\"source\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("zpull_bookmarks{dataset=\"backup/data\"} 1\n"), std::string::npos) << text;
  // By default the hold counts and bookmarks are left out (metrics.detail: inventory).
  exporter::InventoryMetrics plain;
  plain.Set("backup/data", *inv[0], 7000);
  const std::string budget = exporter::RenderMetrics(plain);
  EXPECT_EQ(budget.find("zpull_holds"), std::string::npos) << budget;
  EXPECT_EQ(budget.find("zpull_bookmarks"), std::string::npos);
  EXPECT_NE(budget.find("zpull_hold_oldest_timestamp_seconds{dataset=\"backup/data\",side=\"source\"} 5000\n"),
            std::string::npos);
  EXPECT_NE(text.find("zpull_hold_oldest_timestamp_seconds{dataset=\"backup/data\",side=\"source\"} 5000\n"),
            std::string::npos);
  EXPECT_NE(text.find("zpull_resume_token_present{dataset=\"backup/data\"} 0\n"), std::string::npos);
  EXPECT_EQ(text.find("zpull_resume_token_since_timestamp_seconds{"), std::string::npos);
  inv[0]->resume_token = true;
  m.Set("backup/data", *inv[0], 7100);
  m.Set("backup/data", *inv[0], 7200);  // still the same token: still since 7100
  const std::string later = exporter::RenderMetrics(m);
  EXPECT_NE(later.find("zpull_resume_token_since_timestamp_seconds{dataset=\"backup/data\"} 7100\n"),
            std::string::npos)
      << later;
}

// Between the parity listing and `zfs holds` a cycle may release and prune
// a snapshot: it holds nothing now, and the other datasets still count.
TEST_F(InventoryFake, AHeldSnapshotGoneSinceTheListingHoldsNothing) {
  ASSERT_TRUE(src_.CreateSnapshot(data_.source, "s1"));
  ASSERT_TRUE(src_.Hold(data_.source, "s1", "zp"));
  ASSERT_TRUE(src_.CreateSnapshot(other_.source, "o1"));
  ASSERT_TRUE(src_.Hold(other_.source, "o1", "zp"));
  const std::vector<InventoryInput> inputs = {Input(data_), Input(other_)};
  ASSERT_TRUE(src_.Release(data_.source, "s1", "zp"));
  ASSERT_TRUE(src_.DestroySnapshot(data_.source, "s1"));
  auto inv = TakeInventories(src_, features_, dst_, features_, inputs);
  ASSERT_TRUE(inv[0] && inv[1]);
  EXPECT_EQ(inv[0]->source_holds, (HoldSummary{0, std::nullopt}));
  EXPECT_EQ(inv[1]->source_holds, (HoldSummary{1, 5000}));
}

TEST_F(InventoryFake, AFailingCommandFailsEveryDatasetNamingIt) {
  core::ZfsFeatures no_tokens = features_;
  no_tokens.recv_resumable = false;
  dst_.SetFeatures(no_tokens);  // the host cannot, though the features passed say it can
  auto inv = TakeInventories(src_, features_, dst_, features_, {Input(data_), Input(other_)});
  ASSERT_EQ(inv.size(), 2u);
  for (const auto& i : inv) {
    ASSERT_FALSE(i);
    EXPECT_NE(i.error().message.find("receive_resume_token"), std::string::npos) << i.error().message;
  }
}

TEST_F(InventoryFake, WhatTheHostCannotTellIsLeftOut) {
  core::ZfsFeatures fuse;  // zfs-fuse: no holds listing, bookmarks or tokens
  auto inv = TakeInventories(src_, fuse, dst_, fuse, {Input(data_)});
  ASSERT_TRUE(inv[0]);
  EXPECT_FALSE(inv[0]->source_holds);
  EXPECT_FALSE(inv[0]->destination_holds);
  EXPECT_FALSE(inv[0]->bookmarks);
  EXPECT_FALSE(inv[0]->resume_token);
  exporter::InventoryMetrics m;
  m.Set("backup/data", *inv[0], 1);
  const std::string text = exporter::RenderMetrics(m);
  EXPECT_EQ(text.find("dataset="), std::string::npos) << text;
}

}  // namespace
}  // namespace zpull::checks
