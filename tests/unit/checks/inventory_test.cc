#include "checks/inventory.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include "core/fake_zfs.h"
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
  auto holds = core::ParseHolds(testing::FixtureText("zfs-holds-Hp.openzfs-2.3.2.txt"), "ozsrc/data");
  ASSERT_TRUE(holds) << holds.error().message;
  ASSERT_EQ(holds->size(), 2u);
  EXPECT_EQ((*holds)[0], (core::HoldInfo{"a", "keep me", 1795778273}));  // a tag with a space
  EXPECT_EQ((*holds)[1], (core::HoldInfo{"a", "zpt", 1795778273}));
  EXPECT_FALSE(core::ParseHolds("ozsrc/data@a\tzpt\tnot-a-time\n", "ozsrc/data"));
  EXPECT_FALSE(core::ParseHolds("other/fs@a\tzpt\t1\n", "ozsrc/data"));
}

class InventoryFake : public ::testing::Test {
 protected:
  InventoryFake() : src_("src", [this] { return now_; }), dst_("local", [this] { return now_; }) {
    core::ZfsFeatures f;
    f.recv_resumable = f.bookmarks = f.list_holds = true;
    src_.SetFeatures(f);
    dst_.SetFeatures(f);
    features_ = f;
    src_.CreateFilesystem("tank/data");
    dst_.CreateFilesystem("backup/data");
  }
  std::int64_t now_ = 5000;
  core::FakeZfs src_, dst_;
  core::ZfsFeatures features_;
  InventoryTarget target_{"backup/data", DatasetName::Parse("tank/data").value(),
                          DatasetName::Parse("backup/data").value(), "zp", "zp_backup:data_"};
};

TEST_F(InventoryFake, CountsHoldsBookmarksAndToken) {
  const auto fs = target_.source;
  ASSERT_TRUE(src_.CreateSnapshot(fs, "s1"));
  ASSERT_TRUE(src_.Hold(fs, "s1", "zp"));
  now_ = 6000;
  ASSERT_TRUE(src_.CreateSnapshot(fs, "s2"));
  ASSERT_TRUE(src_.Hold(fs, "s2", "zp"));
  ASSERT_TRUE(src_.Hold(fs, "s2", "someone-else"));
  ASSERT_TRUE(src_.CreateBookmark(fs, "s2", "zp_backup:data_00000000000000aa"));
  ASSERT_TRUE(src_.CreateBookmark(fs, "s1", "unrelated"));
  auto inv = TakeInventory(src_, features_, dst_, features_, target_);
  ASSERT_TRUE(inv) << inv.error().message;
  EXPECT_EQ(inv->source_holds, (HoldSummary{2, 5000}));
  EXPECT_EQ(inv->destination_holds, (HoldSummary{0, std::nullopt}));
  EXPECT_EQ(inv->bookmarks, 1u);
  EXPECT_EQ(inv->resume_token, false);

  exporter::InventoryMetrics m;
  m.Set("backup/data", *inv, 7000);
  const std::string text = prometheus::TextSerializer().Serialize(m.Collect());
  EXPECT_NE(text.find("zpull_holds{dataset=\"backup/data\",side=\"source\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("zpull_hold_oldest_timestamp_seconds{dataset=\"backup/data\",side=\"source\"} 5000\n"),
            std::string::npos);
  EXPECT_NE(text.find("zpull_resume_token_present{dataset=\"backup/data\"} 0\n"), std::string::npos);
  EXPECT_EQ(text.find("zpull_resume_token_since_timestamp_seconds{"), std::string::npos);
  inv->resume_token = true;
  m.Set("backup/data", *inv, 7100);
  m.Set("backup/data", *inv, 7200);  // still the same token: still since 7100
  const std::string later = prometheus::TextSerializer().Serialize(m.Collect());
  EXPECT_NE(later.find("zpull_resume_token_since_timestamp_seconds{dataset=\"backup/data\"} 7100\n"),
            std::string::npos)
      << later;
}

TEST_F(InventoryFake, WhatTheHostCannotTellIsLeftOut) {
  core::ZfsFeatures fuse;  // zfs-fuse: no holds listing, bookmarks or tokens
  auto inv = TakeInventory(src_, fuse, dst_, fuse, target_);
  ASSERT_TRUE(inv);
  EXPECT_FALSE(inv->source_holds);
  EXPECT_FALSE(inv->destination_holds);
  EXPECT_FALSE(inv->bookmarks);
  EXPECT_FALSE(inv->resume_token);
  exporter::InventoryMetrics m;
  m.Set("backup/data", *inv, 1);
  const std::string text = prometheus::TextSerializer().Serialize(m.Collect());
  EXPECT_EQ(text.find("dataset="), std::string::npos) << text;
}

}  // namespace
}  // namespace zpull::checks
