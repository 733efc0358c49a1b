#pragma once
// One parity pass over the datasets of one source host: one listing command
// on the source and one on the destination, then ComputeParity per dataset.

#include <string>
#include <vector>

#include "checks/parity.h"
#include "replicate/snapshot_filter.h"
#include "core/zfs.h"

namespace zpull::checks {

struct ParityTarget {
  std::string dataset;  // the `dataset` label: the configured destination
  core::DatasetName source;
  core::DatasetName destination;
  replicate::RetentionPolicy retention;
  std::string prefix;
  replicate::SnapshotFilter snapshots;  // snapshots left out on purpose are not holes
};

// Space of a dataset's two sides, as the pass's listings carried it
// (`used`, `usedbysnapshots`; the source's `written` where it has one).
struct DatasetSpace {
  std::optional<std::uint64_t> source_used, source_snapshots_used, source_written;
  std::optional<std::uint64_t> destination_used, destination_snapshots_used;
};

struct ParityResult {
  std::string dataset;
  core::Result<ParityReport> report;
  DatasetSpace space;
  // The snapshots with user holds (userrefs > 0) on each side, as listed,
  // short names: what the inventory asks `zfs holds` about.
  std::vector<std::string> source_held, destination_held;
};

// Results in the order of `targets`. A listing failure on either host fails
// every target of the pass with that error. With `destination_written`
// (the probe found the property), one more command reads `written`; with
// `source_written`, the source's listing carries it.
std::vector<ParityResult> RunParityPass(core::Zfs& source, core::Zfs& destination,
                                        const std::vector<ParityTarget>& targets, std::int64_t now,
                                        bool destination_written = false, bool source_written = false);

}  // namespace zpull::checks
