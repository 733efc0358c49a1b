#include "checks/parity_check.h"

namespace zpull::checks {
namespace {

// The pass's error for every target.
std::vector<ParityResult> FailAll(const std::vector<ParityTarget>& targets, const core::Error& e) {
  std::vector<ParityResult> out;
  for (const auto& t : targets) out.push_back({t.dataset, tl::unexpected(e)});
  return out;
}

}  // namespace

std::vector<ParityResult> RunParityPass(core::Zfs& source, core::Zfs& destination,
                                        const std::vector<ParityTarget>& targets, std::int64_t now,
                                        bool destination_written) {
  std::vector<core::DatasetName> src_fs, dst_fs;
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& t : targets) {
    src_fs.push_back(t.source);
    dst_fs.push_back(t.destination);
    pairs.emplace_back(t.source.str(), t.destination.str());
  }
  auto src = source.StreamSnapshotsOf(src_fs);
  if (!src) return FailAll(targets, src.error());
  auto dst = destination.StreamSnapshotsOf(dst_fs);
  if (!dst) return FailAll(targets, dst.error());

  std::vector<std::optional<core::Result<ParityReport>>> reports(targets.size());
  std::vector<std::vector<std::string>> src_held(targets.size()), dst_held(targets.size());
  auto held = [](const std::optional<core::SnapshotList>& list, std::vector<std::string>& out) {
    if (!list) return;
    for (const auto& snap : *list) {
      if (snap.userrefs > 0) out.push_back(snap.name);
    }
  };
  auto merged = core::MergeSnapshotStreams(
      **src, **dst, pairs,
      [&](std::size_t i, const std::optional<core::SnapshotList>& s, const std::optional<core::SnapshotList>& d) {
        const ParityTarget& t = targets[i];
        held(s, src_held[i]);
        held(d, dst_held[i]);
        if (!s) {
          reports[i] = core::Fail(core::Reason::kSourceMissing,
                                  "source dataset " + t.source.str() + " does not exist on host " + source.Host());
          return;
        }
        // Snapshots left out on purpose are neither missing nor holes.
        if (!t.snapshots.Active()) {
          reports[i] = ComputeParity(*s, d, t.retention, now, t.prefix);
        } else {
          reports[i] = ComputeParity(replicate::Selected(*s, t.snapshots, t.prefix), d, t.retention, now, t.prefix);
        }
      });
  if (!merged) return FailAll(targets, merged.error());

  std::map<std::string, std::string> written;
  if (destination_written) {
    auto w = destination.GetPropertyOf(dst_fs, "written");
    if (w) written = std::move(*w);
  }
  std::vector<ParityResult> out;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    core::Result<ParityReport> r = std::move(*reports[i]);
    auto w = written.find(targets[i].destination.str());
    if (r && w != written.end()) {
      try {
        r->destination_written = std::stoull(w->second);
      } catch (const std::exception&) {
      }
    }
    out.push_back({targets[i].dataset, std::move(r), std::move(src_held[i]), std::move(dst_held[i])});
  }
  return out;
}

}  // namespace zpull::checks
