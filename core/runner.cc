#include "core/runner.h"

namespace zpull::core {

std::string FirstLine(std::string_view text) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      return std::string(line);
    }
    start = end + 1;
  }
  return {};
}

std::string DescribeFailure(const Argv& argv, const CommandResult& r) {
  std::string cmd;
  for (std::size_t i = 0; i < argv.size() && i < 4; ++i) {
    if (i) cmd += ' ';
    cmd += argv[i];
  }
  if (argv.size() > 4) cmd += " ...";
  std::string msg = cmd + ": exit " + std::to_string(r.exit_code);
  std::string line = FirstLine(r.err);
  if (!line.empty()) msg += ": " + line;
  return msg;
}

}  // namespace zpull::core
