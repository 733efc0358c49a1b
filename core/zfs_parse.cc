#include "core/zfs_parse.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <vector>

namespace zpull::core {
namespace {

template <class T>
bool ParseNumber(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

Result<SnapshotList> ParseSnapshotGet(std::string_view output, std::string_view fs) {
  struct Partial {
    SnapshotInfo info;
    bool has_guid = false, has_txg = false;
    std::size_t order = 0;
  };
  std::map<std::string, Partial, std::less<>> by_name;
  const std::string prefix = std::string(fs) + "@";
  std::size_t line_no = 0, start = 0;
  while (start < output.size()) {
    std::size_t end = output.find('\n', start);
    if (end == std::string_view::npos) end = output.size();
    std::string_view line = output.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (line.empty()) continue;
    std::string_view fields[4];
    std::size_t n = 0, pos = 0;
    while (n < 4) {
      std::size_t tab = line.find('\t', pos);
      fields[n++] = line.substr(pos, tab == std::string_view::npos ? std::string_view::npos : tab - pos);
      if (tab == std::string_view::npos) break;
      pos = tab + 1;
    }
    if (n < 3) {
      return Fail(Reason::kOther, "zfs get output line " + std::to_string(line_no) +
                                      " has fewer than 3 fields: '" + std::string(line) + "'");
    }
    if (!fields[0].starts_with(prefix)) continue;
    std::string name(fields[0].substr(prefix.size()));
    auto [it, inserted] = by_name.try_emplace(name);
    Partial& p = it->second;
    if (inserted) {
      p.info.name = name;
      p.order = by_name.size();
    }
    std::string_view prop = fields[1], value = fields[2];
    bool ok = true;
    if (prop == "guid") {
      ok = ParseNumber(value, p.info.guid);
      p.has_guid = ok;
    } else if (prop == "createtxg") {
      ok = ParseNumber(value, p.info.createtxg);
      p.has_txg = ok;
    } else if (prop == "creation") {
      ok = ParseNumber(value, p.info.creation);
    } else if (prop == "userrefs") {
      ok = value == "-" || ParseNumber(value, p.info.userrefs);
    }
    if (!ok) {
      return Fail(Reason::kOther, "zfs get output line " + std::to_string(line_no) + ": " + std::string(prop) +
                                      " of " + std::string(fields[0]) + " is not a number: '" +
                                      std::string(value) + "'");
    }
  }
  SnapshotList out;
  for (auto& [name, p] : by_name) {
    if (!p.has_guid || !p.has_txg) {
      return Fail(Reason::kOther, "zfs get output lacks guid or createtxg for " + prefix + name);
    }
    out.push_back(p.info);
  }
  std::sort(out.begin(), out.end(), [](const SnapshotInfo& a, const SnapshotInfo& b) {
    return a.createtxg != b.createtxg ? a.createtxg < b.createtxg : a.guid < b.guid;
  });
  return out;
}

Result<std::map<std::string, std::string>> ParseSnapshotProperty(std::string_view output, std::string_view fs,
                                                                 std::string_view property) {
  std::map<std::string, std::string> out;
  const std::string prefix = std::string(fs) + "@";
  std::size_t start = 0, line_no = 0;
  while (start < output.size()) {
    std::size_t end = output.find('\n', start);
    if (end == std::string_view::npos) end = output.size();
    std::string_view line = output.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (line.empty()) continue;
    std::vector<std::string_view> f;
    std::size_t pos = 0;
    while (true) {
      std::size_t tab = line.find('\t', pos);
      f.push_back(line.substr(pos, tab == std::string_view::npos ? std::string_view::npos : tab - pos));
      if (tab == std::string_view::npos) break;
      pos = tab + 1;
    }
    if (f.size() < 4 || f[1] != property) {
      return Fail(Reason::kOther, "zfs get output line " + std::to_string(line_no) + " is not 'name, " +
                                      std::string(property) + ", value, source': '" + std::string(line) + "'");
    }
    // Only values set on the snapshot itself; "inherited from <fs>" is not.
    const bool own = f[3] == "local" || f[3] == "received";
    if (f[0].starts_with(prefix) && own) out[std::string(f[0].substr(prefix.size()))] = std::string(f[2]);
  }
  return out;
}

}  // namespace zpull::core
