#pragma once
// A restore drill: clone the newest destination snapshot that is also on
// the source (read-only, under a scratch directory), read back a
// reproducible sample of its files and hash them, hash the same files of the
// same snapshot on the source (through .zfs/snapshot, or a temporary
// read-only clone on the source where allowed), and compare names, sizes,
// hashes and file counts. Both sides run `find` and `sha256sum` through
// their CommandRunner, so the local and the SSH path are the same code.
//
// Scratch clones are named "<pool>/<prefix>_<n>" and destroyed by a scope
// guard, also on failure; SweepDrillLeftovers removes those of an earlier
// run that died. They are the only clones zpull makes or destroys, on either
// side.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "checks/drill_plan.h"
#include "core/runner.h"
#include "core/zfs.h"

namespace zpull::checks {

// The closed list of drill failure reasons (docs/restore-drills.md).
enum class DrillFailure {
  kNoSnapshot,         // the destination has no snapshot (or does not exist)
  kMissingOnSource,    // no destination snapshot exists on the source any more
  kCloneFailed,        // a scratch clone could not be made
  kIoError,            // reading the clone (or the source) gave I/O errors
  kMismatch,           // names, sizes, hashes or file counts differ
  kTimeout,            // the drill ran past its timeout (checked between steps)
  kSourceUnreachable,  // the source host could not be reached
  kStopped,            // zpull was stopping (SIGTERM); the drill says nothing about the backup
  kOther,
};
inline constexpr std::array<DrillFailure, 9> kAllDrillFailures = {
    DrillFailure::kNoSnapshot, DrillFailure::kMissingOnSource, DrillFailure::kCloneFailed,
    DrillFailure::kIoError,    DrillFailure::kMismatch,        DrillFailure::kTimeout,
    DrillFailure::kSourceUnreachable, DrillFailure::kStopped,  DrillFailure::kOther};
std::string_view DrillFailureName(DrillFailure f);
// Whether a drill with this outcome ran to a verdict about the backup
// (a finding), as opposed to not being able to run (zpull_check_success).
bool DrillReachedVerdict(std::optional<DrillFailure> f);

struct DrillSide {
  core::Zfs& zfs;
  core::CommandRunner& runner;
  core::DatasetName dataset;
  std::string scratch_directory;  // clones are mounted below it
  // The listing names every entry's type (symlinks, FIFOs and devices are
  // counted as skipped); false where a source's guard 1 admits only the
  // listing of regular files.
  bool typed_listing = true;
  // Paths are checked beneath the root before they are read (a local
  // tree: core/beneath.h; a source's guard 2 checks its own).
  bool local = false;
};

struct DrillOptions {
  std::string prefix;  // scratch clone names: "<pool>/<prefix>_<n>"
  std::size_t sample_files = 20;
  std::uint64_t max_bytes = 64ull << 20;
  bool source_clone = true;  // allow a temporary clone on the source without .zfs
  // Also time a full `zfs send | zfs receive` of the snapshot into a scratch
  // dataset on the backup pool (reads the whole snapshot).
  bool restore_test = false;
  // The drill fails with kTimeout once it has run this long; checked
  // between steps (a single hung command is not interrupted here).
  std::int64_t timeout_seconds = 3600;
  // When it turns true the drill ends at its next step (kStopped); the
  // restore test's transfer ends within about a second.
  const std::atomic<bool>* cancel = nullptr;
  // Where the dataset's drills are in their rotation (zpull:drill_rotation);
  // nullopt: a new rotation starts.
  std::optional<Rotation> rotation;
};

struct DrillOutcome {
  std::optional<DrillFailure> failure;  // none: success
  std::string message;
  std::string snapshot;  // destination short name
  std::size_t files_total = 0;
  std::size_t files_skipped = 0;  // not regular files (symlinks, FIFOs, devices), on the destination
  std::size_t files_verified = 0;
  std::size_t files_mismatched = 0;  // sampled files that differ in size or content, or are missing on the source
  std::size_t files_unreadable = 0;  // sampled files that either side could not read
  std::uint64_t bytes_verified = 0;
  std::size_t mismatches = 0;  // the files mismatched, and the file counts where they differ
  // Each sampled file (and each skipped one) with its verdict, by path.
  std::vector<FileResult> files;
  // The rotation once this drill has read its sample (to be stored); none
  // where the drill ended before reading.
  std::optional<Rotation> rotation;
  bool rotation_started = false;
  std::size_t files_covered = 0;  // of files_total, read in this rotation (RotationStep::covered)
  // With restore_test: measured restore throughput and the dataset's
  // referenced bytes divided by it.
  std::optional<double> restore_bytes_per_second;
  std::optional<double> estimated_restore_seconds;
  std::int64_t started = 0, finished = 0;
  double seconds = 0;
  bool ok() const { return !failure; }
};

DrillOutcome RunDrill(const DrillSide& source, const DrillSide& destination, const DrillOptions& options,
                      const std::function<std::int64_t()>& now);

// Destroys "<pool>/<prefix>_*" filesystems left by an earlier run; with
// `clones_only` (a source), only those that are clones of a snapshot.
core::Result<std::size_t> SweepDrillLeftovers(core::Zfs& zfs, const std::string& pool, const std::string& prefix,
                                              bool clones_only);

}  // namespace zpull::checks
