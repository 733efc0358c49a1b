#include "core/feature_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace zpull::core {
namespace {

ZfsFeatures Some() {
  ZfsFeatures f;
  f.version = "zfs-2.3.2\nzfs-kmod-2.3.2";
  f.guard = 2;
  f.written = true;
  f.pool_status_json = true;
  return f;
}

TEST(CachedFeatures, RoundTripForTheSameFingerprintOnly) {
  const std::string text = FormatCachedFeatures("fp", Some());
  auto back = ParseCachedFeatures(text, "fp");
  ASSERT_TRUE(back);
  ZfsFeatures expected = Some();
  expected.version = "zfs-2.3.2 zfs-kmod-2.3.2";  // one line
  EXPECT_EQ(*back, expected);
  EXPECT_FALSE(ParseCachedFeatures(text, "another zfs version"));
  // Cut short, a field missing or malformed, another format: a miss.
  EXPECT_FALSE(ParseCachedFeatures(text.substr(0, text.size() - 1), "fp"));
  std::string no_volmode = text;
  no_volmode.erase(no_volmode.find("volmode 0\n"), 10);
  EXPECT_FALSE(ParseCachedFeatures(no_volmode, "fp"));
  std::string bad = text;
  bad.replace(bad.find("written 1"), 9, "written 2");
  EXPECT_FALSE(ParseCachedFeatures(bad, "fp"));
  EXPECT_FALSE(ParseCachedFeatures("zpull-features 0\n" + text.substr(text.find('\n') + 1), "fp"));
  EXPECT_FALSE(ParseCachedFeatures("", "fp"));
}

TEST(FeatureCache, StoresPerHostAndRefusesFilesOthersCanWrite) {
  const std::string dir = ::testing::TempDir() + "zpull-feature-cache-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  FeatureCache cache(dir + "/made");
  EXPECT_FALSE(cache.Load("destination", "fp"));
  cache.Store("destination", "fp", Some());
  ASSERT_TRUE(cache.Load("destination", "fp"));
  EXPECT_EQ(cache.Load("destination", "fp")->guard, 2);
  EXPECT_FALSE(cache.Load("source\nweb1", "fp"));  // another host
  EXPECT_FALSE(cache.Load("destination", "other"));
  EXPECT_EQ(std::filesystem::status(dir + "/made").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
  for (const auto& e : std::filesystem::directory_iterator(dir + "/made")) {
    std::filesystem::last_write_time(e.path(), std::filesystem::file_time_type::clock::now() - std::chrono::hours(25));
  }
  EXPECT_FALSE(cache.Load("destination", "fp"));  // a day old: probed again
  cache.Store("destination", "fp", Some());
  ASSERT_TRUE(cache.Load("destination", "fp"));
  for (const auto& e : std::filesystem::directory_iterator(dir + "/made")) {
    ::chmod(e.path().c_str(), 0666);  // writable by others: not trusted
  }
  EXPECT_FALSE(cache.Load("destination", "fp"));
  EXPECT_FALSE(FeatureCache("").Load("destination", "fp"));
  FeatureCache("").Store("destination", "fp", Some());  // nothing kept, no error
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zpull::core
