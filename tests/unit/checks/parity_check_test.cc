#include "checks/parity_check.h"

#include <gtest/gtest.h>

#include "tests/support/fake_zfs.h"
#include "replicate/cycle.h"
#include "replicate/transfer.h"

namespace zpull::checks {
namespace {

using core::DatasetName;

TEST(RunParityPass, OneListingPerHostAndWrittenWhereSupported) {
  std::int64_t now = 1000;
  test::FakeZfs src("web1", [&] { return now; }), dst("local", [&] { return now; });
  core::ZfsFeatures f;
  f.recv_unmounted = true;
  f.written = true;
  dst.SetFeatures(f);
  src.CreateFilesystem("tank/a");
  src.CreateFilesystem("tank/b");
  dst.CreateFilesystem("backup");
  auto a = DatasetName::Parse("tank/a").value(), b = DatasetName::Parse("tank/b").value();
  auto ba = DatasetName::Parse("backup/a").value(), bb = DatasetName::Parse("backup/b").value();
  ASSERT_TRUE(src.CreateSnapshot(a, "zp_1"));
  ASSERT_TRUE(replicate::RunTransfer(src, {a, "zp_1", std::nullopt, true}, dst, {ba, true, false, false}, {}));
  ASSERT_TRUE(src.CreateSnapshot(a, "zp_2"));
  dst.MarkModified("backup/a");

  std::vector<ParityTarget> targets = {{"backup/a", a, ba, {}, "zp"}, {"backup/b", b, bb, {}, "zp"},
                                       {"backup/c", DatasetName::Parse("tank/gone").value(),
                                        DatasetName::Parse("backup/c").value(), {}, "zp"}};
  auto r = RunParityPass(src, dst, targets, now, /*destination_written=*/true);
  ASSERT_EQ(r.size(), 3u);
  ASSERT_TRUE(r[0].report) << r[0].report.error().message;
  EXPECT_EQ(r[0].report->not_replicated, 1u);
  EXPECT_EQ(r[0].report->destination_written, 4096u);
  // Each side's space came with its listing (fake: 512 bytes per snapshot).
  EXPECT_EQ(r[0].space.source_snapshots_used, 1024u);
  EXPECT_EQ(r[0].space.destination_snapshots_used, 512u);
  EXPECT_EQ(r[0].space.source_used, 1024u * 3 + 1024u);
  EXPECT_FALSE(r[0].space.source_written) << "not asked for";
  ASSERT_TRUE(r[1].report);
  EXPECT_FALSE(r[1].report->destination_exists);
  EXPECT_FALSE(r[1].report->destination_written);
  ASSERT_FALSE(r[2].report);
  EXPECT_EQ(r[2].report.error().reason, core::Reason::kSourceMissing);

  auto without = RunParityPass(src, dst, targets, now, /*destination_written=*/false);
  EXPECT_FALSE(without[0].report->destination_written);
}

TEST(RunParityPass, SnapshotsLeftOutOnPurposeAreNeitherMissingNorHoles) {
  std::int64_t now = 1000;
  test::FakeZfs src("web1", [&] { return now; }), dst("local", [&] { return now; });
  src.CreateFilesystem("tank/a");
  dst.CreateFilesystem("backup");
  auto a = DatasetName::Parse("tank/a").value(), ba = DatasetName::Parse("backup/a").value();
  replicate::CycleEnv env{src, dst, core::ZfsFeatures{"fake", true}, [&] { return now; }, {}, {}};
  replicate::DatasetJob job{a, ba, "zp"};
  job.take_snapshot = false;
  job.options.snapshots.exclude = {"*_hourly"};
  ASSERT_TRUE(src.CreateSnapshot(a, "d1_daily"));
  ASSERT_TRUE(replicate::RunCycle(env, job).ok());
  for (const char* s : {"h1_hourly", "d2_daily", "h2_hourly"}) {
    now += 3600;
    ASSERT_TRUE(src.CreateSnapshot(a, s));
  }
  ASSERT_TRUE(replicate::RunCycle(env, job).ok());
  ParityTarget filtered{"backup/a", a, ba, {}, "zp", job.options.snapshots};
  auto r = RunParityPass(src, dst, {filtered}, now);
  ASSERT_TRUE(r[0].report) << r[0].report.error().message;
  EXPECT_EQ(r[0].report->not_replicated, 0u);
  EXPECT_TRUE(r[0].report->holes.empty());
  // Without the filter the same replica shows the left-out ones.
  ParityTarget unfiltered{"backup/a", a, ba, {}, "zp"};
  auto u = RunParityPass(src, dst, {unfiltered}, now);
  ASSERT_TRUE(u[0].report);
  EXPECT_EQ(u[0].report->holes, std::vector<std::string>{"h1_hourly"});
  EXPECT_EQ(u[0].report->not_replicated, 1u);  // h2_hourly
}

}  // namespace
}  // namespace zpull::checks
