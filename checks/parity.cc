#include "checks/parity.h"

#include <set>
#include <unordered_map>
#include <unordered_set>

namespace zpull::checks {

ParityReport ComputeParity(const core::SnapshotList& source, const std::optional<core::SnapshotList>& destination,
                           const replicate::RetentionPolicy& retention, std::int64_t now,
                           std::string_view own_prefix) {
  ParityReport r;
  r.destination_exists = destination.has_value();
  if (!source.empty()) r.newest_source_creation = source.back().creation;
  const core::SnapshotList empty;
  const core::SnapshotList& dst = destination ? *destination : empty;

  std::unordered_map<std::uint64_t, std::size_t> src_index;
  std::unordered_map<std::string, std::uint64_t> src_guid_by_name;
  for (std::size_t i = 0; i < source.size(); ++i) {
    src_index[source[i].guid] = i;
    src_guid_by_name[source[i].name] = source[i].guid;
  }
  std::unordered_set<std::uint64_t> dst_guids;
  for (const auto& s : dst) {
    dst_guids.insert(s.guid);
    auto it = src_guid_by_name.find(s.name);
    if (it != src_guid_by_name.end() && it->second != s.guid) r.guid_mismatches.push_back(s.name);
  }

  // The newest common snapshot in the destination's order; later ones diverge.
  std::optional<std::size_t> newest_common_dst;
  for (std::size_t i = dst.size(); i-- > 0;) {
    if (src_index.count(dst[i].guid)) {
      newest_common_dst = i;
      break;
    }
  }
  std::size_t first_unreplicated = 0;  // source index
  if (newest_common_dst) {
    r.newest_common_creation = dst[*newest_common_dst].creation;
    for (std::size_t i = *newest_common_dst + 1; i < dst.size(); ++i) r.diverged.push_back(dst[i].name);
    first_unreplicated = src_index.at(dst[*newest_common_dst].guid) + 1;
  } else {
    for (const auto& s : dst) r.diverged.push_back(s.name);
  }
  for (std::size_t i = first_unreplicated; i < source.size(); ++i) {
    if (dst_guids.count(source[i].guid)) continue;
    ++r.not_replicated;
    if (!r.oldest_not_replicated_creation) r.oldest_not_replicated_creation = source[i].creation;
  }

  // Holes: missing between the oldest and the newest common snapshot, unless
  // retention, applied to the destination as it would be with them, would
  // have destroyed them anyway.
  if (!newest_common_dst) return r;
  std::size_t lo = source.size(), hi = src_index.at(dst[*newest_common_dst].guid);
  for (const auto& s : dst) {
    auto it = src_index.find(s.guid);
    if (it != src_index.end()) lo = std::min(lo, it->second);
  }
  core::SnapshotList would_be;
  std::vector<const core::SnapshotInfo*> missing;
  for (std::size_t i = lo; i <= hi; ++i) {
    if (!dst_guids.count(source[i].guid)) missing.push_back(&source[i]);
  }
  if (missing.empty()) return r;
  for (std::size_t i = lo; i <= hi; ++i) would_be.push_back(source[i]);  // oldest first
  std::set<std::uint64_t> pruned;
  for (const auto& s : replicate::SelectForPruning(would_be, retention, now, own_prefix,
                                                   dst[*newest_common_dst].guid)) {
    pruned.insert(s.guid);
  }
  for (const auto* s : missing) {
    if (!pruned.count(s->guid)) r.holes.push_back(s->name);
  }
  return r;
}

}  // namespace zpull::checks
