#include "core/zfs_parse.h"

#include "core/snapshot_stream.h"
#include "core/text.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <map>
#include <vector>

namespace zpull::core {

Result<std::vector<GetLine>> ParseGetLines(std::string_view output) {
  std::vector<GetLine> lines;
  std::size_t line_no = 0;
  for (std::string_view line : SplitLines(output)) {
    ++line_no;
    if (line.empty()) continue;
    std::string_view f[4];
    std::size_t n = 0, pos = 0;
    while (n < 4) {
      std::size_t tab = line.find('\t', pos);
      f[n++] = line.substr(pos, tab == std::string_view::npos ? std::string_view::npos : tab - pos);
      if (tab == std::string_view::npos) break;
      pos = tab + 1;
    }
    if (n < 4) {
      return Fail(Reason::kOther, "zfs get output line " + std::to_string(line_no) +
                                      " has fewer than 4 fields: '" + std::string(line) + "'");
    }
    lines.push_back({f[0], f[1], f[2], f[3]});
  }
  return lines;
}

Result<SnapshotList> ParseSnapshotGet(std::string_view output, std::string_view fs, char separator) {
  SnapshotGetParser parser({std::string(fs)}, separator);
  if (auto s = parser.Feed(output); !s) return tl::unexpected(s.error());
  if (auto s = parser.End(); !s) return tl::unexpected(s.error());
  auto block = parser.Pop();
  if (!block || !block->snapshots) return SnapshotList{};
  return std::move(*block->snapshots);
}

Result<std::map<std::string, std::string>> ParseSnapshotProperty(std::string_view output, std::string_view fs,
                                                                 std::string_view property) {
  auto lines = ParseGetLines(output);
  if (!lines) return tl::unexpected(lines.error());
  std::map<std::string, std::string> out;
  const std::string prefix = std::string(fs) + "@";
  for (const GetLine& l : *lines) {
    if (l.property != property) {
      return Fail(Reason::kOther, "zfs get output: expected property " + std::string(property) + ", got '" +
                                      std::string(l.property) + "'");
    }
    // Only values set on the snapshot itself, by this host: not "inherited
    // from <fs>", not "received" in a stream.
    const bool own = l.source == "local";
    if (l.name.starts_with(prefix) && own) out[std::string(l.name.substr(prefix.size()))] = std::string(l.value);
  }
  return out;
}

Result<std::vector<TreeEntry>> ParseTreeListing(std::string_view output) {
  std::vector<TreeEntry> out;
  for (std::string_view line : SplitLines(output)) {
    if (line.empty()) continue;
    const std::size_t tab = line.find('\t');
    if (tab == std::string_view::npos || tab == 0) {
      return Fail(Reason::kOther, "unexpected zfs list line: '" + std::string(line.substr(0, 200)) + "'");
    }
    TreeEntry e{std::string(line.substr(0, tab)), std::string(line.substr(tab + 1))};
    if (e.value == "-") e.value.reset();
    out.push_back(std::move(e));
  }
  return out;
}

std::optional<std::int64_t> ParseInt64(std::string_view text) {
  std::int64_t v = 0;
  if (text.empty() || !ParseNumber(text, v)) return std::nullopt;
  return v;
}

Result<std::map<std::string, std::vector<HoldInfo>>> ParseHolds(std::string_view output) {
  std::map<std::string, std::vector<HoldInfo>> out;
  for (std::string_view line : SplitLines(output)) {
    if (line.empty()) continue;
    std::size_t t1 = line.find('\t');
    std::size_t t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
    std::size_t at = t1 == std::string_view::npos ? t1 : line.substr(0, t1).find('@');
    HoldInfo h;
    if (t2 == std::string_view::npos || at == std::string_view::npos || at == 0 || at + 1 == t1 ||
        !ParseNumber(line.substr(t2 + 1), h.since)) {
      return Fail(Reason::kOther, "unexpected zfs holds line: '" + std::string(line.substr(0, 200)) + "'");
    }
    h.snapshot = std::string(line.substr(at + 1, t1 - at - 1));
    h.tag = std::string(line.substr(t1 + 1, t2 - t1 - 1));
    out[std::string(line.substr(0, at))].push_back(std::move(h));
  }
  return out;
}

Result<std::uint64_t> ParseSendEstimate(std::string_view output) {
  std::optional<std::uint64_t> size;
  for (std::string_view line : SplitLines(output)) {
    if (!line.starts_with("size")) continue;
    std::size_t i = 4;
    while (i < line.size() && (line[i] == '\t' || line[i] == ' ')) ++i;
    std::uint64_t v = 0;
    if (i > 4 && ParseNumber(line.substr(i), v)) size = v;
  }
  if (!size) return Fail(Reason::kOther, "zfs send -nvP printed no size line");
  return *size;
}

}  // namespace zpull::core
