#pragma once
// A bandwidth limit shared by the transfers that pass through it (one per
// dataset, one global): each reservation of n bytes is scheduled after the
// ones before it at `bytes_per_second`, so concurrent transfers split the
// rate between them. Thread-safe.

#include <chrono>
#include <cstdint>
#include <mutex>

namespace zpull::replicate {

class RateLimit {
 public:
  using Clock = std::chrono::steady_clock;
  // Transfers may run up to `burst` ahead of the schedule (so small reads
  // do not each wait).
  explicit RateLimit(std::uint64_t bytes_per_second,
                     std::chrono::milliseconds burst = std::chrono::milliseconds(250));
  // Accounts `bytes` just moved and returns until when the caller must pause
  // before moving more.
  Clock::time_point Reserve(std::uint64_t bytes, Clock::time_point now = Clock::now());
  std::uint64_t bytes_per_second() const { return rate_; }

 private:
  const std::uint64_t rate_;
  const Clock::duration burst_;
  std::mutex mu_;
  Clock::time_point next_{};  // guarded by mu_: when the next reservation may start
};

}  // namespace zpull::replicate
