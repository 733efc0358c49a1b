#include "exporter/textfile.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace zpull::exporter {
namespace {

const char* kPrevious =
    "# HELP zpull_replication_runs_total Runs.\n"
    "# TYPE zpull_replication_runs_total counter\n"
    "zpull_replication_runs_total{dataset=\"backup/vm images\"} 5\n"
    "zpull_replication_runs_total{dataset=\"backup/gone\"} 9\n"
    "# TYPE zpull_replication_duration_seconds histogram\n"
    "zpull_replication_duration_seconds_bucket{dataset=\"backup/vm images\",le=\"60\"} 4\n"
    "zpull_replication_duration_seconds_sum{dataset=\"backup/vm images\"} 100.5\n"
    "zpull_replication_duration_seconds_count{dataset=\"backup/vm images\"} 5\n"
    "# TYPE zpull_replication_last_success_timestamp_seconds gauge\n"
    "zpull_replication_last_success_timestamp_seconds{dataset=\"backup/vm images\"} 1000\n";

const char* kCurrent =
    "# HELP zpull_replication_runs_total Runs.\n"
    "# TYPE zpull_replication_runs_total counter\n"
    "zpull_replication_runs_total{dataset=\"backup/vm images\"} 1\n"
    "zpull_replication_runs_total{dataset=\"backup/new\"} 1\n"
    "# TYPE zpull_replication_duration_seconds histogram\n"
    "zpull_replication_duration_seconds_bucket{dataset=\"backup/vm images\",le=\"60\"} 1\n"
    "zpull_replication_duration_seconds_sum{dataset=\"backup/vm images\"} 2.25\n"
    "zpull_replication_duration_seconds_count{dataset=\"backup/vm images\"} 1\n"
    "# TYPE zpull_replication_last_success_timestamp_seconds gauge\n"
    "zpull_replication_last_success_timestamp_seconds{dataset=\"backup/vm images\"} 2000\n"
    "# TYPE zpull_replication_lag_seconds gauge\n"
    "zpull_replication_lag_seconds{dataset=\"backup/vm images\"} 30\n";

TEST(Textfile, CountersAndHistogramsCarryForwardGaugesDoNot) {
  const std::string out = CarryForwardCounters(kPrevious, kCurrent);
  EXPECT_NE(out.find("zpull_replication_runs_total{dataset=\"backup/vm images\"} 6\n"), std::string::npos) << out;
  EXPECT_NE(out.find("zpull_replication_runs_total{dataset=\"backup/new\"} 1\n"), std::string::npos);
  EXPECT_EQ(out.find("backup/gone"), std::string::npos);  // no longer configured: dropped
  EXPECT_NE(out.find("_bucket{dataset=\"backup/vm images\",le=\"60\"} 5\n"), std::string::npos);
  EXPECT_NE(out.find("_sum{dataset=\"backup/vm images\"} 102.75\n"), std::string::npos);
  EXPECT_NE(out.find("_count{dataset=\"backup/vm images\"} 6\n"), std::string::npos);
  EXPECT_NE(out.find("last_success_timestamp_seconds{dataset=\"backup/vm images\"} 2000\n"), std::string::npos);
  // No previous file: unchanged.
  EXPECT_EQ(CarryForwardCounters("", kCurrent), kCurrent);
  // A garbage previous file is ignored rather than trusted.
  EXPECT_EQ(CarryForwardCounters("zpull_replication_runs_total{x} notanumber\n", kCurrent), kCurrent);
}

// A counter by reason appears at its first count: a reason counted by an
// earlier run but not by this one stays in its family, unchanged.
TEST(Textfile, ACounterThisRunDidNotCountIsKept) {
  const std::string previous =
      "# HELP zpull_replication_failures_total F.\n# TYPE zpull_replication_failures_total counter\n"
      "zpull_replication_failures_total{dataset=\"backup/a\",reason=\"network\"} 3\n"
      "zpull_replication_failures_total{dataset=\"backup/gone\",reason=\"network\"} 1\n"
      "zpull_replication_failures_total{dataset=\"backup/a\",reason=\"other\"} 0\n"
      "# HELP zpull_replication_runs_total R.\n# TYPE zpull_replication_runs_total counter\n"
      "zpull_replication_runs_total{dataset=\"backup/a\"} 3\n";
  const std::string current =
      "# HELP zpull_replication_failures_total F.\n# TYPE zpull_replication_failures_total counter\n"
      "zpull_replication_failures_total{dataset=\"backup/a\",reason=\"auth\"} 1\n"
      "# HELP zpull_replication_runs_total R.\n# TYPE zpull_replication_runs_total counter\n"
      "zpull_replication_runs_total{dataset=\"backup/a\"} 1\n";
  EXPECT_EQ(CarryForwardCounters(previous, current),
            "# HELP zpull_replication_failures_total F.\n# TYPE zpull_replication_failures_total counter\n"
            "zpull_replication_failures_total{dataset=\"backup/a\",reason=\"auth\"} 1\n"
            "zpull_replication_failures_total{dataset=\"backup/a\",reason=\"network\"} 3\n"
            "# HELP zpull_replication_runs_total R.\n# TYPE zpull_replication_runs_total counter\n"
            "zpull_replication_runs_total{dataset=\"backup/a\"} 4\n");
}

TEST(Textfile, DropsAFamily) {
  const std::string out = WithoutFamily(kCurrent, "zpull_replication_lag_seconds");
  EXPECT_EQ(out.find("lag_seconds"), std::string::npos) << out;
  EXPECT_NE(out.find("zpull_replication_runs_total{dataset=\"backup/new\"} 1\n"), std::string::npos);
}

TEST(Textfile, WritesAtomically) {
  char dir[] = "/tmp/zpull-textfile-XXXXXX";
  ASSERT_TRUE(::mkdtemp(dir));
  const std::string path = std::string(dir) + "/zpull.prom";
  ASSERT_TRUE(WriteFileAtomically(path, "a 1\n"));
  ASSERT_TRUE(WriteFileAtomically(path, "a 2\n"));
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_EQ(s.str(), "a 2\n");
  auto bad = WriteFileAtomically(std::string(dir) + "/missing/zpull.prom", "x");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("cannot write"), std::string::npos);
  std::remove(path.c_str());
  ::rmdir(dir);
}

}  // namespace
}  // namespace zpull::exporter
