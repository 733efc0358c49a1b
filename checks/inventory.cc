#include "checks/inventory.h"

namespace zpull::checks {
namespace {

core::Result<std::optional<HoldSummary>> Holds(core::Zfs& zfs, const core::ZfsFeatures& features,
                                               const core::DatasetName& fs, const std::string& tag) {
  if (!features.list_holds) return std::optional<HoldSummary>();
  auto snaps = zfs.ListSnapshots(fs);
  if (!snaps) return tl::unexpected(snaps.error());
  if (!*snaps) return std::optional<HoldSummary>(HoldSummary{});
  std::vector<std::string> held;
  for (const auto& s : **snaps) {
    if (s.userrefs > 0) held.push_back(s.name);
  }
  auto holds = zfs.ListHolds(fs, held);
  if (!holds) return tl::unexpected(holds.error());
  return std::optional<HoldSummary>(SummarizeHolds(*holds, tag));
}

}  // namespace

HoldSummary SummarizeHolds(const std::vector<core::HoldInfo>& holds, const std::string& tag) {
  HoldSummary out;
  for (const auto& h : holds) {
    if (h.tag != tag) continue;
    ++out.count;
    if (!out.oldest || h.since < *out.oldest) out.oldest = h.since;
  }
  return out;
}

core::Result<Inventory> TakeInventory(core::Zfs& source, const core::ZfsFeatures& source_features,
                                      core::Zfs& destination, const core::ZfsFeatures& destination_features,
                                      const InventoryTarget& target) {
  Inventory inv;
  auto src = Holds(source, source_features, target.source, target.tag);
  if (!src) return tl::unexpected(src.error());
  inv.source_holds = *src;
  auto dst = Holds(destination, destination_features, target.destination, target.tag);
  if (!dst) return tl::unexpected(dst.error());
  inv.destination_holds = *dst;
  if (source_features.bookmarks) {
    auto marks = source.ListBookmarks(target.source);
    if (!marks) return tl::unexpected(marks.error());
    std::size_t n = 0;
    for (const auto& b : *marks) n += b.name.starts_with(target.bookmark_stem) ? 1 : 0;
    inv.bookmarks = n;
  }
  if (destination_features.recv_resumable) {
    auto token = destination.ResumeToken(target.destination);
    if (!token) return tl::unexpected(token.error());
    inv.resume_token = token->has_value();
  }
  return inv;
}

}  // namespace zpull::checks
