#include <nlohmann/json.hpp>

#include "core/pool_status.h"

namespace zpull::core {
namespace {

using nlohmann::json;

std::uint64_t U(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<std::uint64_t>()
         : it != j.end() && it->is_number_integer() ? static_cast<std::uint64_t>(std::max<std::int64_t>(0, it->get<std::int64_t>()))
                                                     : 0;
}

void AddVdevs(const json& vdevs, int depth, std::vector<VdevStatus>& out) {
  for (const auto& [name, v] : vdevs.items()) {
    out.push_back({v.value("name", name), v.value("state", ""), U(v, "read_errors"), U(v, "write_errors"),
                   U(v, "checksum_errors"), std::nullopt, depth});
    if (v.contains("vdevs")) AddVdevs(v["vdevs"], depth + 1, out);
  }
}

}  // namespace

Result<PoolStatus> ParsePoolStatusJson(std::string_view text, std::string_view pool) {
  try {
    json j = json::parse(text);
    const json& p = j.at("pools").at(std::string(pool));
    PoolStatus st;
    st.pool = p.value("name", std::string(pool));
    st.state = p.value("state", "");
    if (p.contains("vdevs")) AddVdevs(p["vdevs"], 0, st.vdevs);
    st.data_errors = U(p, "error_count");
    if (p.contains("scan_stats")) {
      const json& s = p["scan_stats"];
      const std::string function = s.value("function", "NONE");
      const std::string state = s.value("state", "NONE");
      ScanInfo scan;
      if (state == "FINISHED") {
        scan.state = ScanState::kFinished;
        scan.end_time = static_cast<std::int64_t>(U(s, "end_time"));
        scan.duration_seconds = static_cast<std::int64_t>(U(s, "end_time") - U(s, "start_time") -
                                                          std::min(U(s, "scrub_spent_paused"),
                                                                   U(s, "end_time") - U(s, "start_time")));
      } else if (state == "SCANNING") {
        scan.state = U(s, "scrub_pause") ? ScanState::kPaused : ScanState::kInProgress;
        scan.start_time = static_cast<std::int64_t>(U(s, "start_time"));
        const std::uint64_t total = U(s, "to_examine") - std::min(U(s, "skipped"), U(s, "to_examine"));
        if (total > 0) scan.progress_ratio = std::min(1.0, double(U(s, "issued")) / double(total));
      } else if (state == "CANCELED") {
        scan.state = ScanState::kCanceled;
        scan.end_time = static_cast<std::int64_t>(U(s, "end_time"));
      }
      if (state != "NONE") {
        scan.errors = U(s, "errors");
        scan.repaired_bytes = U(s, "processed");
      }
      if (function == "RESILVER") {
        st.resilver = scan;
      } else {
        st.scrub = scan;
      }
    }
    return st;
  } catch (const json::exception& e) {
    return Fail(Reason::kOther, std::string("zpool status JSON: ") + e.what());
  }
}

}  // namespace zpull::core
