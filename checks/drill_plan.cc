#include "checks/drill_plan.h"

#include <algorithm>
#include <charconv>
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

// The next space-separated field of `rest`, which moves past it.
std::string_view Field(std::string_view& rest) {
  const std::size_t space = rest.find(' ');
  const std::string_view f = rest.substr(0, space);
  rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  return f;
}

}  // namespace

std::optional<DrillSnapshot> PickDrillSnapshot(const core::SnapshotList& source,
                                               const core::SnapshotList& destination) {
  for (auto d = destination.rbegin(); d != destination.rend(); ++d) {
    for (const auto& s : source) {
      if (s.guid == d->guid) return DrillSnapshot{d->name, s.name, s.guid, d->creation};
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

core::Result<FindListing> ParseTypedFindOutput(std::string_view out, bool with_ctime) {
  FindListing listing;
  std::size_t start = 0;
  while (start < out.size()) {
    const std::size_t end = out.find('\0', start);
    if (end == std::string_view::npos) return core::Fail(core::Reason::kOther, "find output does not end with NUL");
    const std::string_view rec = out.substr(start, end - start);
    start = end + 1;
    auto malformed = [&] {
      return core::Fail(core::Reason::kOther, "malformed find record: '" + std::string(rec.substr(0, 200)) + "'");
    };
    if (rec.size() < 3 || rec[1] != ' ') return malformed();
    if (rec[0] == 'd') continue;
    if (rec[0] != 'f') {
      ++listing.skipped;
      continue;
    }
    std::string_view rest = rec.substr(2);
    FileEntry f;
    const std::string_view size = Field(rest);
    if (size.empty() || std::from_chars(size.data(), size.data() + size.size(), f.size).ptr != size.data() + size.size()) {
      return malformed();
    }
    if (with_ctime) {
      const std::string_view ctime = Field(rest);
      const std::string_view seconds = ctime.substr(0, ctime.find('.'));
      if (seconds.empty() ||
          std::from_chars(seconds.data(), seconds.data() + seconds.size(), f.ctime).ptr != seconds.data() + seconds.size()) {
        return malformed();
      }
    }
    if (rest.empty()) return malformed();
    f.path = std::string(rest);
    listing.files.push_back(std::move(f));
  }
  std::sort(listing.files.begin(), listing.files.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
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

core::Result<SideHashes> ParseSha256Run(std::string_view out, std::string_view err, std::string_view root,
                                        const std::vector<FileEntry>& files) {
  auto hashes = ParseSha256Output(out, root);
  if (!hashes) return tl::unexpected(hashes.error());
  SideHashes side{std::move(*hashes), {}};
  for (const auto& f : files) {
    if (side.hashes.contains(f.path)) continue;
    // "sha256sum: ROOT/PATH: why" (GNU sha256sum and zpull-guard alike)
    const std::string named = "sha256sum: " + std::string(root) + "/" + f.path + ": ";
    std::string why = "no hash in sha256sum's output";
    if (const std::size_t at = err.find(named); at != std::string_view::npos) {
      const std::string_view rest = err.substr(at + named.size());
      why = std::string(rest.substr(0, std::min<std::size_t>(rest.find('\n'), 200)));
    }
    side.unreadable[f.path] = why;
  }
  return side;
}

std::uint64_t SampleRank(std::uint64_t seed, std::string_view path) { return Rank(seed, path); }

std::string FormatRotation(const Rotation& r) {
  return "1 " + std::to_string(r.seed) + " " + (r.cursor ? std::to_string(*r.cursor) : std::string("-")) + " " +
         std::to_string(r.since);
}

std::optional<Rotation> ParseRotation(std::string_view text) {
  auto number = [&](auto& value) {
    const std::string_view f = Field(text);
    return !f.empty() && std::from_chars(f.data(), f.data() + f.size(), value).ptr == f.data() + f.size();
  };
  Rotation r;
  int version = 0;
  if (!number(version) || version != 1 || !number(r.seed)) return std::nullopt;
  if (text.starts_with("- ")) {
    text.remove_prefix(2);
  } else {
    std::uint64_t cursor = 0;
    if (!number(cursor)) return std::nullopt;
    r.cursor = cursor;
  }
  if (!number(r.since) || !text.empty()) return std::nullopt;
  return r;
}

RotationStep NextSample(const std::vector<FileEntry>& tree, const std::optional<Rotation>& at, std::int64_t created,
                        std::size_t n, std::uint64_t max_bytes, std::uint64_t fresh_seed) {
  using Ranked = std::vector<std::pair<std::uint64_t, const FileEntry*>>;
  auto order = [&](std::uint64_t seed) {
    Ranked ranked;
    for (const auto& f : tree) ranked.emplace_back(Rank(seed, f.path), &f);
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second->path < b.second->path;
    });
    return ranked;
  };
  auto first_after = [](const Ranked& ranked, const std::optional<std::uint64_t>& cursor) {
    if (!cursor) return ranked.begin();
    return std::upper_bound(ranked.begin(), ranked.end(), *cursor,
                            [](std::uint64_t c, const auto& e) { return c < e.first; });
  };
  RotationStep step;
  step.next = at.value_or(Rotation{fresh_seed, std::nullopt, 0});
  Ranked ranked = order(step.next.seed);
  auto from = first_after(ranked, step.next.cursor);
  if (!at || (from == ranked.end() && step.next.cursor)) {
    step.next = Rotation{fresh_seed, std::nullopt, 0};
    step.started = true;
    if (at) ranked = order(fresh_seed);
    from = ranked.begin();
  }
  step.next.since = step.next.since == 0 ? created : std::min(step.next.since, created);
  std::uint64_t bytes = 0;
  for (auto it = from; it != ranked.end(); ++it) {
    const FileEntry& f = *it->second;
    if (f.size > max_bytes) {  // never fits: passed over
      step.next.cursor = it->first;
      continue;
    }
    if (step.sample.size() >= n || bytes + f.size > max_bytes) break;
    bytes += f.size;
    step.sample.push_back(f);
    step.next.cursor = it->first;
  }
  std::sort(step.sample.begin(), step.sample.end(), [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  std::unordered_set<std::string_view> sampled;
  for (const auto& f : step.sample) sampled.insert(f.path);
  for (const auto& [rank, f] : ranked) {
    if (f->size > max_bytes) {
      ++step.too_large;
      continue;
    }
    const bool passed = step.next.cursor && rank <= *step.next.cursor;
    if (sampled.contains(f->path) || (passed && f->ctime <= step.next.since)) ++step.covered;
  }
  return step;
}

const char* FileVerdictName(FileVerdict v) {
  switch (v) {
    case FileVerdict::kVerified: return "verified";
    case FileVerdict::kMismatched: return "mismatched";
    case FileVerdict::kUnreadable: return "unreadable";
    case FileVerdict::kSkipped: return "skipped";
  }
  return "?";
}

DrillComparison CompareSample(const std::vector<FileEntry>& sample, const std::vector<FileEntry>& destination_tree,
                              const std::vector<FileEntry>& source_tree, const SideHashes& destination,
                              const SideHashes& source) {
  DrillComparison c;
  std::map<std::string, std::uint64_t> source_size;
  for (const auto& f : source_tree) source_size[f.path] = f.size;
  auto mismatched = [&](const FileEntry& f, std::string why) {
    c.mismatches.push_back(f.path + ": " + why);
    c.files.push_back({f.path, FileVerdict::kMismatched, std::move(why)});
    ++c.files_mismatched;
  };
  auto unreadable = [&](const FileEntry& f, const std::string& side, const std::string& why) {
    c.files.push_back({f.path, FileVerdict::kUnreadable, why + " (" + side + ")"});
    ++c.files_unreadable;
  };
  for (const auto& f : sample) {
    auto s = source_size.find(f.path);
    if (s == source_size.end()) {
      mismatched(f, "missing on the source");
      continue;
    }
    if (s->second != f.size) {
      mismatched(f, "size " + std::to_string(f.size) + " on the destination, " + std::to_string(s->second) +
                        " on the source");
      continue;
    }
    if (auto u = destination.unreadable.find(f.path); u != destination.unreadable.end()) {
      unreadable(f, "destination", u->second);
      continue;
    }
    if (auto u = source.unreadable.find(f.path); u != source.unreadable.end()) {
      unreadable(f, "source", u->second);
      continue;
    }
    auto dh = destination.hashes.find(f.path);
    auto sh = source.hashes.find(f.path);
    if (dh == destination.hashes.end() || sh == source.hashes.end()) {
      unreadable(f, dh == destination.hashes.end() ? "destination" : "source", "not hashed");
      continue;
    }
    if (dh->second != sh->second) {
      mismatched(f, "content differs");
      continue;
    }
    c.files.push_back({f.path, FileVerdict::kVerified, ""});
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
