#include "checks/scrub.h"

namespace zpull::checks {

bool ScrubDue(const core::PoolStatus& status, std::int64_t now, std::optional<std::int64_t> every) {
  if (!every) return false;
  if (status.scrub && (status.scrub->state == core::ScanState::kInProgress ||
                       status.scrub->state == core::ScanState::kPaused)) {
    return false;
  }
  if (status.resilver && status.resilver->state == core::ScanState::kInProgress) return false;
  if (!status.scrub || status.scrub->state != core::ScanState::kFinished || !status.scrub->end_time) return true;
  return now - *status.scrub->end_time >= *every;
}

}  // namespace zpull::checks
