#include "checks/parity_check.h"

namespace zpull::checks {

std::vector<ParityResult> RunParityPass(core::Zfs& source, core::Zfs& destination,
                                        const std::vector<ParityTarget>& targets, std::int64_t now,
                                        bool destination_written) {
  std::vector<core::DatasetName> src_fs, dst_fs;
  for (const auto& t : targets) {
    src_fs.push_back(t.source);
    dst_fs.push_back(t.destination);
  }
  auto src = source.ListSnapshotsOf(src_fs);
  auto dst = src ? destination.ListSnapshotsOf(dst_fs) : decltype(src)();
  std::map<std::string, std::string> written;
  if (dst && destination_written) {
    auto w = destination.GetPropertyOf(dst_fs, "written");
    if (w) written = std::move(*w);
  }
  std::vector<ParityResult> out;
  for (const auto& t : targets) {
    if (!src) {
      out.push_back({t.dataset, tl::unexpected(src.error())});
    } else if (!dst) {
      out.push_back({t.dataset, tl::unexpected(dst.error())});
    } else if (!src->at(t.source.str())) {
      out.push_back({t.dataset, core::Fail(core::Reason::kSourceMissing,
                                           "source dataset " + t.source.str() + " does not exist on host " +
                                               source.Host())});
    } else {
      // Snapshots left out on purpose are neither missing nor holes.
      const core::SnapshotList selected = replicate::Selected(*src->at(t.source.str()), t.snapshots, t.prefix);
      auto report = ComputeParity(selected, dst->at(t.destination.str()), t.retention, now, t.prefix);
      auto w = written.find(t.destination.str());
      if (w != written.end()) {
        try {
          report.destination_written = std::stoull(w->second);
        } catch (const std::exception&) {
        }
      }
      out.push_back({t.dataset, report});
    }
  }
  return out;
}

}  // namespace zpull::checks
