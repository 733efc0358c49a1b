#pragma once
// Snapshot parity between a source dataset and its replica: a pure function
// of the two snapshot lists (matched by guid, never by name) and the
// destination's retention policy.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/snapshot.h"
#include "replicate/retention.h"

namespace zpull::checks {

struct ParityReport {
  bool destination_exists = false;
  // Source snapshots newer than the newest common one (all of them when
  // nothing is common), and the creation time of the oldest of them.
  std::size_t not_replicated = 0;
  std::optional<std::int64_t> oldest_not_replicated_creation;
  // Source snapshots between the oldest and the newest common snapshot that
  // are missing on the destination although its retention would keep them.
  std::vector<std::string> holes;
  // Names on both sides whose guids differ.
  std::vector<std::string> guid_mismatches;
  // Destination snapshots newer than the newest common one.
  std::vector<std::string> diverged;
  std::optional<std::int64_t> newest_source_creation;
  std::optional<std::int64_t> newest_common_creation;
  // Bytes written to the destination since its newest snapshot (OpenZFS
  // `written`); nullopt where the property does not exist.
  std::optional<std::uint64_t> destination_written;

  friend bool operator==(const ParityReport&, const ParityReport&) = default;
};

ParityReport ComputeParity(const core::SnapshotList& source, const std::optional<core::SnapshotList>& destination,
                           const replicate::RetentionPolicy& destination_retention, std::int64_t now,
                           std::string_view own_prefix);

}  // namespace zpull::checks
