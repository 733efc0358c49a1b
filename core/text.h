#pragma once
// Splitting command output into lines, and whole numbers in it.

#include <charconv>
#include <string_view>
#include <system_error>
#include <vector>

namespace zpull::core {

// The lines of `text` without their '\n'; a final '\n' ends the last line
// (it does not start an empty one). Views into `text`.
inline std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The whole of `s` as a decimal integer of type T; false for anything else
// (sign where T has none, trailing text, overflow).
template <class T>
bool ParseNumber(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace zpull::core
