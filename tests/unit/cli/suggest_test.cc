#include "cli/suggest.h"

#include <gtest/gtest.h>

namespace zpull::cli {
namespace {

TEST(Suggest, EditDistanceCountsASwapAsOne) {
  EXPECT_EQ(EditDistance("once", "once"), 0u);
  EXPECT_EQ(EditDistance("onec", "once"), 1u);
  EXPECT_EQ(EditDistance("--dryrun", "--dry-run"), 1u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(Suggest, OnlyATypoIsSuggested) {
  const std::vector<std::string> commands = {"run", "once", "status", "check-config"};
  EXPECT_EQ(Suggest("onec", commands), "once");
  EXPECT_EQ(Suggest("chek-config", commands), "check-config");
  EXPECT_EQ(Suggest("stauts", commands), "status");
  EXPECT_FALSE(Suggest("backup", commands));
  EXPECT_FALSE(Suggest("-x", {"-c", "-n"})) << "half the letters differ";
  EXPECT_EQ(Suggest("backup/web1/hmoe", {"backup/web1/home", "backup/web1/db"}), "backup/web1/home");
}

}  // namespace
}  // namespace zpull::cli
