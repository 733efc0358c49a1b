#pragma once
// SHA-256 (FIPS 180-4), libc only: the static guard hashes a drill's files
// itself, through the descriptor it checked (core/beneath.h), instead of
// handing names to sha256sum, which would open them anew.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace zpull::core {

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, std::size_t n);
  // The digest as 64 lowercase hex digits; the object is spent.
  std::string HexDigest();

 private:
  void Block(const std::uint8_t* p);
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t used_ = 0;
  std::uint64_t bits_ = 0;
};

// The SHA-256 of what is left to read from `fd` (closed by the caller), or
// the errno of a failed read.
struct FileHash {
  std::string hex;
  int error = 0;
};
FileHash HashDescriptor(int fd);

}  // namespace zpull::core
