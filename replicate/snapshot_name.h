#pragma once
// Names of the snapshots zpull takes: "<prefix>_<UTC time to the second>",
// e.g. "zpull_backup1_2026-11-27T08:10:00Z". Pure.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zpull::replicate {

std::string SnapshotNameFor(std::string_view prefix, std::int64_t unix_seconds);
// "2026-11-27T08:10:00Z": a Unix time as the names carry it.
std::string UtcTimeText(std::int64_t unix_seconds);

// The n-th alternative when the plain name is taken: "<name>_<n>".
std::string SnapshotNameWithSuffix(std::string_view name, int n);

// The name a cycle's snapshot gets when `taken` are the source's snapshot
// names: SnapshotNameFor, or with the first free suffix _1 … _`max_suffix`
// (past that, the plain name: creating it fails and says so).
std::string FreeSnapshotName(std::string_view prefix, std::int64_t unix_seconds, const std::vector<std::string>& taken,
                             int max_suffix);

// A default prefix from a host name: "zpull_" + the name with characters
// that ZFS refuses replaced by '_'.
std::string DefaultPrefix(std::string_view hostname);

}  // namespace zpull::replicate
