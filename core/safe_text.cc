#include "core/safe_text.h"

#include <cstdint>
#include <cstdio>

namespace zpull::core {
namespace {

// Length of the valid UTF-8 sequence at the start of `s` and its code point;
// 0 if the first byte does not begin one. `partial` is set when `s` ends
// inside a sequence that is valid so far.
std::size_t DecodeOne(std::string_view s, char32_t& cp, bool* partial = nullptr) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // the second byte's range
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;  // overlong
    if (c == 0xed) hi = 0x9f;  // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;  // overlong
    if (c == 0xf4) hi = 0x8f;  // past U+10FFFF
  } else {
    return 0;
  }
  char32_t v = c & (0xff >> (n + 1));
  for (std::size_t i = 1; i < n; ++i) {
    if (i >= s.size()) {
      if (partial) *partial = true;
      return 0;
    }
    const unsigned char x = b(i);
    if (x < (i == 1 ? lo : 0x80) || x > (i == 1 ? hi : 0xbf)) return 0;
    v = (v << 6) | (x & 0x3f);
  }
  cp = v;
  return n;
}

bool Escaped(char32_t cp) {
  return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x061c || (cp >= 0x200b && cp <= 0x200f) ||
         cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
         cp == 0xfeff;
}

void AppendEscape(std::string& out, char32_t cp) {
  char buf[8];
  switch (cp) {
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
  }
  if (cp < 0x80) {
    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
  } else {
    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
  }
  out += buf;
}

}  // namespace

void AppendSafeText(std::string& out, std::string_view text, bool keep_lines) {
  out.reserve(out.size() + text.size());
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const std::size_t n = DecodeOne(text.substr(i), cp);
    if (n == 0) {
      out += "\xef\xbf\xbd";  // U+FFFD
      ++i;
      continue;
    }
    if (Escaped(cp) && !(keep_lines && (cp == '\n' || cp == '\t'))) {
      AppendEscape(out, cp);
    } else {
      out.append(text.data() + i, n);
    }
    i += n;
  }
}

std::string SafeText(std::string_view text, bool keep_lines) {
  std::string out;
  AppendSafeText(out, text, keep_lines);
  return out;
}

std::size_t CompleteUtf8Prefix(std::string_view text) {
  // A sequence is at most 4 bytes: only the last 3 can start an incomplete one.
  const std::size_t from = text.size() > 3 ? text.size() - 3 : 0;
  for (std::size_t i = from; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0xc2 || c > 0xf4) continue;
    char32_t cp = 0;
    bool partial = false;
    if (DecodeOne(text.substr(i), cp, &partial) == 0 && partial) return i;
  }
  return text.size();
}

}  // namespace zpull::core
