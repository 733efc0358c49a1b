#pragma once
// An exclusive, non-blocking advisory lock on a file (flock), held for the
// object's lifetime: one owner, released when destroyed (or when the
// process dies, so a crash never leaves a stale lock behind).

#include <cstdint>
#include <string>

#include "core/result.h"

namespace zpull::core {

class LockFile {
 public:
  // Creates the file (and its directory) if needed. Fails with reason
  // lock_busy when another holder has it.
  static Result<LockFile> TryAcquire(const std::string& path);
  LockFile(LockFile&& other) noexcept;
  LockFile& operator=(LockFile&& other) noexcept;
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;
  ~LockFile();

  // A holder that changed what the lock guards marks it so before it lets
  // go; the next holder learns when (Unix nanoseconds: 0 for a file never
  // held, the largest value where it cannot be read).
  void MarkChanged();
  std::int64_t LastChange() const;

 private:
  explicit LockFile(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace zpull::core
