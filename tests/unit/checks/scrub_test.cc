#include "checks/scrub.h"

#include <gtest/gtest.h>

namespace zpull::checks {
namespace {

core::PoolStatus WithScrub(core::ScanState state, std::optional<std::int64_t> end) {
  core::PoolStatus st;
  st.scrub = core::ScanInfo{};
  st.scrub->state = state;
  st.scrub->end_time = end;
  return st;
}

TEST(ScrubDue, OnlyWhenConfiguredIdleAndOld) {
  const std::int64_t day = 86400, now = 100 * day;
  EXPECT_FALSE(ScrubDue(WithScrub(core::ScanState::kFinished, now - 40 * day), now, std::nullopt));
  EXPECT_TRUE(ScrubDue(WithScrub(core::ScanState::kFinished, now - 40 * day), now, 30 * day));
  EXPECT_FALSE(ScrubDue(WithScrub(core::ScanState::kFinished, now - 10 * day), now, 30 * day));
  EXPECT_FALSE(ScrubDue(WithScrub(core::ScanState::kInProgress, std::nullopt), now, 30 * day));
  EXPECT_FALSE(ScrubDue(WithScrub(core::ScanState::kPaused, std::nullopt), now, 30 * day));
  EXPECT_TRUE(ScrubDue(WithScrub(core::ScanState::kNone, std::nullopt), now, 30 * day));
  EXPECT_TRUE(ScrubDue(WithScrub(core::ScanState::kCanceled, now - day), now, 30 * day));
  EXPECT_TRUE(ScrubDue(core::PoolStatus{}, now, 30 * day));
  auto resilvering = WithScrub(core::ScanState::kNone, std::nullopt);
  resilvering.resilver = core::ScanInfo{core::ScanState::kInProgress};
  EXPECT_FALSE(ScrubDue(resilvering, now, 30 * day));
}

}  // namespace
}  // namespace zpull::checks
