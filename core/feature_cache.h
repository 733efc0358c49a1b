#pragma once
// Probed ZFS features kept on disk between runs, one file per host, so that
// a short-lived `zpull verify` or `zpull once` need not probe again. An
// entry holds while the host's fingerprint (Zfs::Fingerprint: its commands,
// its `zfs version` output and its guard's version) is the one it was
// probed under, for a day (a source's guard options, which no fingerprint
// shows, may change what it refuses). Anything else is a miss: another
// fingerprint, another format, a field missing, an older file, a file not
// owned by this user or writable by others.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/zfs.h"

namespace zpull::core {

// The file's text: a format line, the fingerprint's SHA-256, each feature.
std::string FormatCachedFeatures(std::string_view fingerprint, const ZfsFeatures& f);
// The features of `text` if it was written for `fingerprint`. Pure.
std::optional<ZfsFeatures> ParseCachedFeatures(std::string_view text, std::string_view fingerprint);

class FeatureCache {
 public:
  // "": nothing is kept. The directory is made (0700) on the first Store.
  // How long an entry holds (a source's guard options, which no
  // fingerprint shows, may change what it refuses).
  static constexpr std::chrono::seconds kMaxAge{24 * 3600};

  explicit FeatureCache(std::string directory) : directory_(std::move(directory)) {}
  std::optional<ZfsFeatures> Load(std::string_view host, std::string_view fingerprint) const;
  // Best effort (written to a temporary file, then renamed): a cache that
  // cannot be written costs only the probes next time.
  void Store(std::string_view host, std::string_view fingerprint, const ZfsFeatures& f) const;
  const std::string& directory() const { return directory_; }

 private:
  std::string Path(std::string_view host) const;
  std::string directory_;
};

}  // namespace zpull::core
