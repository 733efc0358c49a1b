#include "exporter/textfile.h"

#include "core/text.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <vector>

namespace zpull::exporter {
namespace {

// "name{labels} value": the series key and the value (the serializer writes
// no timestamps; label values may contain spaces, the value cannot).
bool SplitSample(std::string_view line, std::string_view& key, double& value) {
  std::size_t space = line.rfind(' ');
  if (space == std::string_view::npos || line.empty() || line[0] == '#') return false;
  key = line.substr(0, space);
  std::string v(line.substr(space + 1));
  char* end = nullptr;
  value = std::strtod(v.c_str(), &end);
  return end && *end == '\0' && !v.empty();
}

std::string_view MetricName(std::string_view key) { return key.substr(0, key.find('{')); }

// The value of a series' dataset label, "" without one (configured names
// need no escapes).
std::string_view DatasetOf(std::string_view key) {
  const std::size_t at = key.find("dataset=\"");
  if (at == std::string_view::npos) return {};
  const std::size_t begin = at + 9;
  return key.substr(begin, key.find('"', begin) - begin);
}

// Names of counter-like samples: counters, and a histogram's _bucket,
// _sum and _count.
std::set<std::string, std::less<>> Cumulative(const std::vector<std::string_view>& lines) {
  std::set<std::string, std::less<>> names;
  for (auto line : lines) {
    if (!line.starts_with("# TYPE ")) continue;
    std::string_view rest = line.substr(7);
    std::size_t space = rest.find(' ');
    if (space == std::string_view::npos) continue;
    std::string name(rest.substr(0, space));
    std::string_view type = rest.substr(space + 1);
    if (type == "counter") names.insert(name);
    if (type == "histogram") {
      for (const char* suffix : {"_bucket", "_sum", "_count"}) names.insert(name + suffix);
    }
  }
  return names;
}

std::string Format(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

std::string CarryForwardCounters(std::string_view previous, std::string_view current) {
  const auto prev_lines = core::SplitLines(previous);
  const auto prev_cumulative = Cumulative(prev_lines);
  std::map<std::string, double, std::less<>> before;
  for (auto line : prev_lines) {
    std::string_view key;
    double v = 0;
    if (SplitSample(line, key, v) && prev_cumulative.count(MetricName(key))) before[std::string(key)] = v;
  }
  const auto lines = core::SplitLines(current);
  const auto cumulative = Cumulative(lines);
  std::string out;
  std::set<std::string_view> datasets;  // still configured: in the current page
  for (auto line : lines) {
    std::string_view key;
    double v = 0;
    if (SplitSample(line, key, v)) datasets.insert(DatasetOf(key));
  }
  // The family being copied: its samples' names. Series it had before but
  // not now (a counter by reason appears at its first count) follow its
  // own samples, unchanged, if their dataset is still configured.
  std::set<std::string, std::less<>> family;
  auto carry_rest = [&] {
    for (auto it = before.begin(); it != before.end();) {
      if (family.count(MetricName(it->first)) && datasets.count(DatasetOf(it->first))) {
        if (it->second != 0) out += it->first + " " + Format(it->second) + "\n";
        it = before.erase(it);
      } else {
        ++it;
      }
    }
    family.clear();
  };
  for (auto line : lines) {
    if (line.starts_with("# HELP ")) carry_rest();
    if (line.starts_with("# TYPE ")) {
      const std::string_view rest = line.substr(7);
      const std::string name(rest.substr(0, rest.find(' ')));
      for (const char* suffix : {"", "_bucket", "_sum", "_count"}) {
        if (cumulative.count(name + suffix)) family.insert(name + suffix);
      }
    }
    std::string_view key;
    double v = 0;
    if (SplitSample(line, key, v) && cumulative.count(MetricName(key))) {
      if (auto it = before.find(key); it != before.end()) {
        out += std::string(key) + " " + Format(v + it->second) + "\n";
        before.erase(it);
        continue;
      }
    }
    out += std::string(line) + "\n";
  }
  carry_rest();
  return out;
}

std::string WithoutFamily(std::string_view text, std::string_view family) {
  std::string out;
  const std::string help = "# HELP " + std::string(family) + " ";
  const std::string type = "# TYPE " + std::string(family) + " ";
  for (auto line : core::SplitLines(text)) {
    std::string_view key;
    double v = 0;
    if (line.starts_with(help) || line.starts_with(type)) continue;
    if (SplitSample(line, key, v) && MetricName(key) == family) continue;
    out += std::string(line) + "\n";
  }
  return out;
}

core::Status WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return core::Fail(core::Reason::kConfig, "cannot write " + tmp + ": " + std::strerror(errno));
  std::string_view rest = text;
  while (!rest.empty()) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return core::Fail(core::Reason::kOther, "cannot write " + tmp + ": " + std::strerror(err));
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return core::Fail(core::Reason::kOther, "cannot write " + tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return core::Fail(core::Reason::kConfig, "cannot rename " + tmp + " to " + path + ": " + std::strerror(err));
  }
  return {};
}

}  // namespace zpull::exporter
