#include "checks/parity.h"

#include <algorithm>
#include <string_view>
#include <utility>

namespace zpull::checks {

ParityReport ComputeParity(const core::SnapshotList& source, const std::optional<core::SnapshotList>& destination,
                           const replicate::RetentionPolicy& retention, std::int64_t now,
                           std::string_view own_prefix) {
  ParityReport r;
  r.destination_exists = destination.has_value();
  if (!source.empty()) r.newest_source_creation = source.back().creation;
  const core::SnapshotList empty;
  const core::SnapshotList& dst = destination ? *destination : empty;

  const core::GuidIndex src_index(source);
  // present[i]: source[i] is on the destination (same guid).
  std::vector<bool> present(source.size(), false);
  // Names of the source, sorted, built only when a destination snapshot is
  // not the same-named source snapshot (rare: renames, divergence).
  std::vector<std::pair<std::string_view, std::uint64_t>> src_guid_by_name;
  for (const auto& s : dst) {
    const auto i = src_index.Find(s.guid);
    if (i) present[*i] = true;
    if (i && source[*i].name == s.name) continue;
    if (src_guid_by_name.empty()) {
      src_guid_by_name.reserve(source.size());
      for (const auto& x : source) src_guid_by_name.emplace_back(x.name, x.guid);
      std::sort(src_guid_by_name.begin(), src_guid_by_name.end());
    }
    auto it = std::lower_bound(src_guid_by_name.begin(), src_guid_by_name.end(),
                               std::pair<std::string_view, std::uint64_t>(s.name, 0));
    if (it != src_guid_by_name.end() && it->first == s.name && it->second != s.guid) {
      r.guid_mismatches.push_back(s.name);
    }
  }

  // The newest common snapshot in the destination's order; later ones diverge.
  std::optional<std::size_t> newest_common_dst;
  for (std::size_t i = dst.size(); i-- > 0;) {
    if (src_index.Contains(dst[i].guid)) {
      newest_common_dst = i;
      break;
    }
  }
  std::size_t first_unreplicated = 0;  // source index
  if (newest_common_dst) {
    r.newest_common_creation = dst[*newest_common_dst].creation;
    for (std::size_t i = *newest_common_dst + 1; i < dst.size(); ++i) r.diverged.push_back(dst[i].name);
    first_unreplicated = *src_index.Find(dst[*newest_common_dst].guid) + 1;
  } else {
    for (const auto& s : dst) r.diverged.push_back(s.name);
  }
  for (std::size_t i = first_unreplicated; i < source.size(); ++i) {
    if (present[i]) continue;
    ++r.not_replicated;
    if (!r.oldest_not_replicated_creation) r.oldest_not_replicated_creation = source[i].creation;
  }

  // Holes: missing between the oldest and the newest common snapshot, unless
  // retention, applied to the destination as it would be with them, would
  // have destroyed them anyway.
  if (!newest_common_dst) return r;
  std::size_t lo = source.size(), hi = *src_index.Find(dst[*newest_common_dst].guid);
  for (const auto& s : dst) {
    if (auto i = src_index.Find(s.guid)) lo = std::min(lo, *i);
  }
  core::SnapshotList would_be;
  std::vector<const core::SnapshotInfo*> missing;
  for (std::size_t i = lo; i <= hi; ++i) {
    if (!present[i]) missing.push_back(&source[i]);
  }
  if (missing.empty()) return r;
  for (std::size_t i = lo; i <= hi; ++i) would_be.push_back(source[i]);  // oldest first
  const core::GuidIndex pruned(
      replicate::SelectForPruning(would_be, retention, now, own_prefix, dst[*newest_common_dst].guid));
  for (const auto* s : missing) {
    if (!pruned.Contains(s->guid)) r.holes.push_back(s->name);
  }
  return r;
}

}  // namespace zpull::checks
