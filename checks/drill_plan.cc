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
    // "sha256sum: ROOT/PATH: why" (zpull-guard; GNU sha256sum where the
    // name needs no quoting), "sha256sum: 'ROOT/PATH': why" (GNU, quoted).
    const std::string path = std::string(root) + "/" + f.path;
    auto line_first = [](std::string_view s) { return std::string(s.substr(0, std::min<std::size_t>(s.find('\n'), 200))); };
    std::string why = err.empty() ? "no hash in sha256sum's output" : line_first(err);
    for (const std::string& named : {"sha256sum: " + path + ": ", "sha256sum: '" + path + "': "}) {
      if (const std::size_t at = err.find(named); at != std::string_view::npos) {
        why = line_first(err.substr(at + named.size()));
        break;
      }
    }
    side.unreadable[f.path] = why;
  }
  return side;
}

std::uint64_t SampleRank(std::uint64_t seed, std::string_view path) { return Rank(seed, path); }

std::string FormatRotation(const Rotation& r) {
  std::string out = "2 " + std::to_string(r.seed) + " ";
  if (r.segments.empty()) return out + "-";
  for (std::size_t i = 0; i < r.segments.size(); ++i) {
    out += (i ? "," : "") + std::to_string(r.segments[i].cursor) + ":" + std::to_string(r.segments[i].created);
  }
  return out;
}

std::optional<Rotation> ParseRotation(std::string_view text) {
  auto number = [](std::string_view f, auto& value) {
    return !f.empty() && std::from_chars(f.data(), f.data() + f.size(), value).ptr == f.data() + f.size();
  };
  Rotation r;
  int version = 0;
  if (!number(Field(text), version) || version != 2 || !number(Field(text), r.seed)) return std::nullopt;
  const std::string_view segments = Field(text);
  if (!text.empty() || segments.empty()) return std::nullopt;
  if (segments == "-") return r;
  std::string_view rest = segments;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view one = rest.substr(0, comma);
    if (comma + 1 == rest.size()) return std::nullopt;  // a trailing comma
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const std::size_t colon = one.find(':');
    Rotation::Segment s;
    if (colon == std::string_view::npos || !number(one.substr(0, colon), s.cursor) ||
        !number(one.substr(colon + 1), s.created)) {
      return std::nullopt;
    }
    if (!r.segments.empty() && s.cursor <= r.segments.back().cursor) return std::nullopt;
    r.segments.push_back(s);
    if (r.segments.size() > Rotation::kMaxSegments) return std::nullopt;
  }
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
  RotationStep step;
  step.next = at.value_or(Rotation{fresh_seed, {}});
  Ranked ranked = order(step.next.seed);
  auto from = ranked.begin();
  if (!step.next.segments.empty()) {
    from = std::upper_bound(ranked.begin(), ranked.end(), step.next.segments.back().cursor,
                            [](std::uint64_t c, const auto& e) { return c < e.first; });
  }
  if (!at || (from == ranked.end() && !step.next.segments.empty())) {
    step.next = Rotation{fresh_seed, {}};
    step.started = true;
    if (at) ranked = order(fresh_seed);
    from = ranked.begin();
  }
  std::optional<std::uint64_t> cursor;
  std::uint64_t bytes = 0;
  for (auto it = from; it != ranked.end(); ++it) {
    const FileEntry& f = *it->second;
    if (f.size > max_bytes) {  // never fits: passed over
      cursor = it->first;
      continue;
    }
    if (step.sample.size() >= n || bytes + f.size > max_bytes) break;
    bytes += f.size;
    step.sample.push_back(f);
    cursor = it->first;
  }
  auto& segments = step.next.segments;
  if (cursor) segments.push_back({*cursor, created});
  while (segments.size() > Rotation::kMaxSegments) {
    segments[1].created = std::min(segments[0].created, segments[1].created);
    segments.erase(segments.begin());
  }
  std::sort(step.sample.begin(), step.sample.end(), [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  std::unordered_set<std::string_view> sampled;
  for (const auto& f : step.sample) sampled.insert(f.path);
  for (const auto& [rank, f] : ranked) {
    if (f->size > max_bytes) {
      ++step.too_large;
      continue;
    }
    auto in = std::lower_bound(segments.begin(), segments.end(), rank,
                               [](const Rotation::Segment& s, std::uint64_t r) { return s.cursor < r; });
    if (sampled.contains(f->path) || (in != segments.end() && f->ctime <= in->created)) ++step.covered;
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
