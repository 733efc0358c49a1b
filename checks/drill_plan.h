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
  std::int64_t creation = 0;  // Unix seconds
};

// The newest destination snapshot that also exists on the source (by guid).
std::optional<DrillSnapshot> PickDrillSnapshot(const core::SnapshotList& source,
                                               const core::SnapshotList& destination);

struct FileEntry {
  std::string path;  // relative to the snapshot's root
  std::uint64_t size = 0;
  std::int64_t ctime = 0;  // Unix seconds of the last change; 0 where the listing has none
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
// Parses `find ROOT -xdev ! -type d -printf '%y %s %P\0'`, or with
// `with_ctime` `-printf '%y %s %C@ %P\0'` (the backup host's own listing).
core::Result<FindListing> ParseTypedFindOutput(std::string_view out, bool with_ctime = false);

// Parses `sha256sum -z -- ROOT/path...` into path (relative to `root`) -> hash.
core::Result<std::map<std::string, std::string>> ParseSha256Output(std::string_view out, std::string_view root);

// What hashing a sample on one side gave: the hash of each file read, and
// why each unreadable file could not be read, by path.
struct SideHashes {
  std::map<std::string, std::string> hashes;
  std::map<std::string, std::string> unreadable;
};

// A `sha256sum -z -- ROOT/path...` run over `files` that may have failed
// on some of them (exit 1: it reads on past an unreadable file and names it
// on stderr, "sha256sum: PATH: why", GNU's quoted where the name needs it):
// the hashes it printed, and each requested file without one as
// unreadable, with the reason stderr gives for it, else stderr's first line.
core::Result<SideHashes> ParseSha256Run(std::string_view out, std::string_view err, std::string_view root,
                                        const std::vector<FileEntry>& files);

// The rank of a file in a sample's order: a hash of (seed, path). Pinned:
// the same tree and seed give the same order on every machine and release.
std::uint64_t SampleRank(std::uint64_t seed, std::string_view path);

// Where a dataset's drills are in their pass over its files (a rotation):
// files ordered by SampleRank(seed, path), read on from the last one a
// drill reached. Kept on the destination dataset as zpull:drill_rotation.
struct Rotation {
  // What the drills of this rotation read: the files ranked up to `cursor`
  // (after the previous segment's) as they were in a snapshot created at
  // `created`. A file changed after that (ctime, to the second) was not
  // read as it is now. Ascending by cursor; at most kMaxSegments (the
  // oldest are merged, keeping the older time: coverage is never
  // overstated).
  struct Segment {
    std::uint64_t cursor = 0;
    std::int64_t created = 0;
    friend bool operator==(const Segment&, const Segment&) = default;
  };
  static constexpr std::size_t kMaxSegments = 64;
  std::uint64_t seed = 0;
  std::vector<Segment> segments;  // empty before the first drill
  friend bool operator==(const Rotation&, const Rotation&) = default;
};
// "2 SEED CURSOR:CREATED,…" ("-" for no segment); at most about 2 KiB.
std::string FormatRotation(const Rotation& r);
// nullopt for anything FormatRotation did not write (a new rotation starts).
std::optional<Rotation> ParseRotation(std::string_view text);

struct RotationStep {
  std::vector<FileEntry> sample;  // what this drill reads, sorted by path
  Rotation next;                  // the rotation once it has
  // Files of the tree read in this rotation as they are now: in a segment
  // and unchanged since its snapshot, this sample included.
  std::size_t covered = 0;
  std::size_t too_large = 0;  // files larger than max_bytes: no drill reads them
  bool started = false;       // this drill began a rotation
};

// The next drill's sample of `tree` (a snapshot created at `created`): on
// from `at`'s cursor in `at`'s order, at most `n` files and `max_bytes`
// bytes (a file larger than `max_bytes` is passed over). A rotation that
// has passed every file, or none (`at` nullopt), starts over in the order
// of `fresh_seed`.
RotationStep NextSample(const std::vector<FileEntry>& tree, const std::optional<Rotation>& at, std::int64_t created,
                        std::size_t n, std::uint64_t max_bytes, std::uint64_t fresh_seed);

// How a sampled file fared.
enum class FileVerdict { kVerified, kMismatched, kUnreadable, kSkipped };
const char* FileVerdictName(FileVerdict v);
struct FileResult {
  std::string path;
  FileVerdict verdict = FileVerdict::kVerified;
  std::string detail;  // why, where not verified
  friend bool operator==(const FileResult&, const FileResult&) = default;
};

struct DrillComparison {
  std::vector<FileResult> files;  // one per sampled file, by path
  std::size_t files_verified = 0, files_mismatched = 0, files_unreadable = 0;
  std::uint64_t bytes_verified = 0;
  std::vector<std::string> mismatches;  // "path: why", and the file counts where they differ
};

// Compares each sampled file's size and hash on both sides (a file either
// side could not read is unreadable, not a mismatch), and the file counts
// of the two trees.
DrillComparison CompareSample(const std::vector<FileEntry>& sample, const std::vector<FileEntry>& destination_tree,
                              const std::vector<FileEntry>& source_tree, const SideHashes& destination,
                              const SideHashes& source);

}  // namespace zpull::checks
