#include "core/pool_status.h"

#include <gtest/gtest.h>

#include "tests/support/transcript.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace zpull::core {
namespace {

class PoolStatusTest : public ::testing::Test {
 protected:
  // ctime strings in zpool status are local time; the fixtures' are UTC.
  void SetUp() override {
    setenv("TZ", "UTC", 1);
    tzset();
  }
  // Whole files: zpool status output has no '#' lines, the headers are skipped
  // by the parser like any other unknown line.
  static std::string Fixture(const std::string& name) {
    std::ifstream in(test::Fixture(name));
    EXPECT_TRUE(in) << name;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static PoolStatus Parse(const std::string& name) {
    auto st = ParsePoolStatus(Fixture(name));
    EXPECT_TRUE(st) << name << ": " << (st ? "" : st.error().message);
    return st ? *st : PoolStatus{};
  }
};

TEST_F(PoolStatusTest, Helpers) {
  EXPECT_EQ(ParseNiceBytes("0B"), 0u);
  EXPECT_EQ(ParseNiceBytes("2K"), 2048u);
  EXPECT_EQ(ParseNiceBytes("3.88M"), 4068475u);
  EXPECT_EQ(ParseNiceBytes("6.90G"), 7408818586u);  // 6.90 * 2^30, rounded
  EXPECT_FALSE(ParseNiceBytes("x"));
  EXPECT_EQ(ParseScanDuration("00:53:44"), 3224);
  EXPECT_EQ(ParseScanDuration("6 days 09:01:02"), 6 * 86400 + 9 * 3600 + 62);
  EXPECT_EQ(ParseScanDuration("1 day 00:00:01"), 86401);
  EXPECT_EQ(ParseScanDuration("0h0m"), 0);
  EXPECT_EQ(ParseScanDuration("50h42m"), 50 * 3600 + 42 * 60);
  EXPECT_EQ(ParseCtime("Fri Nov 27 06:03:38 2026"), 1795759418);
  EXPECT_EQ(ParseCtime("Fri Nov  3 02:42:21 2017"), 1509676941);
  EXPECT_FALSE(ParseCtime("yesterday"));
}

TEST_F(PoolStatusTest, ZfsFuseScrubDone) {
  auto st = Parse("zpool-status-scrub-done.zfs-fuse-0.7.0.txt");
  EXPECT_EQ(st.pool, "t1big");
  EXPECT_EQ(st.state, "ONLINE");
  ASSERT_TRUE(st.scrub);
  EXPECT_EQ(st.scrub->state, ScanState::kFinished);
  EXPECT_EQ(st.scrub->errors, 0u);
  EXPECT_EQ(st.scrub->duration_seconds, 0);
  EXPECT_EQ(st.scrub->end_time, 1795759418);
  EXPECT_EQ(st.data_errors, 0u);
  ASSERT_EQ(st.vdevs.size(), 2u);
  EXPECT_EQ(st.vdevs[0].depth, 0);
  EXPECT_EQ(st.vdevs[1].depth, 1);
}

TEST_F(PoolStatusTest, ZfsFuseScrubStates) {
  auto none = Parse("zpool-status-scrub-none.zfs-fuse-0.7.0.txt");
  ASSERT_TRUE(none.scrub);
  EXPECT_EQ(none.scrub->state, ScanState::kNone);
  auto running = Parse("zpool-status-scrub-inprogress.zfs-fuse-0.7.0.txt");
  ASSERT_TRUE(running.scrub);
  EXPECT_EQ(running.scrub->state, ScanState::kInProgress);
  EXPECT_NEAR(*running.scrub->progress_ratio, 0.5633, 1e-9);
  auto stopped = Parse("zpool-status-scrub-stopped.zfs-fuse-0.7.0.txt");
  EXPECT_EQ(stopped.scrub->state, ScanState::kCanceled);
}

TEST_F(PoolStatusTest, ZfsFuseScrubFoundErrors) {
  auto st = Parse("zpool-status-scrub-errors.zfs-fuse-0.7.0.txt");
  EXPECT_EQ(st.scrub->errors, 8u);
  EXPECT_EQ(st.data_errors, 1u);
  EXPECT_EQ(st.vdevs[0].checksum_errors, 8u);
  EXPECT_EQ(st.vdevs[1].checksum_errors, 16u);
  auto v = Parse("zpool-status-v-permanent-errors.zfs-fuse-0.7.0.txt");
  EXPECT_EQ(v.data_errors, 1u);  // one listed file
}

TEST_F(PoolStatusTest, ZfsFuseMirrorRepaired) {
  auto st = Parse("zpool-status-mirror-repaired.zfs-fuse-0.7.0.txt");
  ASSERT_EQ(st.vdevs.size(), 4u);
  EXPECT_EQ(st.vdevs[1].name, "mirror-0");
  EXPECT_EQ(st.vdevs[2].depth, 2);
  EXPECT_EQ(st.vdevs[2].checksum_errors, 33u);
  EXPECT_EQ(st.vdevs[2].repaired_bytes, ParseNiceBytes("3.88M"));
  EXPECT_EQ(st.ScrubRepairedBytes(), ParseNiceBytes("3.88M"));
  EXPECT_EQ(st.scrub->errors, 0u);
  EXPECT_EQ(st.data_errors, 0u);
}

TEST_F(PoolStatusTest, OpenZfsDoneMultiDayAndDraid) {
  // The 2.4.1 quote: a scrub of more than a day. (The file's second quote is
  // a test-harness log whose lines carry a timestamp prefix: not zpool output.)
  auto st = Parse("zpool-status-scrub-done.openzfs-2.x.txt");
  ASSERT_TRUE(st.scrub);
  EXPECT_EQ(st.pool, "scratch");
  EXPECT_EQ(st.scrub->state, ScanState::kFinished);
  EXPECT_EQ(st.scrub->repaired_bytes, 0u);
  EXPECT_EQ(st.scrub->duration_seconds, 6 * 86400 + 9 * 3600 + 62);
  EXPECT_EQ(st.scrub->end_time, ParseCtime("Sat Mar 14 08:30:28 2026"));
  // The same dRAID lines without the harness prefix: scrub and rebuild both.
  auto draid = ParsePoolStatus(
      "  scan: scrub repaired 2K in 00:00:01 with 0 errors on Fri Mar 13 07:18:28 2026\n"
      "  scan: resilvered (draid1:2d:10c:5s-0) 53.6M in 00:00:00 with 0 errors on Fri Mar 13 07:18:27 2026\n");
  ASSERT_TRUE(draid);
  EXPECT_EQ(draid->scrub->repaired_bytes, 2048u);
  EXPECT_EQ(draid->scrub->duration_seconds, 1);
  ASSERT_TRUE(draid->resilver);
  EXPECT_EQ(draid->resilver->repaired_bytes, ParseNiceBytes("53.6M"));
}

TEST_F(PoolStatusTest, OpenZfsInProgressBothFormats) {
  auto v22 = Parse("zpool-status-scrub-inprogress.openzfs-2.2-manpage.txt");
  ASSERT_TRUE(v22.scrub);
  EXPECT_EQ(v22.scrub->state, ScanState::kInProgress);
  EXPECT_NEAR(*v22.scrub->progress_ratio, 0.1691, 1e-9);
  EXPECT_EQ(v22.scrub->repaired_bytes, 0u);
  EXPECT_TRUE(v22.scrub->start_time);
  auto v21 = Parse("zpool-status-scrub-inprogress.openzfs-2.0-2.1.txt");
  EXPECT_NEAR(*v21.scrub->progress_ratio, 0.0084, 1e-9);
  auto v08 = Parse("zpool-status-scrub-inprogress.zfsonlinux-0.8.0.txt");
  EXPECT_DOUBLE_EQ(*v08.scrub->progress_ratio, 1.0);  // 118068.85% is capped
}

TEST_F(PoolStatusTest, OpenZfsResilverDegradedCanceledLegacy) {
  auto res = Parse("zpool-status-resilvered-with-errors.openzfs-2.x.txt");
  ASSERT_TRUE(res.resilver);
  EXPECT_EQ(res.resilver->errors, 2u);
  EXPECT_EQ(res.resilver->duration_seconds, 53 * 60 + 44);
  EXPECT_FALSE(res.scrub);
  auto deg = Parse("zpool-status-degraded-faulted.openzfs-2.x.txt");
  EXPECT_EQ(deg.state, "DEGRADED");
  ASSERT_GE(deg.vdevs.size(), 3u);
  EXPECT_EQ(deg.vdevs[2].state, "FAULTED");
  EXPECT_EQ(deg.vdevs[2].read_errors, 22u);
  auto canceled = Parse("zpool-status-v-scrub-canceled-permanent-errors.openzfs-2.0.txt");
  EXPECT_EQ(canceled.scrub->state, ScanState::kCanceled);
  EXPECT_GE(canceled.data_errors.value_or(0), 1u);
  auto zol07 = Parse("zpool-status-scrub-repaired.zfsonlinux-0.7.txt");
  EXPECT_EQ(zol07.scrub->repaired_bytes, 192u * 1024);
  EXPECT_EQ(zol07.scrub->duration_seconds, 50 * 3600 + 42 * 60);
}

TEST_F(PoolStatusTest, EveryShippedFixtureParses) {
  for (const char* f : {"zpool-status-degraded-offline.zfs-fuse-0.7.0.txt", "zpool-status-resilver-done.zfs-fuse-0.7.0.txt",
                        "zpool-status-v-deleted-object.zfs-fuse-0.7.0.txt",
                        "zpool-status-v-snapshot-file-error.zfs-fuse-0.7.0.txt",
                        "zpool-status-x-unhealthy.zfs-fuse-0.7.0.txt", "zpool-status-scrub-done.openzfs-2.x.txt"}) {
    auto st = ParsePoolStatus(Fixture(f));
    EXPECT_TRUE(st) << f;
  }
  EXPECT_FALSE(ParsePoolStatus("all pools are healthy\n"));
}

}  // namespace
}  // namespace zpull::core

namespace zpull::core {
namespace {

TEST(ParsePoolStatusJson, CapturedOpenZfs232) {
  const std::string json = test::FixtureText("zpool-status-json.openzfs-2.3.2.txt");
  auto st = ParsePoolStatusJson(json, "srcpool");
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_EQ(st->pool, "srcpool");
  EXPECT_EQ(st->state, "ONLINE");
  ASSERT_TRUE(st->scrub);
  EXPECT_EQ(st->scrub->state, ScanState::kFinished);
  EXPECT_EQ(st->scrub->end_time, 1795764439);
  EXPECT_EQ(st->scrub->duration_seconds, 0);
  EXPECT_EQ(st->scrub->errors, 0u);
  EXPECT_EQ(st->scrub->repaired_bytes, 0u);
  ASSERT_EQ(st->vdevs.size(), 2u);
  EXPECT_EQ(st->vdevs[0].name, "srcpool");
  EXPECT_EQ(st->vdevs[1].name, "/var/tmp/srcpool.img");
  EXPECT_EQ(st->vdevs[1].depth, 1);
  EXPECT_EQ(st->data_errors, 0u);
  EXPECT_FALSE(ParsePoolStatusJson(json, "otherpool"));
  EXPECT_FALSE(ParsePoolStatusJson("{not json", "srcpool"));
}

}  // namespace
}  // namespace zpull::core

namespace zpull::core {
namespace {

// A source's zpool status with numbers that do not fit: the parse fails
// with a message, it does not throw (std::stoull's out_of_range ended
// zpull run from a scrub pass).
TEST(ParsePoolStatus, NumbersThatDoNotFitFailTheParseNotTheProcess) {
  const std::string text =
      "  pool: t1\n state: ONLINE\n scrub: scrub completed after 0h0m with 99999999999999999999999 errors on Fri Nov 27 "
      "06:04:19 2026\nconfig:\n\n\tNAME STATE READ WRITE CKSUM\n\tt1 ONLINE 0 0 0\n\nerrors: No known data errors\n";
  Result<PoolStatus> st;
  ASSERT_NO_THROW(st = ParsePoolStatus(text));
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("unparseable zpool status"), std::string::npos) << st.error().message;
  const std::string counters =
      "  pool: t1\n state: ONLINE\nconfig:\n\n\tNAME STATE READ WRITE CKSUM\n"
      "\tt1 ONLINE 0 0 99999999999999999999999\n\nerrors: No known data errors\n";
  ASSERT_NO_THROW(st = ParsePoolStatus(counters));
}

}  // namespace
}  // namespace zpull::core
