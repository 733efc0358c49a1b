#pragma once
// Shell-style name patterns (fnmatch(3) without flags: '*' also matches '/').

#include <fnmatch.h>

#include <string>
#include <vector>

namespace zpull::replicate {

inline bool MatchesAny(const std::vector<std::string>& patterns, const std::string& name) {
  for (const auto& p : patterns) {
    if (::fnmatch(p.c_str(), name.c_str(), 0) == 0) return true;
  }
  return false;
}

}  // namespace zpull::replicate
