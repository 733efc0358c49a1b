#pragma once
// `zpull once --dry-run`: what one cycle would do, read-only: the cycle's
// own decision (replicate/decide.h) from the same listings (ReadListings),
// told in words, with the size of the send where the source can estimate
// it. Nothing is created, sent, held, rolled back, destroyed or set.

#include <optional>
#include <string>
#include <vector>

#include "replicate/cycle.h"

namespace zpull::replicate {

struct CyclePreview {
  std::optional<core::Error> error;  // the hosts could not be read
  std::string would_snapshot;        // empty with snapshot: false or when refused
  std::vector<std::string> would_replace;  // never-sent own snapshots the new one replaces
  bool would_resume = false;         // a receive_resume_token would be finished first
  std::string after_parent;          // the replicated parent it waits for, received first by its own cycle
  Plan plan;
  std::optional<core::Error> refusal;                   // the cycle would fail with this
  std::vector<std::string> would_create_parents;        // missing destination ancestors
  std::vector<std::string> would_destroy_on_divergence;  // force_on_divergence
  bool would_roll_back = false;                         // rollback_destination
  std::optional<std::uint64_t> estimated_bytes;          // send -nvP, where the snapshots exist
  std::vector<std::string> would_prune_destination, would_prune_source;
};

CyclePreview PreviewCycle(const CycleEnv& env, const DatasetJob& job);

// One line: "dry-run backup/a: would snapshot @x; incremental @a -> @x; ..."
std::string DescribePreview(const std::string& dataset, const CyclePreview& preview);

}  // namespace zpull::replicate
