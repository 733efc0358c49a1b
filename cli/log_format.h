#pragma once
// zpull's log lines for machines: --log.format=logfmt|json on stderr
// (journald keeps either). zpull logs "<message> key=value key=value…";
// these split that into the message and its fields. Pure functions, plus an
// spdlog formatter that uses them.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/formatter.h>

namespace zpull::cli {

struct LogLine {
  std::string message;                                     // the words before the first key=
  std::vector<std::pair<std::string, std::string>> fields;  // a value runs until the next " key="
};
LogLine SplitLogLine(std::string_view payload);

// ts=… level=… msg="…" key=value (values quoted where they need it).
std::string Logfmt(const std::string& ts, const std::string& level, const LogLine& line);
// {"ts":"…","level":"…","msg":"…","key":"value",…}
std::string LogJson(const std::string& ts, const std::string& level, const LogLine& line);

enum class LogFormat { kText, kLogfmt, kJson };
std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogFormat format);

}  // namespace zpull::cli
