#include "exporter/status_page.h"

#include <algorithm>
#include <cstdio>

#include "core/safe_text.h"
#include "replicate/snapshot_name.h"

namespace zpull::exporter {
namespace {

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

std::string Item(const std::string& term, const std::string& cls, const std::string& html) {
  return "<dt>" + term + "</dt><dd class=\"" + cls + "\">" + html + "</dd>";
}

std::string In(std::int64_t now, std::optional<std::int64_t> when) {
  if (!when) return "-";
  if (*when <= now) return "due now";
  return "in " + HumanDuration(double(*when - now));
}

std::string DatasetCard(const StatusReport& r, const DatasetStatus& d, bool attention) {
  std::string transfer = Escape(TransferCell(d));
  if (d.state == "running" && d.bytes > 0 && d.expected_bytes && *d.expected_bytes > 0) {
    transfer = "<progress max=\"" + std::to_string(*d.expected_bytes) + "\" value=\"" +
               std::to_string(std::min(d.bytes, *d.expected_bytes)) + "\"></progress> " + transfer;
  }
  std::string lag = d.lag_seconds ? HumanDuration(double(*d.lag_seconds)) : "-";
  if (d.interval_seconds > 0) lag += " (interval " + HumanDuration(double(d.interval_seconds)) + ")";
  std::string result = Escape(d.last_result);
  if (d.last_result == "failed") {
    result = "failed (" + Escape(d.last_reason) + ")" +
             (d.last_message.empty() ? "" : "<span class=\"message\">" + Escape(d.last_message) + "</span>") +
             (d.remedy.empty() ? "" : "<span class=\"remedy\">Fix: " + Escape(d.remedy) + "</span>") +
             " <a href=\"" + std::string(kFailureReasonsUrl) + "\">runbook</a>";
  }
  std::string h = "<article class=\"card" + std::string(attention ? " attention" : "") + "\" data-dataset=\"" +
                  Escape(d.dataset) + "\"><h3>" + Escape(d.dataset) + "</h3><p class=\"source\">from " +
                  Escape(d.source) + "</p><dl>";
  h += Item("state", "state", Escape(d.state));
  h += Item("lag", "lag", lag);
  h += Item("last success", "last-success", Ago(r.now, d.last_success));
  h += Item("next run", "next-run", d.state == "idle" ? In(r.now, d.next_run) : "-");
  if (d.state == "running") h += Item("transfer", "transfer", transfer);
  h += Item("last result", "result " + Escape(d.last_result), result);
  h += Item("parity", "parity", d.parity ? Escape(ParityText(*d.parity)) : "not checked yet");
  h += Item("drill", "drill", Escape(DrillText(r.now, d)));
  return h + "</dl></article>\n";
}

std::string PoolCard(const StatusReport& r, const PoolStatusRow& p, bool attention) {
  std::string capacity = "-";
  if (p.size_bytes && p.allocated_bytes && *p.size_bytes > 0) {
    char pct[16];
    std::snprintf(pct, sizeof pct, "%.0f%%", 100.0 * double(*p.allocated_bytes) / double(*p.size_bytes));
    capacity = std::string(pct) + " of " + HumanBytes(double(*p.size_bytes)) + " (" +
               HumanBytes(double(*p.size_bytes - std::min(*p.size_bytes, *p.allocated_bytes))) + " free)";
  }
  std::string h = "<article class=\"card" + std::string(attention ? " attention" : "") + "\" data-pool=\"" +
                  Escape(p.pool) + "\"><h3>" + Escape(p.pool) + "</h3><p class=\"source\">on " + Escape(p.host) +
                  "</p><dl>";
  h += Item("health", "health", Escape(p.health.empty() ? "-" : p.health));
  h += Item("capacity", "capacity", capacity);
  h += Item("scrub", "scrub", Escape(ScrubText(r.now, p)));
  h += Item("errors", "errors",
            std::to_string(p.scrub_errors) + " in the last scrub, " + std::to_string(p.permanent_errors) +
                " permanent, " + std::to_string(p.vdev_errors) + " on vdevs");
  return h + "</dl></article>\n";
}

constexpr const char* kStyle =
    "*{box-sizing:border-box}body{font-family:system-ui,sans-serif;margin:0;padding:1em;max-width:80em;"
    "color:#222}h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.15em;margin:1.2em 0 .5em}"
    "h3{font-size:1em;margin:0;overflow-wrap:anywhere}a{color:#05c}.links a{margin-right:.8em}"
    ".verdict{padding:.8em 1em;border-radius:.4em;margin:.8em 0;overflow-wrap:anywhere}"
    ".verdict.ok{background:#e6f4ea;border:1px solid #7c7}.verdict.attention{background:#fdecea;"
    "border:1px solid #d77}.verdict ul{margin:.4em 0 0;padding-left:1.2em}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,22em),1fr));gap:.8em}"
    ".card{border:1px solid #ccc;border-radius:.4em;padding:.7em .9em;min-width:0}"
    ".card.attention{border-color:#d77;box-shadow:inset 4px 0 #d44}"
    ".source{color:#666;margin:.1em 0 .5em;overflow-wrap:anywhere;font-size:.9em}"
    "dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.2em .8em;margin:0}"
    "dt{color:#666}dd{margin:0;overflow-wrap:anywhere}.failed{color:#b00}.ok{color:#070}"
    ".message,.remedy{display:block;color:#444;font-size:.9em}progress{width:8em;max-width:100%}"
    "footer{color:#888;font-size:.85em;margin-top:1.5em}#stale{color:#b00;font-weight:bold}";

// Refreshes the report in place: fetches the page and swaps #report; keeps
// the old one while zpull does not answer. `#check-layout` (the tests)
// records whether the page is wider than the window.
constexpr const char* kScript =
    "<script>\n"
    "(function(){\n"
    "  function layout(){ if (location.hash !== '#check-layout') return;\n"
    "    var e = document.documentElement;\n"
    "    document.body.dataset.overflowX = e.scrollWidth > e.clientWidth ? 'true' : 'false'; }\n"
    "  var busy = false, refreshed = 0;\n"
    "  function stale(){ var s = document.getElementById('stale');\n"
    "    if (s) s.textContent = 'Not updated since ' + new Date().toLocaleTimeString() +\n"
    "      ': zpull does not answer. What follows may be out of date.'; }\n"
    "  function refresh(){\n"
    "    if (busy) return;\n"
    "    busy = true;\n"
    "    fetch(location.pathname, {cache: 'no-store'}).then(function(r){ return r.ok ? r.text() : null; })\n"
    "      .then(function(text){ if (!text) { stale(); return; }\n"
    "        var doc = new DOMParser().parseFromString(text, 'text/html');\n"
    "        var next = doc.getElementById('report'), now = document.getElementById('report');\n"
    "        if (next && now) { now.replaceWith(document.adoptNode(next)); document.title = doc.title; }\n"
    "        var s = document.getElementById('stale'); if (s) s.textContent = '';\n"
    "        document.body.dataset.refreshed = String(++refreshed);\n"
    "        layout(); })\n"
    "      .catch(stale).then(function(){ busy = false; });\n"
    "  }\n"
    "  layout();\n"
    "  setInterval(refresh, 10000);\n"
    "})();\n"
    "</script>\n";

}  // namespace

std::string StatusHtml(const StatusReport& r) {
  const Verdict v = Judge(r);
  auto flagged = [&v](const std::string& what) {
    return std::any_of(v.attention.begin(), v.attention.end(), [&](const auto& f) { return f.what == what; });
  };
  const std::string host = r.host.empty() ? "this host" : r.host;
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>" + std::string(v.attention.empty() ? "" : "(" + std::to_string(v.attention.size()) + ") ") + "zpull on " +
      Escape(host) + "</title><style>" + kStyle + "</style></head><body>\n"
      "<header><h1>zpull on <span class=\"host\">" + Escape(host) + "</span></h1>"
      "<p class=\"links\"><a href=\"/metrics\">/metrics</a><a href=\"/status\">/status</a>"
      "<a href=\"/healthz\">/healthz</a></p><p id=\"stale\" role=\"status\"></p></header>\n"
      "<main id=\"report\">\n";
  h += "<section id=\"verdict\" class=\"verdict " + std::string(v.attention.empty() ? "ok" : "attention") + "\">";
  if (v.attention.empty()) {
    h += "<strong class=\"headline\">" + Escape(v.Headline()) + "</strong>";
  } else {
    h += "<strong class=\"headline\">" + std::to_string(v.attention.size()) +
         (v.attention.size() == 1 ? " needs" : " need") + " attention</strong><ul>";
    for (const auto& f : v.attention) h += "<li>" + Escape(f.what) + ": " + Escape(f.why) + "</li>";
    h += "</ul>";
    auto count = [](std::size_t n, const char* one, const char* many) {
      return std::to_string(n) + " " + (n == 1 ? one : many);
    };
    h += "<p>" + count(v.datasets_healthy, "dataset", "datasets") + " and " + count(v.pools_healthy, "pool", "pools") +
         " healthy" + (v.datasets_paused ? ", " + std::to_string(v.datasets_paused) + " paused" : "") + "</p>";
  }
  h += "</section>\n<h2>Datasets</h2>\n<div class=\"cards\" id=\"datasets\">\n";
  for (const auto& d : r.datasets) h += DatasetCard(r, d, flagged(d.dataset));
  h += "</div>\n<h2>Pools</h2>\n<div class=\"cards\" id=\"pools\">\n";
  for (const auto& p : r.pools) h += PoolCard(r, p, flagged("pool " + p.pool + " on " + p.host));
  h += "</div>\n";
  if (!r.notifications.empty()) {
    h += "<h2>Notifications</h2>\n<div class=\"cards\" id=\"notifications\">\n";
    for (const auto& n : r.notifications) {
      h += "<article class=\"card" + std::string(n.ok ? "" : " attention") + "\" data-notification=\"" +
           Escape(n.kind + " " + n.target) + "\"><h3>" + Escape(n.kind) + " to " + Escape(n.target) + "</h3><dl>" +
           Item("last delivery", "delivery " + std::string(n.ok ? "ok" : "failed"),
                Escape((n.ok ? "ok, " : "failed, ") + Ago(r.now, n.when)) +
                    (n.ok ? "" : "<span class=\"message\">" + Escape(n.error) + "</span>")) +
           "</dl></article>\n";
    }
    h += "</div>\n";
  }
  h += "<footer>zpull " + Escape(r.version) + "; report of " + replicate::UtcTimeText(r.now) +
       ", refreshed every 10 s</footer>\n</main>\n";
  h += kScript;
  h += "</body></html>\n";
  return h;
}

}  // namespace zpull::exporter
