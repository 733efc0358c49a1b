#include "core/dataset_name.h"

#include <gtest/gtest.h>

namespace zpull::core {
namespace {

TEST(DatasetName, AcceptsTheZfsCharacterSet) {
  for (const char* ok : {"tank", "tank/home", "t1src/with space", "t/with:colon", "t/with.dot", "t/-leadingdash",
                         "t/.leadingdot", "t/a_b-c.d:e f"}) {
    EXPECT_TRUE(ValidateDatasetName(ok)) << ok;
  }
}

TEST(DatasetName, RejectsWithAMessageNamingTheProblem) {
  struct Bad {
    std::string name;
    const char* expect;
  };
  for (const Bad& b : std::vector<Bad>{{"", "empty"},
                                       {"t/with+plus", "invalid character '+'"},
                                       {"t/with%pct", "invalid character '%'"},
                                       {"t/a#b", "invalid character '#'"},
                                       {"t/a@b", "unexpected '@'"},
                                       {"t//b", "empty component"},
                                       {"t/b/", "empty component"},
                                       {"/t", "empty component"},
                                       {"t/./b", "component '.'"},
                                       {"t/..", "component '..'"},
                                       {"t/\xc3\xbc", "invalid character byte 195"},
                                       {"t/a\nb", "byte 10"},
                                       {"t/a;rm -rf", "invalid character ';'"},
                                       {"t/$(reboot)", "invalid character '$'"},
                                       {"t/`reboot`", "invalid character '`'"},
                                       {"t/it's", "invalid character '''"},
                                       {"t/\"q\"", "invalid character '\"'"},
                                       {"-pool", "pool name must begin with a letter"},
                                       {"-o/x", "pool name must begin with a letter"},
                                       {"1pool", "pool name must begin with a letter"},
                                       {".pool", "pool name must begin with a letter"},
                                       {std::string(256, 'a'), "longer than 255"}}) {
    auto r = ValidateDatasetName(b.name);
    ASSERT_FALSE(r) << b.name;
    EXPECT_NE(r.error().message.find(b.expect), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().reason, Reason::kConfig);
  }
}

TEST(DatasetName, SnapshotNames) {
  EXPECT_TRUE(ValidateSnapshotName("zpull_host_2026-11-27T08:10:00Z"));
  EXPECT_TRUE(ValidateSnapshotName("autosnap_2024-01-01_00:00:00_hourly"));
  EXPECT_TRUE(ValidateSnapshotName("s p"));
  EXPECT_FALSE(ValidateSnapshotName("a/b"));
  EXPECT_FALSE(ValidateSnapshotName("a@b"));
  EXPECT_FALSE(ValidateSnapshotName(""));
  EXPECT_FALSE(ValidateSnapshotName("a$b"));
}

TEST(DatasetName, Parts) {
  auto n = DatasetName::Parse("pool/a b/c").value();
  EXPECT_EQ(n.Pool(), "pool");
  EXPECT_EQ(n.Parent(), "pool/a b");
  EXPECT_EQ(n.Snapshot("s1"), "pool/a b/c@s1");
  EXPECT_EQ(DatasetName::Parse("pool").value().Parent(), "");
}

}  // namespace
}  // namespace zpull::core
