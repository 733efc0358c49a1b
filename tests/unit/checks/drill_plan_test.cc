#include "checks/drill_plan.h"

#include <gtest/gtest.h>

#include "tests/support/snapshots.h"

namespace zpull::checks {
namespace {

using namespace std::string_literals;

TEST(PickDrillSnapshot, NewestDestinationSnapshotOnTheSource) {
  auto p = PickDrillSnapshot(test::Snaps("a:1 b:2 c:3"), test::Snaps("a:1 renamed:2 local:9"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->destination_name, "renamed");
  EXPECT_EQ(p->source_name, "b");
  EXPECT_EQ(p->guid, 2u);
  EXPECT_FALSE(PickDrillSnapshot(test::Snaps("x:5"), test::Snaps("a:1")));
  EXPECT_FALSE(PickDrillSnapshot(test::Snaps("a:1"), test::Snaps("")));
}

TEST(ParseFindOutput, NulSeparatedWithOddNames) {
  auto f = ParseFindOutput("12 b\0"s "0 dir/a file\0"s "5 new\nline\0"s);
  ASSERT_TRUE(f) << f.error().message;
  ASSERT_EQ(f->size(), 3u);
  EXPECT_EQ((*f)[0], (FileEntry{"b", 12}));
  EXPECT_EQ((*f)[1], (FileEntry{"dir/a file", 0}));
  EXPECT_EQ((*f)[2], (FileEntry{"new\nline", 5}));
  EXPECT_FALSE(ParseFindOutput("12 b"));
  EXPECT_FALSE(ParseFindOutput("x b\0"s));
}

TEST(ParseSha256Output, RelativePaths) {
  const std::string h(64, 'a');
  auto m = ParseSha256Output(h + "  /m/r/dir/a file\0"s + h + "  /m/r/b\0"s, "/m/r");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->size(), 2u);
  EXPECT_EQ(m->at("dir/a file"), h);
  EXPECT_FALSE(ParseSha256Output(h + "  /elsewhere/b\0"s, "/m/r"));
  EXPECT_FALSE(ParseSha256Output("short  /m/r/b\0"s, "/m/r"));
}

TEST(SampleFiles, DeterministicBoundedAndSeedDependent) {
  std::vector<FileEntry> files;
  for (int i = 0; i < 200; ++i) files.push_back({"f" + std::to_string(i), 1000});
  auto a = SampleFiles(files, 42, 10, 1 << 20);
  auto b = SampleFiles(files, 42, 10, 1 << 20);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), 10u);
  EXPECT_NE(a, SampleFiles(files, 43, 10, 1 << 20));
  // Pinned: the rank function is part of the contract (the same sample on
  // every machine and release, so a drill can be reproduced by hand).
  EXPECT_EQ(SampleFiles(files, 42, 3, 1 << 20), (std::vector<FileEntry>{{"f157", 1000}, {"f55", 1000}, {"f79", 1000}}));
  auto bytes_bound = SampleFiles(files, 42, 100, 3500);
  EXPECT_EQ(bytes_bound.size(), 3u);
  std::vector<FileEntry> big = {{"huge", 10'000'000}, {"small", 10}};
  EXPECT_EQ(SampleFiles(big, 1, 5, 1000), (std::vector<FileEntry>{{"small", 10}}));
}

TEST(CompareSample, FindsEachKindOfDifference) {
  std::vector<FileEntry> dst = {{"a", 3}, {"b", 4}, {"c", 5}, {"d", 6}};
  std::vector<FileEntry> src = {{"a", 3}, {"b", 4}, {"c", 7}};
  std::map<std::string, std::string> dh = {{"a", "h1"}, {"b", "h2"}, {"c", "h3"}, {"d", "h4"}};
  std::map<std::string, std::string> sh = {{"a", "h1"}, {"b", "XX"}, {"c", "h3"}};
  auto c = CompareSample(dst, dst, src, dh, sh);
  EXPECT_EQ(c.files_verified, 1u);
  EXPECT_EQ(c.bytes_verified, 3u);
  EXPECT_EQ(c.mismatches, (std::vector<std::string>{"b: content differs", "c: size 5 on the destination, 7 on the source",
                                                    "d: missing on the source",
                                                    "file count: 4 on the destination, 3 on the source"}));
  auto same = CompareSample({{"a", 3}}, {{"a", 3}}, {{"a", 3}}, {{"a", "h"}}, {{"a", "h"}});
  EXPECT_TRUE(same.mismatches.empty());
  EXPECT_EQ(same.files_verified, 1u);
}

}  // namespace
}  // namespace zpull::checks
