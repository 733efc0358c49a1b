#include "replicate/rate_limit.h"

#include <algorithm>

namespace zpull::replicate {

RateLimit::RateLimit(std::uint64_t bytes_per_second, std::chrono::milliseconds burst)
    : rate_(std::max<std::uint64_t>(bytes_per_second, 1)), burst_(burst) {}

RateLimit::Clock::time_point RateLimit::Reserve(std::uint64_t bytes, Clock::time_point now) {
  std::lock_guard lock(mu_);
  const Clock::time_point start = std::max(next_, now);
  const auto cost = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(static_cast<double>(bytes) / static_cast<double>(rate_)));
  next_ = start + cost;
  // The bytes may go while the schedule runs at most `burst` ahead of now.
  return std::max(now, next_ - burst_);
}

}  // namespace zpull::replicate
