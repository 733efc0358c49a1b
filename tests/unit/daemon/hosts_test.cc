#include "daemon/hosts.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "tests/support/fake_zfs.h"

namespace zpull::daemon {
namespace {

using core::DatasetName;

// Counts what a feature lookup asks of the host.
class CountingZfs : public test::FakeZfs {
 public:
  using FakeZfs::FakeZfs;
  core::Result<core::ZfsFeatures> Probe(const DatasetName& pool) override {
    ++probes;
    auto f = FakeZfs::Probe(pool);
    if (f) f->pool_found = pool_found;
    return f;
  }
  core::Result<std::string> Fingerprint() override {
    ++fingerprints;
    return FakeZfs::Fingerprint();
  }
  int probes = 0, fingerprints = 0;
  bool pool_found = true;
};

class HostsTest : public ::testing::Test {
 protected:
  HostsTest() : dir_(::testing::TempDir() + "zpull-hosts-test-" + std::to_string(::getpid())) {
    std::filesystem::remove_all(dir_);
    core::ZfsFeatures f{"zfs-2.3.2", true};
    f.written = true;
    dst_.SetFeatures(f);
  }
  ~HostsTest() override { std::filesystem::remove_all(dir_); }
  const DatasetName pool_ = DatasetName::Parse("backup").value();
  std::string dir_;
  CountingZfs dst_{"local", [] { return 0; }};
};

// A later process (another Hosts) finds the features on disk: one
// fingerprint, no probe; without a cache directory a light lookup probes
// nothing and knows nothing.
TEST_F(HostsTest, ProbedOnceThenFoundOnDisk) {
  {
    Hosts first({}, &dst_, dir_);
    ASSERT_TRUE(first.DestinationFeatures(pool_));
    EXPECT_TRUE(first.DestinationFeatures(pool_)->written);
  }
  EXPECT_EQ(dst_.probes, 1);
  Hosts second({}, &dst_, dir_);
  auto known = second.KnownDestinationFeatures(pool_);
  ASSERT_TRUE(known);
  EXPECT_TRUE(known->written);
  EXPECT_EQ(dst_.probes, 1);
  Hosts bare({}, &dst_);
  EXPECT_FALSE(bare.KnownDestinationFeatures(pool_));
  EXPECT_EQ(dst_.probes, 1);
}

TEST_F(HostsTest, AnotherVersionIsProbedAgain) {
  ASSERT_TRUE(Hosts({}, &dst_, dir_).DestinationFeatures(pool_));
  dst_.SetFeatures(core::ZfsFeatures{"zfs-2.3.3", true});
  EXPECT_FALSE(Hosts({}, &dst_, dir_).KnownDestinationFeatures(pool_));
  ASSERT_TRUE(Hosts({}, &dst_, dir_).DestinationFeatures(pool_));
  EXPECT_EQ(dst_.probes, 2);
  EXPECT_TRUE(Hosts({}, &dst_, dir_).KnownDestinationFeatures(pool_));
}

TEST_F(HostsTest, AProbeWithoutItsPoolIsNotKeptOnDisk) {
  dst_.pool_found = false;
  ASSERT_TRUE(Hosts({}, &dst_, dir_).DestinationFeatures(pool_));
  EXPECT_FALSE(Hosts({}, &dst_, dir_).KnownDestinationFeatures(pool_));
}

}  // namespace
}  // namespace zpull::daemon
