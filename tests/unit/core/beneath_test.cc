#include "core/beneath.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

namespace zpull::core {
namespace {

namespace fs = std::filesystem;

// A tree as a hostile source could make it: a file, a directory, links
// out (absolute, relative, through a directory link) and a FIFO.
class BeneathTest : public ::testing::TestWithParam<BeneathMode> {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("zpull-beneath-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(base_ / "root/dir");
    fs::create_directories(base_ / "outside");
    std::ofstream(base_ / "root/file") << "in";
    std::ofstream(base_ / "root/dir/inner") << "in";
    std::ofstream(base_ / "outside/secret") << "out";
    fs::create_symlink("/etc", base_ / "root/abs");
    fs::create_symlink("../outside/secret", base_ / "root/rel");
    fs::create_symlink("../outside", base_ / "root/dirlink");
    fs::create_symlink("dir/inner", base_ / "root/inlink");  // even one that stays inside
    ASSERT_EQ(::mkfifo((base_ / "root/fifo").c_str(), 0600), 0);
    root_ = ::open((base_ / "root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(root_, 0);
  }
  void TearDown() override {
    if (root_ >= 0) ::close(root_);
    fs::remove_all(base_);
  }
  std::string Read(const std::string& path) {
    int fd = OpenBeneath(root_, path, O_RDONLY, GetParam());
    if (fd < 0) return "errno " + std::to_string(errno);
    char buf[16] = {};
    auto n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  }
  fs::path base_;
  int root_ = -1;
};

TEST_P(BeneathTest, ReadsOnlyBeneathAndNeverThroughALink) {
  EXPECT_EQ(Read("file"), "in");
  EXPECT_EQ(Read("dir/inner"), "in");
  for (const char* escape : {"abs/hostname", "rel", "dirlink/secret", "inlink", "../outside/secret", "dir/../file",
                             "./file", "/etc/hostname", "dir//inner", ""}) {
    EXPECT_EQ(Read(escape).rfind("errno ", 0), 0u) << escape << " was read: " << Read(escape);
  }
}

TEST_P(BeneathTest, KindsWithoutOpeningForReading) {
  EXPECT_EQ(KindBeneath(root_, "file", GetParam()), FileKind::kRegular);
  EXPECT_EQ(KindBeneath(root_, "dir", GetParam()), FileKind::kDirectory);
  EXPECT_EQ(KindBeneath(root_, "fifo", GetParam()), FileKind::kFifo) << "and did not block";
  EXPECT_EQ(KindBeneath(root_, "abs", GetParam()), FileKind::kSymlink);
  EXPECT_EQ(KindBeneath(root_, "inlink", GetParam()), FileKind::kSymlink);
  EXPECT_EQ(KindBeneath(root_, "dirlink/secret", GetParam()), FileKind::kSymlink) << "a link as a directory";
  EXPECT_EQ(KindBeneath(root_, "abs/hostname", GetParam()), FileKind::kSymlink);
  EXPECT_EQ(KindBeneath(root_, "nope", GetParam()), FileKind::kMissing);
  EXPECT_EQ(KindBeneath(root_, "dir/nope", GetParam()), FileKind::kMissing);
  EXPECT_EQ(KindBeneath(root_, "../outside", GetParam()), FileKind::kOther);
}

INSTANTIATE_TEST_SUITE_P(Modes, BeneathTest, ::testing::Values(BeneathMode::kAuto, BeneathMode::kWalk),
                         [](const auto& p) { return p.param == BeneathMode::kAuto ? "openat2" : "walk"; });

TEST(PlainRelativePath, OnlyPlainNames) {
  EXPECT_TRUE(PlainRelativePath("a"));
  EXPECT_TRUE(PlainRelativePath("a/b c/d.txt"));
  EXPECT_TRUE(PlainRelativePath("..a/b.."));
  for (const char* bad : {"", "/a", "a/", "a//b", "./a", "a/./b", "a/..", "..", "."}) {
    EXPECT_FALSE(PlainRelativePath(bad)) << bad;
  }
  EXPECT_FALSE(PlainRelativePath(std::string_view("a\0b", 3)));
}

}  // namespace
}  // namespace zpull::core

#include "core/sha256.h"

namespace zpull::core {
namespace {

TEST(Sha256, FipsVectors) {
  auto hash = [](const std::string& s) {
    Sha256 h;
    h.Update(s.data(), s.size());
    return h.HexDigest();
  };
  EXPECT_EQ(hash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256 million;
  const std::string a(1000, 'a');
  for (int i = 0; i < 1000; ++i) million.Update(a.data(), a.size());
  EXPECT_EQ(million.HexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

}  // namespace
}  // namespace zpull::core
