#include "replicate/listings.h"

#include "replicate/snapshot_filter.h"
#include "replicate/state.h"

namespace zpull::replicate {

core::ListingOptions DestinationListing(const core::ZfsFeatures& features) {
  core::ListingOptions options;
  options.mark = kCommonProperty;
  if (features.recv_resumable) options.properties.push_back("receive_resume_token");
  if (features.written) options.properties.push_back("written");
  return options;
}

bool NeedsWritten(const Listings& in, const DatasetJob& job, const core::ZfsFeatures& features) {
  if (!features.written || job.force || job.options.rollback_destination || !in.destination ||
      in.destination->empty()) {
    return false;
  }
  const core::SnapshotInfo* newest = NewestSelected(in.source, job.options.snapshots, job.prefix);
  return job.take_snapshot || (newest && newest->guid != in.destination->back().guid);
}

std::optional<Listings> ListingsFromRound(const DatasetJob& job, core::SnapshotBlock source,
                                          core::SnapshotList source_bookmarks, core::SnapshotBlock destination,
                                          const core::ZfsFeatures& features) {
  if (!source.snapshots || !destination.snapshots || !job.source_siblings.empty()) return std::nullopt;
  Listings in;
  in.source = std::move(*source.snapshots);
  in.source_bookmarks = std::move(source_bookmarks);
  in.destination = std::move(destination.snapshots);
  in.destination_marked = std::move(destination.marked);
  auto value = [&](const char* p) -> std::optional<std::string> {
    auto it = destination.properties.find(p);
    if (it == destination.properties.end()) return std::nullopt;
    return it->second;
  };
  if (features.recv_resumable) {
    auto token = value("receive_resume_token");
    if (!token) return std::nullopt;  // not read: the cycle reads it itself
    in.resume_token = !token->empty() && *token != "-";
  }
  if (NeedsWritten(in, job, features)) {
    // Unread, it refuses nothing: the receive still refuses a modified replica.
    in.written = value("written");
  }
  return in;
}

}  // namespace zpull::replicate
