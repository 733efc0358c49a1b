#include "checks/inventory.h"

namespace zpull::checks {

HoldSummary SummarizeHolds(const std::vector<core::HoldInfo>& holds, const std::string& tag) {
  HoldSummary out;
  for (const auto& h : holds) {
    if (h.tag != tag) continue;
    ++out.count;
    if (!out.oldest || h.since < *out.oldest) out.oldest = h.since;
  }
  return out;
}

namespace {

enum class Side { kSource, kDestination };

// Every input's holds on one side, from one `zfs holds`.
core::Status CountHolds(core::Zfs& zfs, const std::vector<InventoryInput>& inputs, Side side,
                        std::vector<Inventory>& out) {
  const bool source = side == Side::kSource;
  auto fs_of = [source](const InventoryInput& in) -> const core::DatasetName& {
    return source ? in.target.source : in.target.destination;
  };
  std::vector<std::string> names;
  for (const auto& in : inputs) {
    for (const auto& snap : source ? in.source_held : in.destination_held) names.push_back(fs_of(in).Snapshot(snap));
  }
  auto holds = zfs.ListHoldsOf(names);
  if (!holds) return tl::unexpected(holds.error());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    auto it = holds->find(fs_of(inputs[i]).str());
    const InventoryTarget& t = inputs[i].target;
    const std::string& tag = source && !t.source_tag.empty() ? t.source_tag : t.tag;
    auto summary = SummarizeHolds(it == holds->end() ? std::vector<core::HoldInfo>{} : it->second, tag);
    (source ? out[i].source_holds : out[i].destination_holds) = summary;
  }
  return {};
}

core::Status CountBookmarks(core::Zfs& source, const std::vector<InventoryInput>& inputs, std::vector<Inventory>& out) {
  std::vector<core::DatasetName> filesystems;
  for (const auto& in : inputs) filesystems.push_back(in.target.source);
  auto marks = source.ListBookmarksOf(filesystems);
  if (!marks) return tl::unexpected(marks.error());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    std::size_t n = 0;
    if (auto it = marks->find(inputs[i].target.source.str()); it != marks->end()) {
      for (const auto& b : it->second) n += b.name.starts_with(inputs[i].target.bookmark_stem) ? 1 : 0;
    }
    out[i].bookmarks = n;
  }
  return {};
}

core::Status FindTokens(core::Zfs& destination, const std::vector<InventoryInput>& inputs,
                        std::vector<Inventory>& out) {
  std::vector<core::DatasetName> filesystems;
  for (const auto& in : inputs) filesystems.push_back(in.target.destination);
  auto tokens = destination.GetPropertyOf(filesystems, "receive_resume_token");
  if (!tokens) return tl::unexpected(tokens.error());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    auto it = tokens->find(inputs[i].target.destination.str());
    out[i].resume_token = it != tokens->end() && !it->second.empty() && it->second != "-";
  }
  return {};
}

}  // namespace

std::vector<core::Result<Inventory>> TakeInventories(core::Zfs& source, const core::ZfsFeatures& source_features,
                                                     core::Zfs& destination,
                                                     const core::ZfsFeatures& destination_features,
                                                     const std::vector<InventoryInput>& inputs) {
  std::vector<Inventory> inv(inputs.size());
  core::Status s;
  if (s && source_features.list_holds) s = CountHolds(source, inputs, Side::kSource, inv);
  if (s && destination_features.list_holds) s = CountHolds(destination, inputs, Side::kDestination, inv);
  if (s && source_features.bookmarks) s = CountBookmarks(source, inputs, inv);
  if (s && destination_features.recv_resumable) s = FindTokens(destination, inputs, inv);
  std::vector<core::Result<Inventory>> out;
  for (auto& i : inv) out.push_back(s ? core::Result<Inventory>(std::move(i)) : tl::unexpected(s.error()));
  return out;
}

}  // namespace zpull::checks
