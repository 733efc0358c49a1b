#include "exporter/status.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/safe_text.h"

namespace zpull::exporter {
namespace {

// Every string in `j` as core::SafeText makes it: the same visible escapes
// as in the logs and metrics, so that a reader's `jq -r` prints no control
// character either.
void MakeSafe(nlohmann::json& j) {
  if (j.is_string()) {
    j = core::SafeText(j.get_ref<const std::string&>());
  } else if (j.is_structured()) {
    for (auto& v : j) MakeSafe(v);
  }
}

template <typename T>
nlohmann::json Opt(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// Columns padded to their widest cell; cells as core::SafeText makes them
// (a terminal shows them, it does not act on them).
std::string Table(std::vector<std::vector<std::string>> rows) {
  for (auto& r : rows) {
    for (auto& cell : r) cell = core::SafeText(cell);
  }
  std::vector<std::size_t> width;
  for (const auto& r : rows) {
    width.resize(std::max(width.size(), r.size()));
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace

std::string Ago(std::int64_t now, std::optional<std::int64_t> when) {
  if (!when) return "never";
  return HumanDuration(double(now - *when)) + " ago";
}

std::string TransferCell(const DatasetStatus& d) {
  if (d.state != "running") return "-";
  // Listing, snapshotting or waiting for its base before any byte moves.
  if (d.bytes == 0) return "starting (no data yet)";
  return TransferText(d.bytes, d.expected_bytes, d.bytes_per_second, d.eta_seconds);
}

std::string DrillText(std::int64_t now, const DatasetStatus& d) {
  if (d.drill_outcome.empty()) return "-";
  std::string out = d.drill_outcome + (d.drill_last_success ? ", passed " + Ago(now, d.drill_last_success) : "");
  if (d.drill_covered_ratio) {
    char buf[48];
    std::snprintf(buf, sizeof buf, ", %.0f%% of files covered", 100.0 * *d.drill_covered_ratio);
    out += buf;
  }
  return out;
}

std::string ScrubText(std::int64_t now, const PoolStatusRow& p) {
  if (p.scrubbing) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "scrubbing %.0f%%", 100.0 * p.scrub_progress.value_or(0));
    return buf;
  }
  return "last " + Ago(now, p.last_scrub);
}

std::string ParityText(const ParityStatus& p) {
  std::string out;
  auto add = [&out](std::size_t n, const char* what) {
    if (n) out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  add(p.not_replicated, "not replicated yet");
  add(p.holes, "holes");
  add(p.guid_mismatches, "guid mismatches");
  add(p.diverged, "diverged");
  return out.empty() ? "in step" : out;
}

namespace {

std::string Result(const DatasetStatus& d) {
  return d.last_result == "failed" ? "failed (" + d.last_reason + ")" : d.last_result;
}

bool SeriousParity(const ParityStatus& p) { return p.holes || p.guid_mismatches || p.diverged; }

}  // namespace

std::string Verdict::Headline() const {
  if (attention.empty()) {
    std::string out = std::to_string(datasets_healthy) + (datasets_healthy == 1 ? " dataset" : " datasets");
    if (pools_healthy) out += " and " + std::to_string(pools_healthy) + (pools_healthy == 1 ? " pool" : " pools");
    out += " healthy";
    if (datasets_paused) out += ", " + std::to_string(datasets_paused) + " paused";
    return out;
  }
  std::string out = std::to_string(attention.size()) + (attention.size() == 1 ? " needs" : " need") + " attention: ";
  for (std::size_t i = 0; i < attention.size(); ++i) {
    out += (i ? "; " : "") + attention[i].what + " (" + attention[i].why + ")";
  }
  return out;
}

Verdict Judge(const StatusReport& r) {
  Verdict v;
  for (const auto& d : r.datasets) {
    if (d.state == "paused") {
      ++v.datasets_paused;
      continue;
    }
    std::vector<std::string> why;
    if (d.last_result == "failed") why.push_back("failing: " + d.last_reason);
    if (!d.last_success && d.last_result != "failed" && d.state != "running") why.push_back("never replicated");
    if (d.lag_seconds && d.interval_seconds > 0 && *d.lag_seconds > 2 * d.interval_seconds + 300) {
      why.push_back("lag " + HumanDuration(double(*d.lag_seconds)) + " (interval " +
                    HumanDuration(double(d.interval_seconds)) + ")");
    }
    if (d.parity && SeriousParity(*d.parity)) why.push_back("parity: " + ParityText(*d.parity));
    if (!d.drill_outcome.empty() && d.drill_outcome != "ok") why.push_back("drill " + d.drill_outcome);
    if (why.empty()) {
      ++v.datasets_healthy;
      continue;
    }
    std::string joined;
    for (const auto& w : why) joined += (joined.empty() ? "" : ", ") + w;
    v.attention.push_back({d.dataset, joined});
  }
  for (const auto& p : r.pools) {
    std::vector<std::string> why;
    if (!p.health.empty() && p.health != "ONLINE") why.push_back(p.health);
    if (p.scrub_errors) why.push_back(std::to_string(p.scrub_errors) + " scrub errors");
    if (p.permanent_errors) why.push_back(std::to_string(p.permanent_errors) + " permanent errors");
    if (p.vdev_errors) why.push_back(std::to_string(p.vdev_errors) + " vdev errors");
    if (p.size_bytes && p.allocated_bytes && *p.size_bytes && double(*p.allocated_bytes) > 0.85 * double(*p.size_bytes)) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.0f%% full", 100.0 * double(*p.allocated_bytes) / double(*p.size_bytes));
      why.push_back(buf);
    }
    if (why.empty()) {
      ++v.pools_healthy;
      continue;
    }
    std::string joined;
    for (const auto& w : why) joined += (joined.empty() ? "" : ", ") + w;
    v.attention.push_back({"pool " + p.pool + " on " + p.host, joined});
  }
  return v;
}


std::optional<double> TransferRate(std::uint64_t bytes, std::int64_t seconds) {
  if (seconds <= 0 || bytes == 0) return std::nullopt;
  return double(bytes) / double(seconds);
}

std::optional<double> TransferEta(std::uint64_t bytes, std::optional<std::uint64_t> expected, std::optional<double> rate) {
  if (!expected || !rate || *rate <= 0) return std::nullopt;
  return *expected > bytes ? double(*expected - bytes) / *rate : 0.0;
}

std::string TransferText(std::uint64_t bytes, std::optional<std::uint64_t> expected, std::optional<double> rate,
                         std::optional<double> eta) {
  std::string out = HumanBytes(double(bytes));
  if (expected && *expected > 0) {
    out += " / " + HumanBytes(double(*expected));
    char pct[16];
    std::snprintf(pct, sizeof pct, " %.0f%%", std::min(100.0, 100.0 * double(bytes) / double(*expected)));
    out += pct;
  }
  if (rate) out += " at " + HumanBytes(*rate) + "/s";
  if (eta) out += ", ETA " + HumanDuration(*eta);
  return out;
}

std::string HumanDuration(std::optional<double> seconds) {
  if (!seconds) return "-";
  auto s = static_cast<std::int64_t>(std::llround(std::max(0.0, *seconds)));
  char buf[32];
  if (s < 60) std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  else if (s < 86400) std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600), static_cast<long long>(s % 3600 / 60));
  else std::snprintf(buf, sizeof buf, "%lldd%02lldh", static_cast<long long>(s / 86400), static_cast<long long>(s % 86400 / 3600));
  return buf;
}

std::string HumanBytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (bytes >= 1024 && u < 5) {
    bytes /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

std::string StatusJson(const StatusReport& r) {
  nlohmann::json j;
  j["schema_version"] = 2;
  j["now"] = r.now;
  j["version"] = r.version;
  j["host"] = r.host;
  const Verdict v = Judge(r);
  nlohmann::json attention = nlohmann::json::array();
  for (const auto& f : v.attention) attention.push_back({{"what", f.what}, {"why", f.why}});
  j["verdict"] = {{"headline", v.Headline()},
                  {"healthy", v.attention.empty()},
                  {"datasets_healthy", v.datasets_healthy},
                  {"datasets_paused", v.datasets_paused},
                  {"pools_healthy", v.pools_healthy},
                  {"attention", attention}};
  j["datasets"] = nlohmann::json::array();
  for (const auto& d : r.datasets) {
    nlohmann::json parity = nullptr;
    if (d.parity) {
      parity = {{"not_replicated", d.parity->not_replicated},
                {"holes", d.parity->holes},
                {"guid_mismatches", d.parity->guid_mismatches},
                {"diverged", d.parity->diverged}};
    }
    j["datasets"].push_back({{"dataset", d.dataset},
                             {"source", d.source},
                             {"state", d.state},
                             {"lag_seconds", Opt(d.lag_seconds)},
                             {"interval_seconds", d.interval_seconds},
                             {"last_success", Opt(d.last_success)},
                             {"next_run", Opt(d.next_run)},
                             {"last_result", d.last_result},
                             {"last_reason", d.last_reason},
                             {"last_message", d.last_message},
                             {"remedy", d.remedy},
                             {"remedy_url", d.last_reason.empty() ? "" : kFailureReasonsUrl},
                             {"bytes", d.bytes},
                             {"expected_bytes", Opt(d.expected_bytes)},
                             {"bytes_per_second", Opt(d.bytes_per_second)},
                             {"eta_seconds", Opt(d.eta_seconds)},
                             {"parity", parity},
                             {"drill_outcome", d.drill_outcome},
                             {"drill_last_success", Opt(d.drill_last_success)},
                             {"drill_last_run", Opt(d.drill_last_run)},
                             {"drill_covered_ratio", Opt(d.drill_covered_ratio)}});
  }
  j["pools"] = nlohmann::json::array();
  for (const auto& p : r.pools) {
    j["pools"].push_back({{"host", p.host},
                          {"pool", p.pool},
                          {"health", p.health},
                          {"scrubbing", p.scrubbing},
                          {"scrub_progress", Opt(p.scrub_progress)},
                          {"last_scrub", Opt(p.last_scrub)},
                          {"scrub_errors", p.scrub_errors},
                          {"permanent_errors", p.permanent_errors},
                          {"vdev_errors", p.vdev_errors},
                          {"size_bytes", Opt(p.size_bytes)},
                          {"allocated_bytes", Opt(p.allocated_bytes)}});
  }
  j["notifications"] = nlohmann::json::array();
  for (const auto& n : r.notifications) {
    j["notifications"].push_back(
        {{"kind", n.kind}, {"target", n.target}, {"last_delivery", n.when}, {"ok", n.ok}, {"error", n.error}});
  }
  MakeSafe(j);
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string StatusTable(const StatusReport& r) {
  std::vector<std::vector<std::string>> rows = {{"DATASET", "STATE", "LAG", "LAST SUCCESS", "LAST RESULT", "TRANSFER", "DRILL"}};
  for (const auto& d : r.datasets) {
    rows.push_back({d.dataset, d.state, d.lag_seconds ? HumanDuration(double(*d.lag_seconds)) : "-",
                    Ago(r.now, d.last_success), Result(d), TransferCell(d), DrillText(r.now, d)});
  }
  std::string out = core::SafeText((r.host.empty() ? "" : r.host + ": ") + Judge(r).Headline()) + "\n\n" + Table(rows);
  if (!r.pools.empty()) {
    std::vector<std::vector<std::string>> pools = {{"POOL", "HOST", "HEALTH", "SCRUB", "SCRUB ERRORS", "PERMANENT ERRORS"}};
    for (const auto& p : r.pools) {
      pools.push_back({p.pool, p.host, p.health.empty() ? "-" : p.health, ScrubText(r.now, p), std::to_string(p.scrub_errors),
                       std::to_string(p.permanent_errors)});
    }
    out += "\n" + Table(pools);
  }
  return out;
}

}  // namespace zpull::exporter
