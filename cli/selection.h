#pragma once
// `zpull once DESTINATION...`: which configured entries a command line names.

#include <cstddef>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/result.h"

namespace zpull::cli {

// Indices into config.datasets, in their order: every entry when `names` is
// empty; else each entry whose destination is a name, or lies below one
// (a recursive entry's tree, or everything under backup/web1). A name that
// selects nothing fails with reason kConfig, naming the nearest destination,
// or the destinations that pull it when it is a source dataset.
core::Result<std::vector<std::size_t>> SelectEntries(const config::Config& config,
                                                     const std::vector<std::string>& names);

// Before recursive entries are expanded (which asks their sources): fails
// as SelectEntries would for a name that can select nothing, a name below
// a recursive entry's destination left for SelectEntries to decide.
core::Status CheckSelectable(const config::Config& config, const std::vector<std::string>& names);

}  // namespace zpull::cli
