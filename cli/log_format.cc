#include "cli/log_format.h"

#include <nlohmann/json.hpp>
#include <spdlog/details/log_msg.h>
#include <spdlog/pattern_formatter.h>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace zpull::cli {
namespace {

bool IsKeyChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'; }

// Where a " key=" starts at or after `from` (the index of the space), or npos.
std::size_t NextField(std::string_view s, std::size_t from) {
  for (std::size_t i = s.find(' ', from); i != std::string_view::npos; i = s.find(' ', i + 1)) {
    std::size_t j = i + 1;
    while (j < s.size() && IsKeyChar(s[j])) ++j;
    if (j > i + 1 && j < s.size() && s[j] == '=') return i;
  }
  return std::string_view::npos;
}

std::string Quoted(const std::string& v) {
  bool plain = !v.empty();
  for (char c : v) plain = plain && c > ' ' && c != '"' && c != '=' && c != '\\' && static_cast<unsigned char>(c) < 0x7f;
  if (plain) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

class MachineFormatter : public spdlog::formatter {
 public:
  explicit MachineFormatter(bool json) : json_(json) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto t = std::chrono::system_clock::to_time_t(msg.time);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char ts[96];
    std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    const auto level = spdlog::level::to_string_view(msg.level);
    const LogLine line = SplitLogLine(std::string_view(msg.payload.data(), msg.payload.size()));
    const std::string text = json_ ? LogJson(ts, std::string(level.data(), level.size()), line)
                                   : Logfmt(ts, std::string(level.data(), level.size()), line);
    dest.append(text.data(), text.data() + text.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<MachineFormatter>(json_); }

 private:
  bool json_;
};

}  // namespace

LogLine SplitLogLine(std::string_view s) {
  LogLine out;
  std::size_t first = NextField(s, 0);
  // A payload that starts with a field has no message.
  std::size_t lead = 0;
  while (lead < s.size() && IsKeyChar(s[lead])) ++lead;
  if (lead > 0 && lead < s.size() && s[lead] == '=') first = 0;
  out.message = std::string(s.substr(0, first == std::string_view::npos ? s.size() : first));
  for (std::size_t at = first; at != std::string_view::npos;) {
    const std::size_t key_start = at == 0 && s[0] != ' ' ? 0 : at + 1;
    const std::size_t eq = s.find('=', key_start);
    const std::size_t next = NextField(s, eq + 1);
    std::string value(s.substr(eq + 1, (next == std::string_view::npos ? s.size() : next) - eq - 1));
    // A value zpull already quoted ("…" with \" inside) is taken unquoted.
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      std::string unquoted;
      for (std::size_t i = 1; i + 1 < value.size(); ++i) {
        if (value[i] == '\\' && i + 2 < value.size()) ++i;
        unquoted += value[i];
      }
      value = unquoted;
    }
    out.fields.emplace_back(std::string(s.substr(key_start, eq - key_start)), std::move(value));
    at = next;
  }
  return out;
}

std::string Logfmt(const std::string& ts, const std::string& level, const LogLine& line) {
  std::string out = "ts=" + ts + " level=" + level + " msg=" + Quoted(line.message);
  for (const auto& [k, v] : line.fields) out += " " + k + "=" + Quoted(v);
  return out;
}

std::string LogJson(const std::string& ts, const std::string& level, const LogLine& line) {
  nlohmann::ordered_json j;
  j["ts"] = ts;
  j["level"] = level;
  j["msg"] = line.message;
  for (const auto& [k, v] : line.fields) {
    if (k != "ts" && k != "level" && k != "msg") j[k] = v;
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogFormat format) {
  if (format == LogFormat::kText) return std::make_unique<spdlog::pattern_formatter>();
  return std::make_unique<MachineFormatter>(format == LogFormat::kJson);
}

}  // namespace zpull::cli
