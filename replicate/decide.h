#pragma once
// What one cycle does, decided from what the hosts showed: the snapshot it
// takes (name and suffix), the older never-sent snapshots that snapshot
// replaces, the resume, the send (full or incremental, from -> to), the
// destination snapshots force_on_divergence destroys, the rollback, the
// parents it creates, the refusal that stops it (in the words of
// replicate/refusal.h), and what it then prunes on each side, computed as
// on the destination the receive leaves. Pure: the cycle
// (replicate/cycle.h) and `zpull once --dry-run` (replicate/preview.h)
// both act on it, so they cannot disagree. The listings may come from one
// dataset's commands or from one listing of a whole host.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/snapshot.h"
#include "replicate/job.h"
#include "replicate/plan.h"

namespace zpull::replicate {

// Another entry's destination that pulls the same source dataset.
struct Sibling {
  std::optional<core::SnapshotList> snapshots;  // nullopt: it cannot be listed (absent)
  bool resume_token = false;                    // an interrupted receive waits there
  // Where it is absent: whether its pool is here (then it was never
  // received, and its first receive, a full one, needs nothing kept).
  bool pool_exists = false;
};

// What the hosts showed of one dataset. The fields after `destination` are
// read only where they matter (see ReadListings, replicate/cycle.h).
struct Listings {
  core::SnapshotList source;            // the source dataset exists
  core::SnapshotList source_bookmarks;  // where the cycle uses bookmarks
  std::optional<core::SnapshotList> destination;  // nullopt: does not exist
  // An interrupted receive left a resume token on the destination.
  bool resume_token = false;
  // The destination's `written`, as zfs prints it, where it was read.
  std::optional<std::string> written;
  // Where the destination does not exist: whether its pool does, and its
  // missing ancestors below the pool, top down.
  bool destination_pool_exists = true;
  std::vector<core::DatasetName> missing_parents;
  // The destinations of job.source_siblings, in order.
  std::vector<Sibling> siblings;
  // The destination snapshots on which zpull:common is set locally, where
  // the listing read them (a round's listing of the whole host does:
  // replicate/listings.h); nullopt where it did not.
  std::optional<std::vector<std::string>> destination_marked;
};

struct Decision {
  std::string snapshot;              // to take (empty: none)
  std::vector<std::string> replaced;  // own, never sent, destroyed once `snapshot` (or the tree's) exists
  bool resume = false;                // finish the interrupted receive first, then decide again
  Plan plan;                          // as if `snapshot` existed (guid 0)
  std::vector<std::string> destroy_on_divergence;  // force_on_divergence
  bool roll_back = false;                          // rollback_destination, to plan.newest_common
  std::vector<core::DatasetName> create_parents;   // canmount=off containers, top down
  std::optional<core::Error> refusal;              // the cycle fails with this, having done nothing
  std::vector<std::string> prune_destination, prune_source;  // after the receive
};

// The snapshot names a new snapshot of the source must not take: those the
// source, this entry's destination or another entry's destination of the
// same source dataset holds (pruned from the source, a name would arrive
// there as another snapshot of that name, which the receive refuses).
std::vector<std::string> TakenSnapshotNames(const Listings& in);

// `take_snapshot`: the cycle has not taken its snapshot yet and would
// (job.take_snapshot); false once it exists (an attempt) or never will.
// `tree_snapshot`: a snapshot in in.source taken with the rest of its tree
// for this cycle (daemon/round.h), which counts as the cycle's own: the
// never-sent ones it replaces are listed even where the cycle is refused
// (the tree snapshot stays, the one never-sent snapshot).
Decision Decide(const Listings& in, const DatasetJob& job, std::int64_t now, bool take_snapshot,
                const std::string& tree_snapshot = {});

// What the other entries pulling this source dataset need kept on it: each
// one's base (the newest snapshot its destination has in common with the
// source; for a destination whose pool is not here, such as an exported
// one, the snapshot its source bookmark marks), and while an interrupted
// receive waits there, every snapshot newer than its base. nullopt: a base
// cannot be told (pool away, no bookmark): nothing may be pruned, replaced
// or released of an old hold.
std::optional<core::GuidSet> SiblingNeeds(const core::SnapshotList& source, const core::SnapshotList& bookmarks,
                                          const DatasetJob& job, const std::vector<Sibling>& siblings);

// After a successful cycle whose newest common snapshot is `common_guid`:
// the destination's snapshots to prune (job.destination_retention) ...
std::vector<std::string> DestinationPrunes(const core::SnapshotList& destination, const DatasetJob& job,
                                           std::int64_t now, std::uint64_t common_guid);
// ... and the source's (job.source_retention): zpull's own snapshots older
// than the newest common one but for what the rules keep (with rules and
// prune_foreign, foreign ones too), never a held one or one in `protect`.
std::vector<std::string> SourcePrunes(const core::SnapshotList& source, const DatasetJob& job, std::int64_t now,
                                      std::uint64_t common_guid, const core::GuidSet& protect);

}  // namespace zpull::replicate
