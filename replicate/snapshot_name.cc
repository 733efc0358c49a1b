#include "replicate/snapshot_name.h"

#include <algorithm>
#include <ctime>

namespace zpull::replicate {

std::string UtcTimeText(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string SnapshotNameFor(std::string_view prefix, std::int64_t unix_seconds) {
  return std::string(prefix) + "_" + UtcTimeText(unix_seconds);
}

std::string SnapshotNameWithSuffix(std::string_view name, int n) {
  return std::string(name) + "_" + std::to_string(n);
}

std::string FreeSnapshotName(std::string_view prefix, std::int64_t unix_seconds, const std::vector<std::string>& taken,
                             int max_suffix) {
  const std::string base = SnapshotNameFor(prefix, unix_seconds);
  auto free = [&](const std::string& n) { return std::find(taken.begin(), taken.end(), n) == taken.end(); };
  if (free(base)) return base;
  for (int n = 1; n <= max_suffix; ++n) {
    std::string name = SnapshotNameWithSuffix(base, n);
    if (free(name)) return name;
  }
  return base;
}

std::string DefaultPrefix(std::string_view hostname) {
  std::string out = "zpull_";
  for (char c : hostname) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    out += ok ? c : '_';
  }
  if (hostname.empty()) out += "host";
  return out;
}

}  // namespace zpull::replicate
