#include "core/copy_out.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace zpull::core {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A snapshot's tree as a hostile source could make it, and a directory to
// restore into.
class CopyOutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("zpull-copy-out-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(base_ / "root/home/alice/docs");
    fs::create_directories(base_ / "into");
    fs::create_directories(base_ / "elsewhere");
    std::ofstream(base_ / "root/home/alice/notes.txt") << "dear diary";
    std::ofstream(base_ / "root/home/alice/docs/a.txt") << "a";
    std::ofstream(base_ / "root/home/alice/suid") << "#!/bin/sh\n";
    ::chmod((base_ / "root/home/alice/suid").c_str(), 04755);
    ::chmod((base_ / "root/home/alice/notes.txt").c_str(), 0640);
    const struct timespec times[2] = {{1700000000, 0}, {1600000000, 0}};
    ::utimensat(AT_FDCWD, (base_ / "root/home/alice/notes.txt").c_str(), times, 0);
    fs::create_symlink("/etc/passwd", base_ / "root/home/alice/passwd");
    fs::create_symlink("/etc", base_ / "root/home/etc");
    ASSERT_EQ(::mkfifo((base_ / "root/home/alice/pipe").c_str(), 0600), 0);
    root_ = ::open((base_ / "root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(root_, 0);
  }
  void TearDown() override {
    if (root_ >= 0) ::close(root_);
    fs::remove_all(base_);
  }
  Result<CopyReport> Copy(const std::string& path, CopyOptions o = {}) {
    return CopyOut(root_, path, (base_ / "into").string(), o);
  }
  fs::path base_;
  int root_ = -1;
};

TEST_F(CopyOutTest, AFileWithItsModeAndTimes) {
  auto r = Copy("home/alice/notes.txt");
  ASSERT_TRUE(r) << r.error().message;
  struct stat st {};  // (before reading it, which moves its atime)
  ASSERT_EQ(::stat((base_ / "into/notes.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1600000000);
  EXPECT_EQ(st.st_atim.tv_sec, 1700000000);
  EXPECT_EQ(Read(base_ / "into/notes.txt"), "dear diary");
  EXPECT_EQ(r->files, 1u);
  EXPECT_EQ(r->bytes, 10u);
  ASSERT_EQ(r->entries.size(), 1u);
  EXPECT_EQ(r->entries[0].path, "notes.txt");
}

TEST_F(CopyOutTest, ASetuidFileComesWithoutTheBit) {
  auto r = Copy("home/alice/suid");
  ASSERT_TRUE(r) << r.error().message;
  struct stat st {};
  ASSERT_EQ(::stat((base_ / "into/suid").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(r->setid_dropped, 1u);
  EXPECT_TRUE(r->entries[0].setid_dropped);
}

TEST_F(CopyOutTest, ASymlinkOutIsCopiedAsALinkNeverRead) {
  auto r = Copy("home/alice/passwd");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(fs::is_symlink(base_ / "into/passwd"));
  EXPECT_EQ(fs::read_symlink(base_ / "into/passwd"), "/etc/passwd");
  EXPECT_EQ(r->symlinks, 1u);
  EXPECT_EQ(r->bytes, 0u);
}

TEST_F(CopyOutTest, APathThroughASymlinkIsRefused) {
  auto r = Copy("home/etc/passwd");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, Reason::kConfig);
  EXPECT_NE(r.error().message.find("a component is a symlink"), std::string::npos) << r.error().message;
  EXPECT_FALSE(fs::exists(base_ / "into/passwd"));
}

TEST_F(CopyOutTest, AFifoIsRefusedAtTheTopAndLeftOutOfATree) {
  auto r = Copy("home/alice/pipe");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "home/alice/pipe is a FIFO: only files, directories and symlinks are restored");
  EXPECT_TRUE(fs::is_empty(base_ / "into"));

  r = Copy("home/alice");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->refused, 1u);
  EXPECT_FALSE(fs::exists(base_ / "into/alice/pipe"));
  EXPECT_EQ(Read(base_ / "into/alice/docs/a.txt"), "a");
  EXPECT_EQ(Read(base_ / "into/alice/notes.txt"), "dear diary");
  EXPECT_TRUE(fs::is_symlink(base_ / "into/alice/passwd"));
  EXPECT_EQ(r->files, 3u);
  EXPECT_EQ(r->directories, 2u);
  EXPECT_EQ(r->entries.back().path, "alice") << "a directory after its contents";
}

TEST_F(CopyOutTest, AnExistingTargetIsReplacedOnlyWithOverwrite) {
  std::ofstream(base_ / "into/notes.txt") << "today's";
  auto r = Copy("home/alice/notes.txt");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("into/notes.txt exists (--overwrite replaces it)"), std::string::npos);
  EXPECT_EQ(Read(base_ / "into/notes.txt"), "today's");
  r = Copy("home/alice/notes.txt", {.overwrite = true});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(Read(base_ / "into/notes.txt"), "dear diary");
  for (const auto& e : fs::directory_iterator(base_ / "into")) {
    EXPECT_EQ(e.path().filename(), "notes.txt") << "a temporary file left";
  }
}

TEST_F(CopyOutTest, OverwriteNeverWritesThroughATargetSymlink) {
  fs::create_symlink(base_ / "elsewhere", base_ / "into/alice");
  auto r = Copy("home/alice", {.overwrite = true});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("exists and is not a directory"), std::string::npos) << r.error().message;
  EXPECT_TRUE(fs::is_empty(base_ / "elsewhere"));
}

TEST_F(CopyOutTest, AReadOnlyDirectoryIsFilledThenClosed) {
  ::chmod((base_ / "root/home/alice/docs").c_str(), 0555);
  auto r = Copy("home/alice/docs");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(Read(base_ / "into/docs/a.txt"), "a");
  struct stat st {};
  ASSERT_EQ(::stat((base_ / "into/docs").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0555u);
  ::chmod((base_ / "into/docs").c_str(), 0755);
}

TEST_F(CopyOutTest, CancelledItStopsAndLeavesNoHalfFile) {
  std::atomic<bool> stop{true};
  CopyReport partial;
  auto r = CopyOut(root_, "home/alice", (base_ / "into").string(), {.cancel = &stop}, &partial);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, Reason::kShutdown);
  EXPECT_EQ(partial.files, 0u);
  if (fs::exists(base_ / "into/alice")) {
    for (const auto& e : fs::recursive_directory_iterator(base_ / "into/alice")) {
      EXPECT_TRUE(e.is_directory()) << e.path();
    }
  }
}

TEST_F(CopyOutTest, HardLinksAreLinkedNotCopiedAgainAndStickyStays) {
  ASSERT_EQ(::link((base_ / "root/home/alice/docs/a.txt").c_str(), (base_ / "root/home/alice/docs/b.txt").c_str()), 0);
  ::chmod((base_ / "root/home/alice/docs").c_str(), 01777);
  auto r = Copy("home/alice/docs");
  ASSERT_TRUE(r) << r.error().message;
  struct stat a {}, b {}, d {};
  ASSERT_EQ(::stat((base_ / "into/docs/a.txt").c_str(), &a), 0);
  ASSERT_EQ(::stat((base_ / "into/docs/b.txt").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino) << "one copy, two names";
  EXPECT_EQ(r->bytes, 1u) << "the data once";
  ASSERT_EQ(::stat((base_ / "into/docs").c_str(), &d), 0);
  EXPECT_EQ(d.st_mode & 07777, 01777u) << "a world-writable directory keeps its sticky bit";
  ::chmod((base_ / "root/home/alice/docs").c_str(), 0755);
}

TEST_F(CopyOutTest, AMissingPathIsNamed) {
  auto r = Copy("home/bob/x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "home/bob/x: no such file or directory in the snapshot");
}

TEST(NormalizeBeneathPath, WhatAUserMeans) {
  EXPECT_EQ(NormalizeBeneathPath("/home/alice/x/"), "home/alice/x");
  EXPECT_EQ(NormalizeBeneathPath("./home//alice/x"), "home/alice/x");
  EXPECT_EQ(NormalizeBeneathPath("x"), "x");
  EXPECT_FALSE(NormalizeBeneathPath("/"));
  EXPECT_FALSE(NormalizeBeneathPath(""));
  EXPECT_FALSE(NormalizeBeneathPath("home/../etc"));
}

}  // namespace
}  // namespace zpull::core
