#pragma once
// The sending side of the relay: stream bytes from a `zfs send` process,
// decompressed on the fly when the source compresses the wire with zstd
// (`compress: zstd`). Counts wire bytes (as received) apart from stream
// bytes (as `zfs receive` gets them). One owner; not thread-safe.

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/runner.h"

namespace zpull::replicate {

class StreamReader {
 public:
  StreamReader(core::Process& sender, bool zstd);
  ~StreamReader();
  StreamReader(const StreamReader&) = delete;
  StreamReader& operator=(const StreamReader&) = delete;

  // Like Process::ReadFor, in stream bytes. A zstd wire that ends inside a
  // frame, or that does not decode, fails with reason stream_corrupt.
  core::Result<core::ReadChunk> ReadFor(std::span<char> out, std::chrono::milliseconds wait);
  // Wire bytes received by the last ReadFor (what bandwidth limits count).
  std::uint64_t last_wire_bytes() const { return last_wire_; }

 private:
  core::Result<core::ReadChunk> Decompress(std::span<char> out, bool wire_ended);

  core::Process& sender_;
  struct Zstd;
  std::unique_ptr<Zstd> zstd_;  // null: the wire is the stream
  std::vector<char> wire_;      // compressed input not yet decoded: [wire_pos_, wire_have_)
  std::size_t wire_pos_ = 0, wire_have_ = 0;
  bool wire_ended_ = false;
  std::uint64_t last_wire_ = 0;
};

}  // namespace zpull::replicate
