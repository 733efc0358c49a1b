#include "exporter/progress.h"

#include <gtest/gtest.h>

namespace zpull::exporter {
namespace {

TEST(ProgressLines, OnlyRunningCyclesAlignedByName) {
  ReplicationMetrics::View idle, slow, estimated;
  slow.in_progress = true;
  slow.last_attempt = 90;
  slow.cycle_bytes = 10 * 1024 * 1024;
  estimated.in_progress = true;
  estimated.last_attempt = 95;
  estimated.cycle_bytes = 1024 * 1024;
  estimated.expected_bytes = 4 * 1024 * 1024;
  auto lines = ProgressLines(100, {"backup/idle", "backup/slow", "b/e"}, {idle, slow, estimated});
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "backup/slow  10.0 MiB at 1.0 MiB/s");
  EXPECT_EQ(lines[1], "b/e          1.0 MiB / 4.0 MiB 25% at 204.8 KiB/s, ETA 15s");
  EXPECT_TRUE(ProgressLines(100, {"a"}, {idle}).empty());
}

}  // namespace
}  // namespace zpull::exporter
