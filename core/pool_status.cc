#include "core/pool_status.h"

#include <cmath>
#include <ctime>
#include <regex>
#include <sstream>

#include "core/text.h"

namespace zpull::core {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

std::optional<std::uint64_t> ParseCount(const std::string& s) {
  // Error counters are printed with zfs_nicenum above 1000 ("1.2K").
  if (!s.empty() && std::isdigit(static_cast<unsigned char>(s.back()))) {
    try {
      std::size_t pos = 0;
      auto v = std::stoull(s, &pos);
      if (pos == s.size()) return v;
    } catch (const std::exception&) {
    }
    return std::nullopt;
  }
  return ParseNiceBytes(s);
}


// Parses one scan/scrub line body (after "scan:"/"scrub:") plus the two
// continuation lines that follow in-progress states.
void ParseScan(std::string_view body, const std::vector<std::string_view>& next, PoolStatus& st) {
  std::string b(Trim(body));
  std::smatch m;
  auto slot = [&](bool resilver) -> ScanInfo& {
    auto& s = resilver ? st.resilver : st.scrub;
    if (!s) s = ScanInfo{};
    return *s;
  };
  if (b == "none requested") {
    slot(false).state = ScanState::kNone;
    return;
  }
  // OpenZFS: "scrub repaired 0B in 00:00:01 with 0 errors on <ctime>"
  //          "resilvered 6.90G in 00:53:44 with 2 errors on <ctime>"
  //          "resilvered (draid1:…) 53.6M in 00:00:00 with 0 errors on <ctime>"
  static const std::regex kOpenZfsDone(
      R"(^(scrub repaired|resilvered)(?: \([^)]*\))? (\S+) in (.+?) with (\d+) errors on (.+)$)");
  // zfs-fuse / illumos: "scrub completed after 0h0m with 8 errors on <ctime>",
  //                     "scrub stopped after …", "resilver completed after …"
  static const std::regex kLegacyDone(R"(^(scrub|resilver) (completed|stopped) after (\S+) with (\d+) errors on (.+)$)");
  static const std::regex kCanceled(R"(^(scrub|resilver) canceled on (.+)$)");
  static const std::regex kSince(R"(^(scrub|resilver) (in progress|paused) since (.+)$)");
  static const std::regex kLegacyProgress(R"(^(scrub|resilver) in progress for (\S+), ([\d.]+)% done)");
  static const std::regex kPercent(R"(([\d.]+)% done)");
  static const std::regex kRepaired(R"(^(\S+) (?:repaired|resilvered),)");
  if (std::regex_match(b, m, kOpenZfsDone)) {
    ScanInfo& s = slot(m[1] == "resilvered");
    s.state = ScanState::kFinished;
    s.repaired_bytes = ParseNiceBytes(m[2].str());
    s.duration_seconds = ParseScanDuration(m[3].str());
    s.errors = std::stoull(m[4].str());
    s.end_time = ParseCtime(m[5].str());
  } else if (std::regex_match(b, m, kLegacyDone)) {
    ScanInfo& s = slot(m[1] == "resilver");
    s.state = m[2] == "completed" ? ScanState::kFinished : ScanState::kCanceled;
    s.duration_seconds = ParseScanDuration(m[3].str());
    s.errors = std::stoull(m[4].str());
    s.end_time = ParseCtime(m[5].str());
  } else if (std::regex_match(b, m, kCanceled)) {
    ScanInfo& s = slot(m[1] == "resilver");
    s.state = ScanState::kCanceled;
    s.end_time = ParseCtime(m[2].str());
  } else if (std::regex_match(b, m, kSince)) {
    ScanInfo& s = slot(m[1] == "resilver");
    s.state = m[2] == "paused" ? ScanState::kPaused : ScanState::kInProgress;
    s.start_time = ParseCtime(m[3].str());
    for (auto line : next) {
      std::string l(Trim(line));
      std::smatch p;
      if (std::regex_search(l, p, kPercent)) s.progress_ratio = std::min(1.0, std::stod(p[1].str()) / 100.0);
      if (std::regex_search(l, p, kRepaired)) s.repaired_bytes = ParseNiceBytes(p[1].str());
    }
  } else if (std::regex_search(b, m, kLegacyProgress)) {
    ScanInfo& s = slot(m[1] == "resilver");
    s.state = ScanState::kInProgress;
    s.progress_ratio = std::min(1.0, std::stod(m[3].str()) / 100.0);
  }
}

}  // namespace

std::optional<std::uint64_t> ParseNiceBytes(std::string_view s) {
  if (s.empty()) return std::nullopt;
  static const std::string kUnits = "BKMGTPE";
  char unit = s.back();
  std::string_view num = s;
  double scale = 1;
  if (std::isalpha(static_cast<unsigned char>(unit))) {
    auto pos = kUnits.find(static_cast<char>(std::toupper(unit)));
    if (pos == std::string::npos) return std::nullopt;
    scale = std::pow(1024.0, static_cast<double>(pos));
    num.remove_suffix(1);
  }
  try {
    std::size_t used = 0;
    double v = std::stod(std::string(num), &used);
    if (used != num.size() || v < 0) return std::nullopt;
    return static_cast<std::uint64_t>(std::llround(v * scale));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<std::int64_t> ParseScanDuration(std::string_view s) {
  std::string t(Trim(s));
  std::smatch m;
  static const std::regex kHms(R"(^(?:(\d+) days? )?(\d+):(\d{2}):(\d{2})$)");
  static const std::regex kHm(R"(^(\d+)h(\d+)m$)");
  if (std::regex_match(t, m, kHms)) {
    std::int64_t days = m[1].matched ? std::stoll(m[1].str()) : 0;
    return days * 86400 + std::stoll(m[2].str()) * 3600 + std::stoll(m[3].str()) * 60 + std::stoll(m[4].str());
  }
  if (std::regex_match(t, m, kHm)) return std::stoll(m[1].str()) * 3600 + std::stoll(m[2].str()) * 60;
  return std::nullopt;
}

std::optional<std::int64_t> ParseCtime(std::string_view s) {
  std::string t(Trim(s));
  std::tm tm{};
  const char* end = strptime(t.c_str(), "%a %b %e %H:%M:%S %Y", &tm);
  if (!end || *end != '\0') return std::nullopt;
  tm.tm_isdst = -1;
  std::time_t v = std::mktime(&tm);
  if (v == -1) return std::nullopt;
  return static_cast<std::int64_t>(v);
}

std::optional<std::uint64_t> PoolStatus::ScrubRepairedBytes() const {
  if (scrub && scrub->repaired_bytes) return scrub->repaired_bytes;
  std::optional<std::uint64_t> sum;
  for (const auto& v : vdevs) {
    if (v.repaired_bytes) sum = sum.value_or(0) + *v.repaired_bytes;
  }
  return sum;
}

namespace {

Result<PoolStatus> ParseText(std::string_view text) {
  PoolStatus st;
  auto lines = SplitLines(text);
  bool in_config = false, in_errors_list = false, saw_header = false;
  std::size_t base_indent = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view raw = lines[i];
    std::string_view line = Trim(raw);
    auto field = [&](std::string_view key) -> std::optional<std::string_view> {
      if (line.starts_with(key) && line.size() > key.size() && line[key.size()] == ':') {
        return Trim(line.substr(key.size() + 1));
      }
      return std::nullopt;
    };
    if (in_errors_list) {
      if (!line.empty()) st.data_errors = st.data_errors.value_or(0) + 1;
      continue;
    }
    if (auto pool = field("pool")) {
      st.pool = std::string(*pool);
    } else if (auto state = field("state")) {
      st.state = std::string(*state);
    } else if (auto scan = field("scan"); scan || field("scrub")) {
      std::string_view body = scan ? *scan : *field("scrub");
      std::vector<std::string_view> next;
      for (std::size_t k = i + 1; k < lines.size() && k <= i + 2; ++k) next.push_back(lines[k]);
      ParseScan(body, next, st);
    } else if (line == "config:") {
      in_config = true;
    } else if (auto e = field("errors")) {
      in_config = false;
      std::string ev(*e);
      std::smatch m;
      static const std::regex kCount(R"(^(\d+) data errors)");
      if (ev == "No known data errors") {
        st.data_errors = 0;
      } else if (std::regex_search(ev, m, kCount)) {
        st.data_errors = std::stoull(m[1].str());
      } else if (ev.starts_with("Permanent errors have been detected")) {
        st.data_errors = 0;
        in_errors_list = true;
      }
    } else if (in_config) {
      auto w = Words(line);
      if (w.empty()) continue;
      if (w[0] == "NAME" && w.size() >= 5 && w[1] == "STATE") {
        saw_header = true;
        continue;
      }
      if (!saw_header || w.size() < 5) continue;
      // Section headers (logs, cache, spares) have no counters.
      auto r = ParseCount(w[2]), wr = ParseCount(w[3]), c = ParseCount(w[4]);
      if (!r || !wr || !c) continue;
      std::size_t indent = raw.find_first_not_of(" \t");
      if (st.vdevs.empty()) base_indent = indent;
      VdevStatus v{w[0], w[1], *r, *wr, *c, std::nullopt, static_cast<int>((indent - base_indent) / 2)};
      for (std::size_t k = 5; k + 1 < w.size(); ++k) {
        if (w[k + 1] == "repaired" || w[k + 1] == "resilvered") v.repaired_bytes = ParseNiceBytes(w[k]);
      }
      st.vdevs.push_back(std::move(v));
    }
  }
  if (st.state.empty() && st.vdevs.empty() && !st.scrub && !st.resilver && !st.data_errors) {
    return Fail(Reason::kOther, "not zpool status output: no state, scan, config or errors found");
  }
  return st;
}

}  // namespace

Result<PoolStatus> ParsePoolStatus(std::string_view text) {
  // The numbers are a source's text too: one that does not fit (stoull's
  // out_of_range) fails this parse, not the process.
  try {
    return ParseText(text);
  } catch (const std::exception& e) {
    return Fail(Reason::kOther, std::string("unparseable zpool status: ") + e.what());
  }
}

}  // namespace zpull::core
