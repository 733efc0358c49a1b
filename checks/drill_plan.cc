#include "checks/drill_plan.h"

#include <algorithm>
#include <unordered_set>

namespace zpull::checks {
namespace {

// FNV-1a over the seed and the path, then a splitmix64 finaliser.
std::uint64_t Rank(std::uint64_t seed, std::string_view path) {
  std::uint64_t h = 1469598103934665603ull ^ seed;
  for (unsigned char c : path) h = (h ^ c) * 1099511628211ull;
  h += 0x9E3779B97F4A7C15ull;
  h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
  h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
  return h ^ (h >> 31);
}

}  // namespace

std::optional<DrillSnapshot> PickDrillSnapshot(const core::SnapshotList& source,
                                               const core::SnapshotList& destination) {
  for (auto d = destination.rbegin(); d != destination.rend(); ++d) {
    for (const auto& s : source) {
      if (s.guid == d->guid) return DrillSnapshot{d->name, s.name, s.guid};
    }
  }
  return std::nullopt;
}

core::Result<std::vector<FileEntry>> ParseFindOutput(std::string_view out) {
  std::vector<FileEntry> files;
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t end = out.find('\0', start);
    if (end == std::string_view::npos) {
      return core::Fail(core::Reason::kOther, "find output does not end with NUL");
    }
    std::string_view rec = out.substr(start, end - start);
    start = end + 1;
    std::size_t space = rec.find(' ');
    if (space == std::string_view::npos || space == 0) {
      return core::Fail(core::Reason::kOther, "malformed find record: '" + std::string(rec) + "'");
    }
    FileEntry f;
    f.path = std::string(rec.substr(space + 1));
    try {
      f.size = std::stoull(std::string(rec.substr(0, space)));
    } catch (const std::exception&) {
      return core::Fail(core::Reason::kOther, "malformed size in find record: '" + std::string(rec) + "'");
    }
    files.push_back(std::move(f));
  }
  std::sort(files.begin(), files.end(), [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  return files;
}

core::Result<FindListing> ParseTypedFindOutput(std::string_view out) {
  FindListing listing;
  std::string regular;  // the regular files' records, as ParseFindOutput reads them
  std::size_t start = 0;
  while (start < out.size()) {
    const std::size_t end = out.find('\0', start);
    if (end == std::string_view::npos) return core::Fail(core::Reason::kOther, "find output does not end with NUL");
    const std::string_view rec = out.substr(start, end - start);
    start = end + 1;
    if (rec.size() < 3 || rec[1] != ' ') {
      return core::Fail(core::Reason::kOther, "malformed find record: '" + std::string(rec) + "'");
    }
    if (rec[0] == 'f') {
      regular.append(rec.substr(2));
      regular.push_back('\0');
    } else if (rec[0] != 'd') {
      ++listing.skipped;
    }
  }
  auto files = ParseFindOutput(regular);
  if (!files) return tl::unexpected(files.error());
  listing.files = std::move(*files);
  return listing;
}

core::Result<std::map<std::string, std::string>> ParseSha256Output(std::string_view out, std::string_view root) {
  std::map<std::string, std::string> hashes;
  const std::string prefix = std::string(root) + "/";
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t end = out.find('\0', start);
    if (end == std::string_view::npos) end = out.size();
    std::string_view rec = out.substr(start, end - start);
    start = end + 1;
    if (rec.empty()) continue;
    // "<64 hex>  <path>" (two spaces; "<hash> *<path>" in binary mode)
    if (rec.size() < 67 || rec[64] != ' ' || (rec[65] != ' ' && rec[65] != '*')) {
      return core::Fail(core::Reason::kOther, "malformed sha256sum record: '" + std::string(rec.substr(0, 80)) + "'");
    }
    std::string_view path = rec.substr(66);
    if (!path.starts_with(prefix)) {
      return core::Fail(core::Reason::kOther, "sha256sum path outside " + std::string(root) + ": " + std::string(path));
    }
    hashes[std::string(path.substr(prefix.size()))] = std::string(rec.substr(0, 64));
  }
  return hashes;
}

std::vector<FileEntry> SampleFiles(const std::vector<FileEntry>& files, std::uint64_t seed, std::size_t n,
                                   std::uint64_t max_bytes) {
  std::vector<std::pair<std::uint64_t, const FileEntry*>> ranked;
  for (const auto& f : files) ranked.emplace_back(Rank(seed, f.path), &f);
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second->path < b.second->path;
  });
  std::vector<FileEntry> out;
  std::uint64_t bytes = 0;
  for (const auto& [rank, f] : ranked) {
    if (out.size() >= n) break;
    if (bytes + f->size > max_bytes) continue;
    bytes += f->size;
    out.push_back(*f);
  }
  std::sort(out.begin(), out.end(), [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  return out;
}

DrillComparison CompareSample(const std::vector<FileEntry>& sample, const std::vector<FileEntry>& destination_tree,
                              const std::vector<FileEntry>& source_tree,
                              const std::map<std::string, std::string>& destination_hashes,
                              const std::map<std::string, std::string>& source_hashes) {
  DrillComparison c;
  std::map<std::string, std::uint64_t> source_size;
  for (const auto& f : source_tree) source_size[f.path] = f.size;
  for (const auto& f : sample) {
    auto s = source_size.find(f.path);
    if (s == source_size.end()) {
      c.mismatches.push_back(f.path + ": missing on the source");
      continue;
    }
    if (s->second != f.size) {
      c.mismatches.push_back(f.path + ": size " + std::to_string(f.size) + " on the destination, " +
                             std::to_string(s->second) + " on the source");
      continue;
    }
    auto dh = destination_hashes.find(f.path);
    auto sh = source_hashes.find(f.path);
    if (dh == destination_hashes.end() || sh == source_hashes.end()) {
      c.mismatches.push_back(f.path + ": not hashed");
      continue;
    }
    if (dh->second != sh->second) {
      c.mismatches.push_back(f.path + ": content differs");
      continue;
    }
    ++c.files_verified;
    c.bytes_verified += f.size;
  }
  if (destination_tree.size() != source_tree.size()) {
    c.mismatches.push_back("file count: " + std::to_string(destination_tree.size()) + " on the destination, " +
                           std::to_string(source_tree.size()) + " on the source");
  }
  return c;
}

}  // namespace zpull::checks
