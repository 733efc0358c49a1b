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

// HTML text and attribute values, made valid UTF-8 without control
// characters first (core/safe_text.h).
std::string Escape(const std::string& raw) {
  const std::string s = core::SafeText(raw);
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Ago(std::int64_t now, std::optional<std::int64_t> when) {
  if (!when) return "never";
  return HumanDuration(double(now - *when)) + " ago";
}

std::string Result(const DatasetStatus& d) {
  return d.last_result == "failed" ? "failed (" + d.last_reason + ")" : d.last_result;
}

std::string Progress(const DatasetStatus& d) {
  if (d.state != "running") return "-";
  return TransferText(d.bytes, d.expected_bytes, d.bytes_per_second, d.eta_seconds);
}

std::string Drill(std::int64_t now, const DatasetStatus& d) {
  if (d.drill_outcome.empty()) return "-";
  return d.drill_outcome + (d.drill_last_success ? ", passed " + Ago(now, d.drill_last_success) : "");
}

std::string Scrub(std::int64_t now, const PoolStatusRow& p) {
  if (p.scrubbing) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "scrubbing %.0f%%", 100.0 * p.scrub_progress.value_or(0));
    return buf;
  }
  return "last " + Ago(now, p.last_scrub);
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
  j["now"] = r.now;
  j["version"] = r.version;
  j["datasets"] = nlohmann::json::array();
  for (const auto& d : r.datasets) {
    j["datasets"].push_back({{"dataset", d.dataset},
                             {"source", d.source},
                             {"state", d.state},
                             {"lag_seconds", Opt(d.lag_seconds)},
                             {"last_success", Opt(d.last_success)},
                             {"last_result", d.last_result},
                             {"last_reason", d.last_reason},
                             {"bytes", d.bytes},
                             {"expected_bytes", Opt(d.expected_bytes)},
                             {"bytes_per_second", Opt(d.bytes_per_second)},
                             {"eta_seconds", Opt(d.eta_seconds)},
                             {"drill_outcome", d.drill_outcome},
                             {"drill_last_success", Opt(d.drill_last_success)}});
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
                          {"permanent_errors", p.permanent_errors}});
  }
  MakeSafe(j);
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string StatusTable(const StatusReport& r) {
  std::vector<std::vector<std::string>> rows = {{"DATASET", "STATE", "LAG", "LAST SUCCESS", "LAST RESULT", "TRANSFER", "DRILL"}};
  for (const auto& d : r.datasets) {
    rows.push_back({d.dataset, d.state, d.lag_seconds ? HumanDuration(double(*d.lag_seconds)) : "-",
                    Ago(r.now, d.last_success), Result(d), Progress(d), Drill(r.now, d)});
  }
  std::string out = Table(rows);
  if (!r.pools.empty()) {
    std::vector<std::vector<std::string>> pools = {{"POOL", "HOST", "HEALTH", "SCRUB", "SCRUB ERRORS", "PERMANENT ERRORS"}};
    for (const auto& p : r.pools) {
      pools.push_back({p.pool, p.host, p.health.empty() ? "-" : p.health, Scrub(r.now, p), std::to_string(p.scrub_errors),
                       std::to_string(p.permanent_errors)});
    }
    out += "\n" + Table(pools);
  }
  return out;
}

std::string StatusHtml(const StatusReport& r) {
  std::string h =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"10\">"
      "<title>zpull</title><style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;"
      "margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}"
      ".failed{color:#b00}.ok{color:#070}progress{width:10em}</style></head><body>\n"
      "<h1>zpull " + Escape(r.version) + "</h1>\n<p><a href=\"/metrics\">/metrics</a> "
      "<a href=\"/status\">/status</a> <a href=\"/healthz\">/healthz</a></p>\n"
      "<h2>Datasets</h2>\n<table id=\"datasets\"><tr><th>dataset</th><th>source</th><th>state</th><th>lag</th>"
      "<th>last success</th><th>last result</th><th>transfer</th><th>drill</th></tr>\n";
  for (const auto& d : r.datasets) {
    std::string transfer = Escape(Progress(d));
    if (d.state == "running" && d.expected_bytes && *d.expected_bytes > 0) {
      transfer = "<progress max=\"" + std::to_string(*d.expected_bytes) + "\" value=\"" +
                 std::to_string(std::min(d.bytes, *d.expected_bytes)) + "\"></progress> " + transfer;
    }
    h += "<tr data-dataset=\"" + Escape(d.dataset) + "\"><td>" + Escape(d.dataset) + "</td><td>" + Escape(d.source) +
         "</td><td class=\"state\">" + Escape(d.state) + "</td><td class=\"lag\">" +
         (d.lag_seconds ? HumanDuration(double(*d.lag_seconds)) : "-") + "</td><td>" + Ago(r.now, d.last_success) +
         "</td><td class=\"result " + Escape(d.last_result) + "\">" + Escape(Result(d)) + "</td><td class=\"transfer\">" +
         transfer + "</td><td class=\"drill\">" + Escape(Drill(r.now, d)) + "</td></tr>\n";
  }
  h += "</table>\n<h2>Pools</h2>\n<table id=\"pools\"><tr><th>pool</th><th>host</th><th>health</th><th>scrub</th>"
       "<th>scrub errors</th><th>permanent errors</th></tr>\n";
  for (const auto& p : r.pools) {
    h += "<tr data-pool=\"" + Escape(p.pool) + "\"><td>" + Escape(p.pool) + "</td><td>" + Escape(p.host) +
         "</td><td class=\"health\">" + Escape(p.health) + "</td><td class=\"scrub\">" + Escape(Scrub(r.now, p)) +
         "</td><td class=\"scrub-errors\">" + std::to_string(p.scrub_errors) + "</td><td>" +
         std::to_string(p.permanent_errors) + "</td></tr>\n";
  }
  h += "</table>\n</body></html>\n";
  return h;
}

}  // namespace zpull::exporter
