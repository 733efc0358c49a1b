#include "checks/parity_check.h"

#include <gtest/gtest.h>

#include "core/fake_zfs.h"
#include "replicate/transfer.h"

namespace zpull::checks {
namespace {

using core::DatasetName;

TEST(RunParityPass, OneListingPerHostAndWrittenWhereSupported) {
  std::int64_t now = 1000;
  core::FakeZfs src("web1", [&] { return now; }), dst("local", [&] { return now; });
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
  ASSERT_TRUE(r[1].report);
  EXPECT_FALSE(r[1].report->destination_exists);
  EXPECT_FALSE(r[1].report->destination_written);
  ASSERT_FALSE(r[2].report);
  EXPECT_EQ(r[2].report.error().reason, core::Reason::kSourceMissing);

  auto without = RunParityPass(src, dst, targets, now, /*destination_written=*/false);
  EXPECT_FALSE(without[0].report->destination_written);
}

}  // namespace
}  // namespace zpull::checks
