#include "checks/parity_check.h"

#include <map>

#include "core/zfs_parse.h"

namespace zpull::checks {
namespace {

// Passes a listing through, keeping each block's properties by filesystem.
class KeepProperties : public core::SnapshotStream {
 public:
  KeepProperties(core::SnapshotStream& inner, std::map<std::string, std::map<std::string, std::string>>& out)
      : inner_(inner), out_(out) {}
  core::Result<std::optional<core::SnapshotBlock>> Next() override {
    auto b = inner_.Next();
    if (b && *b && !(*b)->properties.empty()) out_[(*b)->fs] = (*b)->properties;
    return b;
  }

 private:
  core::SnapshotStream& inner_;
  std::map<std::string, std::map<std::string, std::string>>& out_;
};

std::optional<std::uint64_t> Bytes(const std::map<std::string, std::map<std::string, std::string>>& of,
                                   const std::string& fs, const std::string& property) {
  auto f = of.find(fs);
  if (f == of.end()) return std::nullopt;
  auto p = f->second.find(property);
  if (p == f->second.end()) return std::nullopt;
  auto n = core::ParseInt64(p->second);
  if (!n || *n < 0) return std::nullopt;  // "-", or not exact (a zfs without -p)
  return static_cast<std::uint64_t>(*n);
}

// The pass's error for every target.
std::vector<ParityResult> FailAll(const std::vector<ParityTarget>& targets, const core::Error& e) {
  std::vector<ParityResult> out;
  for (const auto& t : targets) out.push_back({t.dataset, tl::unexpected(e)});
  return out;
}

}  // namespace

std::vector<ParityResult> RunParityPass(core::Zfs& source, core::Zfs& destination,
                                        const std::vector<ParityTarget>& targets, std::int64_t now,
                                        bool destination_written, bool source_written) {
  std::vector<core::DatasetName> src_fs, dst_fs;
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& t : targets) {
    src_fs.push_back(t.source);
    dst_fs.push_back(t.destination);
    pairs.emplace_back(t.source.str(), t.destination.str());
  }
  // The space metrics come with the listings, in the same two commands.
  core::ListingOptions src_options, dst_options;
  src_options.properties = dst_options.properties = {"used", "usedbysnapshots"};
  if (source_written) src_options.properties.push_back("written");
  auto src_stream = source.StreamSnapshotsOf(src_fs, src_options);
  if (!src_stream) return FailAll(targets, src_stream.error());
  auto dst_stream = destination.StreamSnapshotsOf(dst_fs, dst_options);
  if (!dst_stream) return FailAll(targets, dst_stream.error());
  std::map<std::string, std::map<std::string, std::string>> src_props, dst_props;
  KeepProperties src_kept(**src_stream, src_props), dst_kept(**dst_stream, dst_props);
  core::SnapshotStream* src = &src_kept;
  core::SnapshotStream* dst = &dst_kept;

  std::vector<std::optional<core::Result<ParityReport>>> reports(targets.size());
  std::vector<std::vector<std::string>> src_held(targets.size()), dst_held(targets.size());
  auto held = [](const std::optional<core::SnapshotList>& list, std::vector<std::string>& out) {
    if (!list) return;
    for (const auto& snap : *list) {
      if (snap.userrefs > 0) out.push_back(snap.name);
    }
  };
  auto merged = core::MergeSnapshotStreams(
      *src, *dst, pairs,
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
    const std::string s = targets[i].source.str(), d = targets[i].destination.str();
    DatasetSpace space{Bytes(src_props, s, "used"), Bytes(src_props, s, "usedbysnapshots"),
                       source_written ? Bytes(src_props, s, "written") : std::nullopt, Bytes(dst_props, d, "used"),
                       Bytes(dst_props, d, "usedbysnapshots")};
    out.push_back({targets[i].dataset, std::move(r), space, std::move(src_held[i]), std::move(dst_held[i])});
  }
  return out;
}

}  // namespace zpull::checks
