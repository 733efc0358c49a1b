#pragma once
// Parser for `zpool status [-v] <pool>` text in every dialect zpull has
// fixtures for: zfs-fuse 0.7 ("scrub: …"), ZFS on Linux 0.7/0.8 and
// OpenZFS 2.0–2.1 and 2.2+ ("scan: …", their progress formats, multi-day
// durations, resilver and dRAID rebuild lines). Pure; times in the scan
// lines are ctime() strings in the host's local time zone, so converting them
// uses the process's TZ like zpool did.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace zpull::core {

enum class ScanState { kNone, kInProgress, kFinished, kCanceled, kPaused };

struct ScanInfo {
  ScanState state = ScanState::kNone;
  std::optional<std::int64_t> end_time;          // finished/canceled at (Unix seconds)
  std::optional<std::int64_t> start_time;        // in progress/paused since
  std::optional<std::int64_t> duration_seconds;  // of the finished scan
  std::optional<std::uint64_t> errors;
  std::optional<std::uint64_t> repaired_bytes;   // from the scan line (OpenZFS)
  std::optional<double> progress_ratio;          // 0..1 while in progress
};

struct VdevStatus {
  std::string name;
  std::string state;
  std::uint64_t read_errors = 0, write_errors = 0, checksum_errors = 0;
  std::optional<std::uint64_t> repaired_bytes;  // "3.88M repaired" (zfs-fuse), "12K resilvered"
  int depth = 0;                                 // 0 = the pool's own row
};

struct PoolStatus {
  std::string pool;
  std::string state;  // ONLINE, DEGRADED, FAULTED, …
  std::optional<ScanInfo> scrub;
  std::optional<ScanInfo> resilver;
  std::vector<VdevStatus> vdevs;
  // "errors: N data errors" or the number of listed files (-v); 0 for
  // "No known data errors"; nullopt when the errors line is absent.
  std::optional<std::uint64_t> data_errors;

  // Total bytes repaired by the last scrub: the scan line's figure, or the
  // sum of the per-vdev annotations (zfs-fuse prints only those).
  std::optional<std::uint64_t> ScrubRepairedBytes() const;
};

Result<PoolStatus> ParsePoolStatus(std::string_view text);

// Parses `zpool status -j --json-int <pool>` (OpenZFS >= 2.3) into the same
// structure: scan_stats (function, state, start/end time, errors, processed
// = bytes repaired, progress from issued / (to_examine - skipped)), the vdev
// tree's counters, and error_count as the data errors.
Result<PoolStatus> ParsePoolStatusJson(std::string_view json, std::string_view pool);

// "3.88M" -> bytes (powers of 1024, as zfs_nicebytes prints); "0B", "2K".
std::optional<std::uint64_t> ParseNiceBytes(std::string_view s);
// "00:53:44", "6 days 09:01:02", "0h0m", "50h42m" -> seconds.
std::optional<std::int64_t> ParseScanDuration(std::string_view s);
// "Fri Nov 27 06:03:38 2026" (ctime, local time) -> Unix seconds.
std::optional<std::int64_t> ParseCtime(std::string_view s);

}  // namespace zpull::core
