#include "core/feature_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/sha256.h"

namespace zpull::core {
namespace {

constexpr std::string_view kFormat = "zpull-features 1";
constexpr std::size_t kMaxFile = 16 * 1024;
constexpr std::time_t kMaxAgeSeconds = FeatureCache::kMaxAge.count();

std::string Digest(std::string_view text) {
  Sha256 h;
  h.Update(text.data(), text.size());
  return h.HexDigest();
}

// One line of text: a newline would start another field.
std::string OneLine(std::string_view s) {
  std::string out(s.substr(0, 200));
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

}  // namespace

std::string FormatCachedFeatures(std::string_view fingerprint, const ZfsFeatures& f) {
  std::string out = std::string(kFormat) + "\n";
  out += "fingerprint " + Digest(fingerprint) + "\n";
  out += "version " + OneLine(f.version) + "\n";
  out += "guard " + std::to_string(f.guard) + "\n";
  for (const auto& [name, flag] : kFeatureFlags) out += std::string(name) + " " + (f.*flag ? "1" : "0") + "\n";
  return out;
}

std::optional<ZfsFeatures> ParseCachedFeatures(std::string_view text, std::string_view fingerprint) {
  std::map<std::string, std::string, std::less<>> fields;
  std::size_t start = 0;
  bool first = true;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) return std::nullopt;  // cut short
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (first) {
      if (line != kFormat) return std::nullopt;
      first = false;
      continue;
    }
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    fields[std::string(line.substr(0, space))] = std::string(line.substr(space + 1));
  }
  auto field = [&](std::string_view name) -> const std::string* {
    auto it = fields.find(name);
    return it == fields.end() ? nullptr : &it->second;
  };
  const std::string* digest = field("fingerprint");
  const std::string* version = field("version");
  const std::string* guard = field("guard");
  if (first || !digest || *digest != Digest(fingerprint) || !version || !guard) return std::nullopt;
  ZfsFeatures f;
  f.version = *version;
  try {
    std::size_t used = 0;
    f.guard = std::stoi(*guard, &used);
    if (used != guard->size() || f.guard < 0) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  for (const auto& [name, flag] : kFeatureFlags) {
    const std::string* v = field(name);
    if (!v || (*v != "0" && *v != "1")) return std::nullopt;
    f.*flag = *v == "1";
  }
  return f;
}

std::string FeatureCache::Path(std::string_view host) const {
  return directory_ + "/" + Digest(host).substr(0, 32) + ".features";
}

std::optional<ZfsFeatures> FeatureCache::Load(std::string_view host, std::string_view fingerprint) const {
  if (directory_.empty()) return std::nullopt;
  const int fd = ::open(Path(host).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::string text;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() && (st.st_mode & 022) == 0 &&
      st.st_size <= static_cast<off_t>(kMaxFile) && std::time(nullptr) - st.st_mtime < kMaxAgeSeconds &&
      st.st_mtime <= std::time(nullptr) + 60) {
    text.resize(static_cast<std::size_t>(st.st_size));
    if (::read(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) text.clear();
  }
  ::close(fd);
  return ParseCachedFeatures(text, fingerprint);
}

void FeatureCache::Store(std::string_view host, std::string_view fingerprint, const ZfsFeatures& f) const {
  if (directory_.empty()) return;
  std::error_code ec;
  if (std::filesystem::create_directories(directory_, ec)) {
    std::filesystem::permissions(directory_, std::filesystem::perms::owner_all, ec);
  }
  const std::string path = Path(host);
  static std::atomic<unsigned> n{0};
  const std::string tmp = path + ".tmp" + std::to_string(::getpid()) + "." + std::to_string(n++);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return;
  const std::string text = FormatCachedFeatures(fingerprint, f);
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!written || std::rename(tmp.c_str(), path.c_str()) != 0) ::unlink(tmp.c_str());
}

}  // namespace zpull::core
