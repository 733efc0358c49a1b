#include "checks/parity.h"

#include <gtest/gtest.h>

#include "tests/support/snapshots.h"

namespace zpull::checks {
namespace {

using test::Snaps;
using V = std::vector<std::string>;

constexpr std::int64_t kNow = 100000;

ParityReport Parity(const std::string& src, std::optional<std::string> dst, replicate::RetentionPolicy p = {}) {
  std::optional<core::SnapshotList> d;
  if (dst) d = Snaps(*dst);
  return ComputeParity(Snaps(src), d, p, kNow, "zp");
}

TEST(Parity, AllReplicated) {
  auto r = Parity("zp_a:1 x:2 zp_b:3", "zp_a:1 x:2 zp_b:3");
  EXPECT_TRUE(r.destination_exists);
  EXPECT_EQ(r.not_replicated, 0u);
  EXPECT_FALSE(r.oldest_not_replicated_creation);
  EXPECT_TRUE(r.holes.empty());
  EXPECT_TRUE(r.guid_mismatches.empty());
  EXPECT_TRUE(r.diverged.empty());
  EXPECT_EQ(r.newest_source_creation, 3000);
  EXPECT_EQ(r.newest_common_creation, 3000);
}

TEST(Parity, NotYetReplicated) {
  auto r = Parity("zp_a:1 zp_b:2 zp_c:3 zp_d:4", "zp_a:1 zp_b:2");
  EXPECT_EQ(r.not_replicated, 2u);
  EXPECT_EQ(r.oldest_not_replicated_creation, 3000);
  EXPECT_EQ(r.newest_common_creation, 2000);
}

TEST(Parity, AbsentDestinationIsAllUnreplicated) {
  auto r = Parity("zp_a:1 zp_b:2", std::nullopt);
  EXPECT_FALSE(r.destination_exists);
  EXPECT_EQ(r.not_replicated, 2u);
  EXPECT_EQ(r.oldest_not_replicated_creation, 1000);
  EXPECT_FALSE(r.newest_common_creation);
}

TEST(Parity, HoleInTheMiddle) {
  auto r = Parity("zp_a:1 zp_b:2 zp_c:3", "zp_a:1 zp_c:3");
  EXPECT_EQ(r.holes, V{"zp_b"});
  EXPECT_EQ(r.not_replicated, 0u);
}

TEST(Parity, PrunedByPolicyIsNotAHole) {
  replicate::RetentionPolicy keep2;
  keep2.keep_last = 2;
  // keep_last 2 would keep zp_c and zp_d: missing zp_b was pruned by policy,
  // missing zp_c is a hole.
  auto r = Parity("zp_a:1 zp_b:2 zp_c:3 zp_d:4", "zp_a:1 zp_d:4", keep2);
  EXPECT_EQ(r.holes, V{"zp_c"});
  // A foreign snapshot is never pruned by default, so missing it is a hole.
  auto f = Parity("zp_a:1 sanoid:2 zp_c:3", "zp_a:1 zp_c:3", keep2);
  EXPECT_EQ(f.holes, V{"sanoid"});
}

TEST(Parity, OlderThanTheOldestDestinationSnapshotIsNotAHole) {
  auto r = Parity("zp_a:1 zp_b:2 zp_c:3", "zp_b:2 zp_c:3");
  EXPECT_TRUE(r.holes.empty());
}

TEST(Parity, GuidMismatch) {
  auto r = Parity("zp_a:1 zp_b:2 zp_c:3", "zp_a:1 zp_b:22 zp_c:3");
  EXPECT_EQ(r.guid_mismatches, V{"zp_b"});
  EXPECT_EQ(r.holes, V{"zp_b"});  // the source's zp_b is not on the destination either
  EXPECT_TRUE(r.diverged.empty());
}

TEST(Parity, Diverged) {
  auto r = Parity("zp_a:1 zp_b:2", "zp_a:1 zp_b:2 local:9");
  EXPECT_EQ(r.diverged, V{"local"});
  auto none = Parity("zp_a:1", "x:8 y:9");
  EXPECT_EQ(none.diverged, (V{"x", "y"}));
  EXPECT_EQ(none.not_replicated, 1u);
}

}  // namespace
}  // namespace zpull::checks
