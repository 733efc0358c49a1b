#include "core/lock_file.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>

#include "core/local_runner.h"

namespace zpull::core {
namespace {

TEST(LockFile, ExclusiveUntilReleased) {
  const std::string path = "/tmp/zpull-lock-test-" + std::to_string(::getpid()) + "/sub/x.lock";
  {
    auto a = LockFile::TryAcquire(path);
    ASSERT_TRUE(a) << a.error().message;
    auto b = LockFile::TryAcquire(path);  // another open file description: refused
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error().reason, Reason::kLockBusy);
    EXPECT_NE(b.error().message.find(path), std::string::npos);
    // Another process is refused too (flock(1) from util-linux).
    LocalRunner r;
    auto other = r.Run({"flock", "-n", path, "true"});
    ASSERT_TRUE(other);
    EXPECT_NE(other->exit_code, 0);
    LockFile moved = std::move(*a);  // ownership moves; still held
    EXPECT_FALSE(LockFile::TryAcquire(path));
  }
  EXPECT_TRUE(LockFile::TryAcquire(path));  // released with its owner
  std::filesystem::remove_all("/tmp/zpull-lock-test-" + std::to_string(::getpid()));
}

}  // namespace
}  // namespace zpull::core
