#include "checks/scratch_clone.h"

#include <cstdint>
#include <mutex>
#include <random>

namespace zpull::checks {

std::string ScratchName(const std::string& prefix) {
  static std::mutex mu;
  static std::random_device entropy;
  std::uint64_t v;
  {
    std::lock_guard lock(mu);
    v = (std::uint64_t{entropy()} << 32) ^ entropy();
  }
  static const char* kHex = "0123456789abcdef";
  std::string hex(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) hex[static_cast<std::size_t>(i)] = kHex[v & 15];
  return prefix + "_" + hex;
}

core::Status ScratchClone::Destroy() {
  if (destroyed_) return {};
  auto s = zfs_.DestroyFilesystem(name_);
  if (s) destroyed_ = true;
  return s;
}

}  // namespace zpull::checks
