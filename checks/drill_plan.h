#pragma once
// The pure decisions of a restore drill: which snapshot, which files, and
// whether the two sides agree. The effects live in restore_drill.cc.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/snapshot.h"

namespace zpull::checks {

struct DrillSnapshot {
  std::string destination_name;  // short names on each side (equal guid)
  std::string source_name;
  std::uint64_t guid = 0;
};

// The newest destination snapshot that also exists on the source (by guid).
std::optional<DrillSnapshot> PickDrillSnapshot(const core::SnapshotList& source,
                                               const core::SnapshotList& destination);

struct FileEntry {
  std::string path;  // relative to the snapshot's root
  std::uint64_t size = 0;
  friend bool operator==(const FileEntry&, const FileEntry&) = default;
};

// Parses `find ROOT -xdev -type f -printf '%s %P\0'`, sorted by path.
core::Result<std::vector<FileEntry>> ParseFindOutput(std::string_view out);

// A tree as a drill sees it: its regular files, sorted by path, and how
// many entries it skipped (symlinks, FIFOs, devices, sockets: a drill
// reads regular files only; a FIFO would block a naive read for ever).
struct FindListing {
  std::vector<FileEntry> files;
  std::size_t skipped = 0;
};
// Parses `find ROOT -xdev ! -type d -printf '%y %s %P\0'`.
core::Result<FindListing> ParseTypedFindOutput(std::string_view out);

// Parses `sha256sum -z -- ROOT/path...` into path (relative to `root`) -> hash.
core::Result<std::map<std::string, std::string>> ParseSha256Output(std::string_view out, std::string_view root);

// A reproducible sample: files ordered by a hash of (seed, path), taken while
// they fit in `max_bytes` (a file larger than that is skipped), at most `n`.
// The same tree and seed give the same sample on any machine.
std::vector<FileEntry> SampleFiles(const std::vector<FileEntry>& files, std::uint64_t seed, std::size_t n,
                                   std::uint64_t max_bytes);

struct DrillComparison {
  std::size_t files_verified = 0;
  std::uint64_t bytes_verified = 0;
  std::vector<std::string> mismatches;  // "path: why"
};

// Compares the sampled files' sizes and hashes on both sides, and the file
// counts of the two trees.
DrillComparison CompareSample(const std::vector<FileEntry>& sample, const std::vector<FileEntry>& destination_tree,
                              const std::vector<FileEntry>& source_tree,
                              const std::map<std::string, std::string>& destination_hashes,
                              const std::map<std::string, std::string>& source_hashes);

}  // namespace zpull::checks
