#pragma once
// A dataset's Listings (replicate/decide.h) from a round: one listing of
// every due dataset of a host per side, read with one command each
// (core::Zfs::StreamSnapshotsOf), instead of each cycle's own commands.

#include <optional>

#include "core/snapshot_stream.h"
#include "core/zfs.h"
#include "replicate/decide.h"
#include "replicate/job.h"

namespace zpull::replicate {

// What a round reads of each destination besides its snapshots: which of
// them carry zpull:common, and the receive_resume_token and `written`
// where the host has them.
core::ListingOptions DestinationListing(const core::ZfsFeatures& destination_features);

// Whether the decision needs the destination's `written`: an incremental
// receive without -F into a replica that has snapshots, from a cycle that
// would send something.
bool NeedsWritten(const Listings& in, const DatasetJob& job, const core::ZfsFeatures& destination_features);

// `job`'s Listings from a round's blocks (`destination` read with
// DestinationListing), or nullopt where the cycle reads its own: the
// source or the destination absent (a first receive needs the pool and
// missing parents; a missing source is reported in ReadListings' words),
// or other entries pulling the same source dataset (their destinations
// change under this one). Pure.
std::optional<Listings> ListingsFromRound(const DatasetJob& job, core::SnapshotBlock source,
                                          core::SnapshotList source_bookmarks, core::SnapshotBlock destination,
                                          const core::ZfsFeatures& destination_features);

}  // namespace zpull::replicate
