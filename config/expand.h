#pragma once
// Recursive entries, resolved against the source at run time. Each
// recursive entry becomes its root followed by the children its selection
// picks now (replicate/dataset_selection.h), each a dataset of its own with
// the root's settings and the destination at the same path below the root's
// destination. The daemon repeats the selection every interval of the
// entry and reloads when it changes, so children created later are picked up.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "config/config.h"
#include "core/zfs.h"

namespace zpull::config {

// The ZFS adapter of a configured source, by name (daemon::Hosts::Source).
using SourceZfs = std::function<core::Zfs&(const std::string& source)>;

// The entries for a recursive `root` and the source datasets it selects
// (as SelectTree returns them: the root first, parents before children).
// Sets expanded_from and replicated_parent. Pure.
std::vector<DatasetConfig> EntriesFor(const DatasetConfig& root, const std::vector<std::string>& selected);

// The source datasets `root` (a recursive entry) selects now: one
// `zfs list -r` on its source.
core::Result<replicate::TreeSelection> SelectNow(const DatasetConfig& root, const SourceZfs& source_zfs);

struct Expansion {
  Config config;                      // every recursive entry expanded
  std::vector<std::string> warnings;  // selection warnings, named by dataset
  std::vector<core::Error> errors;    // roots whose source could not be listed (they run alone)
};
Expansion ExpandDatasets(const Config& config, const SourceZfs& source_zfs);

// `config` with each recursive entry expanded by the selection known for it
// (by the entry's destination, as the daemon's discovery found it); an entry
// not yet listed runs as its root alone. Contacts no source. Pure.
Config ExpandKnown(const Config& config, const std::map<std::string, std::vector<std::string>>& selections);

// Source names of the datasets that `config` (expanded) holds for the
// recursive entry with destination `root_destination`, in order.
std::vector<std::string> ExpandedSources(const Config& config, const std::string& root_destination);

// For each dataset of `config`, the index of its replicated_parent (whose
// cycle goes first), if any.
std::vector<std::optional<std::size_t>> ParentIndices(const Config& config);

}  // namespace zpull::config
