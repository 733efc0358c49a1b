#pragma once
// zpull's log: each event is a lower-case message and fields carried as
// data (spdlog 1.10 has no structured fields), formatted once as text,
// logfmt or JSON (--log.format) and never parsed back out of the message.
// Every message and value goes through core::SafeText, so text from a
// source cannot break a line, forge a field or reach a terminal as an
// escape sequence.
//
//   log.Warn("attempt failed", {{"dataset", name}, {"retry_in", 30}, {"error", e.message}});
//     text:   [2026-12-07 03:16:50.123] [zpull] [warning] attempt failed dataset=tank/a retry_in=30 error="…"
//     logfmt: ts=2026-12-07T03:16:50.123Z level=warning msg="attempt failed" dataset=tank/a retry_in=30 error="…"
//     json:   {"ts":"…","level":"warning","msg":"attempt failed","dataset":"tank/a","retry_in":"30","error":"…"}
//
// Thread-safe as its spdlog logger is (zpull's are the _mt kind).

#include <concepts>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <spdlog/formatter.h>
#include <spdlog/logger.h>

namespace zpull::core {

enum class LogFormat { kText, kLogfmt, kJson };

// A field: a key and its value as text. Any text may be a value (a
// source's stderr included); numbers are written in decimal.
struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
  LogField(std::string_view k, T v) : key(k), value(std::to_string(v)) {}
  std::string_view key;  // a constant of the caller: [a-z_]+
  std::string value;
};

// What spdlog carries for one event: `message key=value…` (text),
// `msg=… key=value…` (logfmt) or `"msg":"…","key":"value"…}` (JSON); the
// formatter of MakeLogFormatter puts time and level before it.
std::string LogPayload(LogFormat format, std::string_view message, std::span<const LogField> fields);

// The formatter for `format`: text is spdlog's default pattern; logfmt and
// JSON start with ts= (UTC, milliseconds) and level=.
std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogFormat format);

// "1.5": seconds and rates in log fields.
std::string OneDecimal(double v);

// The message of an event is a constant of the caller ("replicated",
// "attempt failed"); whatever varies goes in a field. (A message that
// holds '=' or '"' all the same is quoted in the text format, so it cannot
// pass for fields.)
class Log {
 public:
  // A logger whose formatter is MakeLogFormatter(format).
  Log(std::shared_ptr<spdlog::logger> logger, LogFormat format) : logger_(std::move(logger)), format_(format) {}

  void Debug(std::string_view message, std::initializer_list<LogField> fields = {}) const;
  void Info(std::string_view message, std::initializer_list<LogField> fields = {}) const;
  void Warn(std::string_view message, std::initializer_list<LogField> fields = {}) const;
  void Error(std::string_view message, std::initializer_list<LogField> fields = {}) const;
  void Critical(std::string_view message, std::initializer_list<LogField> fields = {}) const;
  void Flush() const {
    if (logger_) logger_->flush();
  }

  LogFormat Format() const { return format_; }

 private:
  void Emit(spdlog::level::level_enum level, std::string_view message, std::initializer_list<LogField> fields) const;

  std::shared_ptr<spdlog::logger> logger_;
  LogFormat format_;
};

}  // namespace zpull::core
