#include "core/log.h"

#include <spdlog/details/log_msg.h>
#include <spdlog/pattern_formatter.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/safe_text.h"

namespace zpull::core {
namespace {

// A logfmt or text value: bare where that reads back the same, else quoted
// with \" and \\ (after SafeText, nothing else needs escaping).
void AppendValue(std::string& out, std::string_view raw) {
  const std::string v = SafeText(raw);
  bool bare = !v.empty();
  for (char c : v) bare = bare && c != ' ' && c != '"' && c != '=' && c != '\\';
  if (bare) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

void AppendJsonString(std::string& out, std::string_view raw) {
  out += '"';
  for (char c : SafeText(raw)) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
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
    std::string head = json_ ? "{\"ts\":\"" : "ts=";
    head += ts;
    head += json_ ? "\",\"level\":\"" : " level=";
    head.append(level.data(), level.size());
    head += json_ ? "\"," : " ";
    dest.append(head.data(), head.data() + head.size());
    dest.append(msg.payload.data(), msg.payload.data() + msg.payload.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<MachineFormatter>(json_); }

 private:
  bool json_;
};

}  // namespace

std::string LogPayload(LogFormat format, std::string_view message, std::span<const LogField> fields) {
  std::string out;
  switch (format) {
    case LogFormat::kText:
    case LogFormat::kLogfmt:
      if (format == LogFormat::kText && message.find_first_of("=\"") == std::string_view::npos) {
        AppendSafeText(out, message);
      } else if (format == LogFormat::kText) {
        AppendValue(out, message);
      } else {
        out += "msg=";
        AppendValue(out, message);
      }
      for (const auto& f : fields) {
        out += ' ';
        out += f.key;
        out += '=';
        AppendValue(out, f.value);
      }
      break;
    case LogFormat::kJson:
      out += "\"msg\":";
      AppendJsonString(out, message);
      for (const auto& f : fields) {
        out += ',';
        AppendJsonString(out, f.key);
        out += ':';
        AppendJsonString(out, f.value);
      }
      out += '}';
      break;
  }
  return out;
}

std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogFormat format) {
  if (format == LogFormat::kText) return std::make_unique<spdlog::pattern_formatter>();
  return std::make_unique<MachineFormatter>(format == LogFormat::kJson);
}

std::string OneDecimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

void Log::Debug(std::string_view m, std::initializer_list<LogField> f) const { Emit(spdlog::level::debug, m, f); }
void Log::Info(std::string_view m, std::initializer_list<LogField> f) const { Emit(spdlog::level::info, m, f); }
void Log::Warn(std::string_view m, std::initializer_list<LogField> f) const { Emit(spdlog::level::warn, m, f); }
void Log::Error(std::string_view m, std::initializer_list<LogField> f) const { Emit(spdlog::level::err, m, f); }
void Log::Critical(std::string_view m, std::initializer_list<LogField> f) const { Emit(spdlog::level::critical, m, f); }

void Log::Emit(spdlog::level::level_enum level, std::string_view message,
               std::initializer_list<LogField> fields) const {
  if (!logger_ || !logger_->should_log(level)) return;
  const std::string payload = LogPayload(format_, message, std::span(fields.begin(), fields.size()));
  logger_->log(level, spdlog::string_view_t(payload.data(), payload.size()));
}

}  // namespace zpull::core
