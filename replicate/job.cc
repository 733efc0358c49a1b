#include "replicate/job.h"

#include <algorithm>

namespace zpull::replicate {
namespace {

// The destination as one word of a tag or bookmark name: '/' as ':', ' ' as '_'.
std::string Flat(const core::DatasetName& destination) {
  std::string d = destination.str();
  for (char& c : d) {
    if (c == '/') c = ':';
    if (c == ' ') c = '_';
  }
  return d;
}

}  // namespace

std::string SourceHoldTag(const std::string& prefix, const core::DatasetName& destination) {
  std::string tag = prefix + "_" + Flat(destination);
  // Flat maps two destinations to one word where one has ':' or ' ' (a:b
  // and a/b): those get a digest of the exact name; so do tags past 200
  // characters (ZFS refuses 256), which keep their start.
  const std::string& d = destination.str();
  constexpr std::size_t kMax = 200;
  if (tag.size() <= kMax && d.find_first_of(": ") == std::string::npos) return tag;
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : d) h = (h ^ c) * 1099511628211ull;
  static const char* kHex = "0123456789abcdef";
  std::string digest(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) digest[static_cast<std::size_t>(i)] = kHex[h & 15];
  return tag.substr(0, std::min(tag.size(), kMax - 17)) + "_" + digest;
}

std::string BookmarkStem(const std::string& prefix, const core::DatasetName& destination) {
  return prefix + "_" + Flat(destination) + "_";
}

}  // namespace zpull::replicate
