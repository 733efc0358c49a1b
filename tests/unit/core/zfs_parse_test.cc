#include "core/zfs_parse.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/support/transcript.h"

namespace zpull::core {
namespace {

using test::FixtureText;

TEST(ParseSnapshotGet, ZfsFuseFixture) {
  auto list = ParseSnapshotGet(FixtureText("zfs-get-Hp-r-d1-guid-createtxg-creation.zfs-fuse-0.7.0.txt"),
                               "t1src/rep");
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 7u);  // s3..s8 and the syncoid snapshot; not the fs, not the child
  EXPECT_EQ(list->front().name, "s3");
  EXPECT_EQ(list->front().guid, 12357431443276706035ull);
  EXPECT_EQ(list->front().createtxg, 154u);
  EXPECT_EQ(list->front().creation, 1795759049);
  EXPECT_EQ((*list)[5].name, "syncoid_vm_2026-11-27:06:08:12-GMT00:00");
  EXPECT_EQ(list->back().name, "s8");
}

TEST(ParseSnapshotGet, SortsByCreatetxgNotInputOrder) {
  std::string out =
      "p/fs@b\tguid\t2\t-\np/fs@b\tcreatetxg\t20\t-\np/fs@b\tcreation\t5\t-\np/fs@b\tuserrefs\t1\t-\n"
      "p/fs@a\tguid\t1\t-\np/fs@a\tcreatetxg\t10\t-\np/fs@a\tcreation\t5\t-\np/fs@a\tuserrefs\t0\t-\n"
      "p/fs\tguid\t9\t-\np/fs2@x\tguid\t7\t-\n";
  auto list = ParseSnapshotGet(out, "p/fs");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "a");
  EXPECT_EQ((*list)[1].name, "b");
  EXPECT_EQ((*list)[1].userrefs, 1u);
}

TEST(ParseSnapshotGet, NamesWithSpaces) {
  auto list = ParseSnapshotGet("p/a b@s p\tguid\t5\t-\np/a b@s p\tcreatetxg\t3\t-\n", "p/a b");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "s p");
}

TEST(ParseSnapshotGet, RejectsPrettyPrintedGuid) {
  // zfs list/get without -p prints guids like 12.4E: never accept that.
  auto list = ParseSnapshotGet("p/fs@a\tguid\t12.4E\t-\np/fs@a\tcreatetxg\t3\t-\n", "p/fs");
  ASSERT_FALSE(list);
  EXPECT_NE(list.error().message.find("guid of p/fs@a is not a number: '12.4E'"), std::string::npos) << list.error().message;
}

TEST(ParseSnapshotGet, RejectsMissingGuidAndShortLines) {
  EXPECT_FALSE(ParseSnapshotGet("p/fs@a\tcreatetxg\t3\t-\n", "p/fs"));
  EXPECT_FALSE(ParseSnapshotGet("p/fs@a guid 3\n", "p/fs"));
  auto empty = ParseSnapshotGet("", "p/fs");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace zpull::core

namespace zpull::core {
namespace {

TEST(ParseSnapshotProperty, KeepsOnlySetValuesOfSnapshots) {
  auto m = ParseSnapshotProperty(
      "p/fs\tzpull:common\t-\t-\np/fs@a\tzpull:common\t-\t-\np/fs@b b\tzpull:common\t1795780800\tlocal\n"
      "p/fs@c\tzpull:common\t5\tinherited from p/fs\n"
      "p/fs/child\tzpull:common\t-\t-\n",
      "p/fs", "zpull:common");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(*m, (std::map<std::string, std::string>{{"b b", "1795780800"}}));
  EXPECT_FALSE(ParseSnapshotProperty("garbage\n", "p/fs", "zpull:common"));
}

}  // namespace
}  // namespace zpull::core

#include "tests/support/transcript.h"

namespace zpull::core {
namespace {

TEST(ParseSnapshotGet, CapturedOpenZfs232) {
  auto t = test::ReadTranscript(test::Fixture("zfs-get-Hp-r-d1-guid-createtxg-creation-userrefs.openzfs-2.3.2.txt"));
  ASSERT_EQ(t.size(), 1u);
  auto list = ParseSnapshotGet(t[0].out, "POOL/rep");
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 3u);  // not the fs, not its child
  EXPECT_EQ((*list)[0].name, "s1");
  EXPECT_EQ((*list)[0].userrefs, 1u);
  EXPECT_EQ((*list)[0].guid, 16408253676048885430ull);
  EXPECT_EQ((*list)[1].name, "s 2");
  EXPECT_EQ((*list)[2].name, "syncoid_x_2026-11-27:06:08:12-GMT00:00");
}

TEST(ParseSnapshotProperty, CapturedOpenZfs232) {
  auto t = test::ReadTranscript(test::Fixture("zfs-get-Hp-r-d1-user-property.openzfs-2.3.2.txt"));
  ASSERT_EQ(t.size(), 1u);
  auto m = ParseSnapshotProperty(t[0].out, "POOL/rep", "zpull:common");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(*m, (std::map<std::string, std::string>{{"s 2", "1795780800"}}));
}

}  // namespace
}  // namespace zpull::core

namespace zpull::core {
namespace {

TEST(ParseInt64, WholeNumbersOnly) {
  EXPECT_EQ(ParseInt64("1795780800"), 1795780800);
  EXPECT_EQ(ParseInt64("-5"), -5);
  EXPECT_FALSE(ParseInt64(""));
  EXPECT_FALSE(ParseInt64("-"));
  EXPECT_FALSE(ParseInt64("12x"));
}

TEST(ParseSendEstimate, CapturedOpenZfs232AndResumeForm) {
  // The capture holds two commands' outputs: the last size line is the -I one.
  auto v = ParseSendEstimate(test::FixtureText("zfs-send-nvP.openzfs-2.3.2.txt"));
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, 4271584u);
  EXPECT_EQ(ParseSendEstimate("full\tp/d@s1\t8448112\nsize\t8448112\n").value(), 8448112u);
  EXPECT_EQ(ParseSendEstimate(test::FixtureText("zfs-send-nvPt-resume-token.openzfs-2.x.txt")).value(),
            1599981784u);  // spaces instead of TABs in that quote
  EXPECT_FALSE(ParseSendEstimate("invalid option 'n'\n"));
}

}  // namespace
}  // namespace zpull::core
