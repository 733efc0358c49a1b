#include "checks/drill_plan.h"

#include <gtest/gtest.h>

#include <set>

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

std::vector<FileEntry> Tree(int files, std::uint64_t size = 1000) {
  std::vector<FileEntry> tree;
  for (int i = 0; i < files; ++i) tree.push_back({"f" + std::to_string(i), size});
  return tree;
}

TEST(NextSample, FirstDrillIsReproducibleAndBounded) {
  const auto tree = Tree(200);
  auto a = NextSample(tree, std::nullopt, 100, 10, 1 << 20, 42);
  EXPECT_EQ(a.sample, NextSample(tree, std::nullopt, 100, 10, 1 << 20, 42).sample);
  EXPECT_EQ(a.sample.size(), 10u);
  EXPECT_TRUE(a.started);
  EXPECT_EQ(a.covered, 10u);
  EXPECT_NE(a.sample, NextSample(tree, std::nullopt, 100, 10, 1 << 20, 43).sample);
  // Pinned: the rank function is part of the contract (the same sample on
  // every machine and release, so a drill can be reproduced by hand).
  EXPECT_EQ(NextSample(tree, std::nullopt, 100, 3, 1 << 20, 42).sample,
            (std::vector<FileEntry>{{"f157", 1000}, {"f55", 1000}, {"f79", 1000}}));
  EXPECT_EQ(NextSample(tree, std::nullopt, 100, 100, 3500, 42).sample.size(), 3u);  // max_bytes
}

// 50 files, 20 per drill: every file is read once in three drills, then
// a new rotation starts in another order.
TEST(NextSample, RotatesThroughEveryFileThenStartsOver) {
  const auto tree = Tree(50);
  std::optional<Rotation> at;
  std::set<std::string> read;
  std::vector<std::size_t> covered;
  for (int drill = 0; drill < 3; ++drill) {
    auto step = NextSample(tree, at, 100 + drill, 20, 1 << 20, 7);
    EXPECT_EQ(step.started, drill == 0);
    for (const auto& f : step.sample) EXPECT_TRUE(read.insert(f.path).second) << f.path << " read twice";
    covered.push_back(step.covered);
    at = step.next;
  }
  EXPECT_EQ(read.size(), 50u);
  EXPECT_EQ(covered, (std::vector<std::size_t>{20, 40, 50}));
  ASSERT_EQ(at->segments.size(), 3u);  // what each drill read, from which snapshot
  EXPECT_EQ(at->segments[0].created, 100);
  EXPECT_EQ(at->segments[2].created, 102);
  auto fourth = NextSample(tree, at, 200, 20, 1 << 20, 8);
  EXPECT_TRUE(fourth.started);
  EXPECT_EQ(fourth.covered, 20u);
  EXPECT_EQ(fourth.next.seed, 8u);
  ASSERT_EQ(fourth.next.segments.size(), 1u);
  EXPECT_EQ(fourth.next.segments[0].created, 200);
  // The stored form comes back as it was.
  EXPECT_EQ(ParseRotation(FormatRotation(*at)), at);
  EXPECT_EQ(ParseRotation(FormatRotation(Rotation{5, {}})), (Rotation{5, {}}));
  EXPECT_EQ(ParseRotation("2 5 7:100,9:200"), (Rotation{5, {{7, 100}, {9, 200}}}));
  for (const char* bad : {"", "1 5 - 9", "2 x -", "2 5 - extra", "2 5", "2 5 9:1,7:2", "2 5 7:", "2 5 7:1,"}) {
    EXPECT_FALSE(ParseRotation(bad)) << bad;
  }
}

// A long rotation keeps at most kMaxSegments: the oldest merge, with the
// older snapshot's time (coverage may be understated, never overstated).
TEST(NextSample, ALongRotationMergesItsOldestSegments) {
  const auto tree = Tree(200);
  std::optional<Rotation> at;
  for (int drill = 0; drill < 100; ++drill) at = NextSample(tree, at, 1000 + drill, 1, 1 << 20, 7).next;
  ASSERT_EQ(at->segments.size(), Rotation::kMaxSegments);
  EXPECT_EQ(at->segments.front().created, 1000);
  EXPECT_EQ(at->segments.back().created, 1099);
  EXPECT_LT(FormatRotation(*at).size(), 2200u);
  EXPECT_EQ(ParseRotation(FormatRotation(*at)), at);
}

// A file changed after the drill that read it (ctime newer than that
// drill's snapshot) is not counted as read; one changed before it is.
TEST(NextSample, ChangedFilesBehindTheCursorAreNotCovered) {
  auto tree = Tree(10);
  auto first = NextSample(tree, std::nullopt, 100, 5, 1 << 20, 1);
  ASSERT_EQ(first.covered, 5u);
  auto second = NextSample(tree, first.next, 200, 3, 1 << 20, 1);
  ASSERT_EQ(second.covered, 8u);
  for (auto& f : tree) {
    if (f.path == first.sample.front().path) f.ctime = 150;   // changed after the first drill read it
    if (f.path == second.sample.front().path) f.ctime = 150;  // changed before the second read it
  }
  auto third = NextSample(tree, second.next, 300, 2, 1 << 20, 1);
  EXPECT_EQ(third.covered, 9u);  // 4 + 3 + the 2 read now
}

TEST(NextSample, FilesLargerThanMaxBytesArePassedOverAndNeverCovered) {
  std::vector<FileEntry> tree = {{"huge", 10'000'000}, {"small", 10}, {"other", 20}};
  auto step = NextSample(tree, std::nullopt, 1, 5, 1000, 3);
  EXPECT_EQ(step.sample, (std::vector<FileEntry>{{"other", 20}, {"small", 10}}));
  EXPECT_EQ(step.too_large, 1u);
  EXPECT_EQ(step.covered, 2u);
  auto again = NextSample(tree, step.next, 2, 5, 1000, 4);
  EXPECT_TRUE(again.started);  // every file passed: a new rotation
  EXPECT_TRUE(NextSample({}, std::nullopt, 1, 5, 1000, 3).sample.empty());
}

TEST(ParseTypedFindOutput, TypesSizesAndCtimes) {
  auto l = ParseTypedFindOutput("f 12 1796627661.5 a b\0"s "d 0 1.0 dir\0"s "l 3 1796627000.0 link\0"s, true);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->files, (std::vector<FileEntry>{{"a b", 12, 1796627661}}));
  EXPECT_EQ(l->skipped, 1u);
  EXPECT_FALSE(ParseTypedFindOutput("f 12 x a\0"s, true));
  EXPECT_FALSE(ParseTypedFindOutput("f 12\0"s, false));
  auto plain = ParseTypedFindOutput("f 12 a b\0"s, false);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->files, (std::vector<FileEntry>{{"a b", 12}}));
}

TEST(ParseSha256Run, NamesEachUnreadableFile) {
  const std::string h(64, 'a');
  std::vector<FileEntry> files = {{"a", 1}, {"bad file", 2}, {"gone", 3}};
  auto r = ParseSha256Run(h + "  /m/r/a\0"s, "sha256sum: /m/r/bad file: Input/output error\n", "/m/r", files);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->hashes.size(), 1u);
  EXPECT_EQ(r->unreadable.at("bad file"), "Input/output error");
  EXPECT_EQ(r->unreadable.at("gone"), "sha256sum: /m/r/bad file: Input/output error");  // stderr's first line
  // GNU sha256sum quotes a name that needs it.
  auto quoted = ParseSha256Run(h + "  /m/r/a\0"s, "sha256sum: '/m/r/bad file': Input/output error\n", "/m/r", files);
  ASSERT_TRUE(quoted);
  EXPECT_EQ(quoted->unreadable.at("bad file"), "Input/output error");
  auto silent = ParseSha256Run(h + "  /m/r/a\0"s, "", "/m/r", files);
  ASSERT_TRUE(silent);
  EXPECT_EQ(silent->unreadable.at("gone"), "no hash in sha256sum's output");
}

TEST(CompareSample, FindsEachKindOfDifference) {
  std::vector<FileEntry> dst = {{"a", 3}, {"b", 4}, {"c", 5}, {"d", 6}, {"e", 7}, {"f", 8}};
  std::vector<FileEntry> src = {{"a", 3}, {"b", 4}, {"c", 7}, {"e", 7}, {"f", 8}};
  SideHashes dh{{{"a", "h1"}, {"b", "h2"}, {"c", "h3"}, {"d", "h4"}, {"f", "h6"}}, {{"e", "Input/output error"}}};
  SideHashes sh{{{"a", "h1"}, {"b", "XX"}, {"c", "h3"}}, {{"f", "Permission denied"}}};
  auto c = CompareSample(dst, dst, src, dh, sh);
  EXPECT_EQ(c.files_verified, 1u);
  EXPECT_EQ(c.files_mismatched, 3u);
  EXPECT_EQ(c.files_unreadable, 2u);
  EXPECT_EQ(c.bytes_verified, 3u);
  EXPECT_EQ(c.mismatches, (std::vector<std::string>{"b: content differs", "c: size 5 on the destination, 7 on the source",
                                                    "d: missing on the source",
                                                    "file count: 6 on the destination, 5 on the source"}));
  ASSERT_EQ(c.files.size(), 6u);
  EXPECT_EQ(c.files[4], (FileResult{"e", FileVerdict::kUnreadable, "Input/output error (destination)"}));
  EXPECT_EQ(c.files[5], (FileResult{"f", FileVerdict::kUnreadable, "Permission denied (source)"}));
  auto same = CompareSample({{"a", 3}}, {{"a", 3}}, {{"a", 3}}, {{{"a", "h"}}, {}}, {{{"a", "h"}}, {}});
  EXPECT_TRUE(same.mismatches.empty());
  EXPECT_EQ(same.files_verified, 1u);
}

}  // namespace
}  // namespace zpull::checks
